package io.fedmesh.ml.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CSV files of numeric features and an integer class label: a header row naming the columns, comma
 * separated, no quoting (numeric data needs none). The label column is named {@code label} unless
 * given; labels are 0 .. classes-1 and the number of classes is the largest label + 1 (at least 2).
 * Missing values (an empty field, NA, NaN) are refused with the row and column named: imputing them
 * silently would train on made-up data.
 */
public final class CsvFiles {
  public static final String DEFAULT_LABEL = "label";
  /** Beyond this the file should be split or streamed, not loaded whole. */
  private static final long MAX_VALUES = 1L << 28;

  private CsvFiles() {}

  /** @throws DatasetFormatException naming the file, line and column of the first problem */
  public static Dataset read(Path file, String labelColumn) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null || header.isBlank()) {
        throw new DatasetFormatException(file, "empty: a header row naming the columns is required");
      }
      String[] names = header.strip().split(",", -1);
      int labelAt = -1;
      for (int i = 0; i < names.length; i++) {
        if (names[i].strip().equals(labelColumn)) {
          labelAt = i;
        }
      }
      if (labelAt < 0) {
        throw new DatasetFormatException(file, "no column named '" + labelColumn + "' in the header");
      }
      if (names.length < 2) {
        throw new DatasetFormatException(file, "needs at least one feature column besides the label");
      }
      int width = names.length - 1;
      List<float[]> rows = new ArrayList<>();
      List<Integer> labels = new ArrayList<>();
      int maxLabel = 0;
      String line;
      int lineNo = 1;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        String[] fields = line.split(",", -1);
        if (fields.length != names.length) {
          throw new DatasetFormatException(file, "line " + lineNo + " has " + fields.length + " fields, the header " + names.length);
        }
        float[] row = new float[width];
        int at = 0;
        for (int i = 0; i < fields.length; i++) {
          String field = fields[i].strip();
          if (field.isEmpty() || field.equalsIgnoreCase("na") || field.equalsIgnoreCase("nan")) {
            throw new DatasetFormatException(file, "line " + lineNo + ", column '" + names[i].strip()
                + "': missing value (fill or drop such rows before training)");
          }
          if (i == labelAt) {
            int label;
            try {
              label = Integer.parseInt(field);
            } catch (NumberFormatException e) {
              throw new DatasetFormatException(file, "line " + lineNo + ": label '" + field + "' is not an integer");
            }
            if (label < 0) {
              throw new DatasetFormatException(file, "line " + lineNo + ": label " + label + " is negative");
            }
            labels.add(label);
            maxLabel = Math.max(maxLabel, label);
          } else {
            float v;
            try {
              v = Float.parseFloat(field);
            } catch (NumberFormatException e) {
              throw new DatasetFormatException(file, "line " + lineNo + ", column '" + names[i].strip() + "': '" + field + "' is not a number");
            }
            if (!Float.isFinite(v)) {
              throw new DatasetFormatException(file, "line " + lineNo + ", column '" + names[i].strip() + "': " + field + " is not finite");
            }
            row[at++] = v;
          }
        }
        rows.add(row);
        if ((long) rows.size() * width > MAX_VALUES) {
          throw new DatasetFormatException(file, "more than " + MAX_VALUES + " values: too large to load whole");
        }
      }
      if (rows.size() < 2) {
        throw new DatasetFormatException(file, "needs at least 2 data rows, has " + rows.size());
      }
      float[] features = new float[rows.size() * width];
      int[] y = new int[rows.size()];
      for (int r = 0; r < rows.size(); r++) {
        System.arraycopy(rows.get(r), 0, features, r * width, width);
        y[r] = labels.get(r);
      }
      return new Dataset(features, y, new int[] {width}, Math.max(2, maxLabel + 1));
    } catch (NoSuchFileException e) {
      throw new DatasetFormatException(file, "no such file");
    } catch (java.nio.charset.MalformedInputException e) {
      throw new DatasetFormatException(file, "not UTF-8 text");
    }
  }
}
