package io.fedmesh.node.config;

import java.nio.file.Path;

/**
 * Where a participant's local training data comes from (the {@code data:} of its participant section):
 * exactly one kind. Paths are absolute here (the config file's directory resolved); nothing is read
 * until {@code io.fedmesh.node.participant.LocalData.load}.
 */
public sealed interface DataSource permits DataSource.Synthetic, DataSource.Csv, DataSource.Idx {

  /** A short description for logs and {@code fedmesh config check}. */
  String describe();

  /**
   * One institution of a {@code SyntheticFraud} world: for demos and tests without real data. Every
   * member of a federation should name the same {@code institutions} and {@code seed} (one world) and
   * its own {@code institution}.
   *
   * @param institution this node's institution, in [0, institutions)
   * @param institutions how many institutions the world has, 1 to 10000
   * @param rows transactions this node draws, 2 to 1000000 (the holdout comes out of them)
   * @param seed the world's seed
   */
  record Synthetic(int institution, int institutions, int rows, long seed) implements DataSource {
    public Synthetic {
      if (institutions < 1 || institutions > 10_000 || institution < 0 || institution >= institutions) {
        throw new IllegalArgumentException("need 0 <= institution (" + institution + ") < institutions (" + institutions
            + ") <= 10000");
      }
      if (rows < 2 || rows > 1_000_000) {
        throw new IllegalArgumentException("rows must be in [2, 1000000], got " + rows);
      }
    }

    @Override
    public String describe() {
      return "synthetic card fraud, institution " + institution + " of " + institutions + ", " + rows + " rows, seed " + seed;
    }
  }

  /**
   * A CSV file ({@code io.fedmesh.ml.data.CsvFiles}: a header row, numeric features, an integer label column).
   *
   * @param path the file
   * @param label the label column's name
   */
  record Csv(Path path, String label) implements DataSource {
    public Csv {
      if (path == null || label == null || label.isBlank()) {
        throw new IllegalArgumentException("a CSV source needs a path and a label column");
      }
    }

    @Override
    public String describe() {
      return "CSV " + path + " (label column '" + label + "')";
    }
  }

  /**
   * Rows {@code [first, first + count)} of an IDX images file and its labels file (MNIST's format; pixels
   * scaled to [0, 1]).
   *
   * @param first the first row, 0 or more
   * @param count how many rows; 0 means every row from {@code first} to the end of the files
   */
  record Idx(Path images, Path labels, int first, int count) implements DataSource {
    public Idx {
      if (images == null || labels == null) {
        throw new IllegalArgumentException("an IDX source needs an images file and a labels file");
      }
      if (first < 0 || count < 0) {
        throw new IllegalArgumentException("first and count must be 0 or more, got " + first + " and " + count);
      }
    }

    @Override
    public String describe() {
      return "IDX " + images + " and " + labels + ", " + (count == 0 ? "rows from " + first : "rows " + first + " to "
          + ((long) first + count - 1));
    }
  }
}
