package io.fedmesh.node.participant;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.ml.data.CsvFiles;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.DatasetFormatException;
import io.fedmesh.ml.data.IdxFiles;
import io.fedmesh.ml.data.SyntheticFraud;
import io.fedmesh.ml.data.TrainTestSplit;
import io.fedmesh.node.config.DataSource;
import io.fedmesh.node.config.ParticipantSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * A participant's local rows for one federation, read once when the node starts: what it trains on and
 * what it keeps back for federated evaluation (never trained on). The split is a seeded random hold-out
 * ({@link TrainTestSplit#holdOut}): the same rows and seed give the same split on every start.
 *
 * @param federation the federation these rows are for
 * @param train the rows trained on
 * @param holdout the rows held out for evaluation
 * @param description what was loaded, for logs ("CSV /data/fraud.csv, 2000 rows: 1600 trained on, 400 held out")
 */
public record LocalData(String federation, Dataset train, Dataset holdout, String description) {
  /** Labels in an IDX file are bytes; the dataset's classes are then narrowed to the largest label + 1. */
  private static final int IDX_LABELS = 256;

  /**
   * Reads the participant's data source and holds out {@code settings.holdout()} of its rows with
   * {@code settings.holdoutSeed()}.
   *
   * @throws IOException a file is missing, unreadable or malformed: one line naming the config field and the file
   * @throws IllegalArgumentException the rows do not fit the settings (too few rows to split, IDX rows past
   *     the end of the file): one line naming the config field
   */
  public static LocalData load(ParticipantSettings settings) throws IOException {
    String where = "participant." + settings.federation() + ".data";
    Dataset all;
    if (settings.data() instanceof DataSource.Synthetic s) {
      all = new SyntheticFraud(s.institutions(), s.seed()).institution(s.institution(), s.rows(), 0);
    } else if (settings.data() instanceof DataSource.Csv c) {
      all = read(where + ".csv", () -> CsvFiles.read(c.path(), c.label()), c.path());
    } else {
      DataSource.Idx i = (DataSource.Idx) settings.data();
      all = rows(where + ".idx", read(where + ".idx", () -> IdxFiles.read(i.images(), i.labels(), IDX_LABELS), i.images()), i);
    }
    TrainTestSplit split;
    try {
      split = TrainTestSplit.holdOut(all, settings.holdout(), settings.holdoutSeed());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    return new LocalData(settings.federation(), split.train(), split.test(), settings.data().describe() + ", " + all.size()
        + " rows: " + split.train().size() + " trained on, " + split.test().size() + " held out (seed " + settings.holdoutSeed() + ")");
  }

  /**
   * Checks that the federation's model can take these rows: the same sample shape as its
   * {@code input_shape}, and every label below its {@code classes}.
   *
   * @throws IllegalArgumentException naming the participant's data section, for example
   *     "participant.card-fraud.data: rows have shape [29] but the federation's model takes [30]"
   */
  public void checkFits(FederationSettings federation) {
    String where = "participant." + this.federation + ".data";
    if (!Arrays.equals(train.sampleShape(), federation.inputShape())) {
      throw new IllegalArgumentException(where + ": rows have shape " + Arrays.toString(train.sampleShape())
          + " but the federation's model takes " + Arrays.toString(federation.inputShape()));
    }
    int top = Math.max(maxLabel(train), maxLabel(holdout));
    if (top >= federation.classes()) {
      throw new IllegalArgumentException(where + ": a row has label " + top + " but the federation's model has "
          + federation.classes() + " classes (labels 0 to " + (federation.classes() - 1) + ")");
    }
  }

  /**
   * {@link #checkFits} and then the same rows with the federation's number of classes (local data often
   * lacks the rarer labels, so its own count can be lower): what to train and evaluate on.
   */
  public LocalData fitTo(FederationSettings federation) {
    checkFits(federation);
    if (train.classes() == federation.classes() && holdout.classes() == federation.classes()) {
      return this;
    }
    return new LocalData(this.federation, withClasses(train, federation.classes()), withClasses(holdout, federation.classes()),
        description);
  }

  /** An I/O step of a data source. */
  private interface Read {
    Dataset run() throws IOException;
  }

  private static Dataset read(String where, Read read, Path file) throws IOException {
    try {
      return read.run();
    } catch (DatasetFormatException e) {
      throw new IOException(where + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IOException(where + ": " + file + ": cannot read it (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
    }
  }

  /** Rows [first, first + count) of a whole IDX file (count 0: to the end), labels narrowed to those present. */
  private static Dataset rows(String where, Dataset file, DataSource.Idx idx) {
    long end = idx.count() == 0 ? file.size() : (long) idx.first() + idx.count();
    if (idx.first() >= file.size() || end > file.size()) {
      throw new IllegalArgumentException(where + ": rows " + idx.first() + " to " + (end - 1) + " asked for, but "
          + idx.images() + " has " + file.size() + " rows (0 to " + (file.size() - 1) + ")");
    }
    Dataset part = file.subset(IntStream.range(idx.first(), (int) end).toArray());
    return withClasses(part, Math.max(2, maxLabel(part) + 1));
  }

  private static int maxLabel(Dataset d) {
    return Arrays.stream(d.labels()).max().orElse(0);
  }

  private static Dataset withClasses(Dataset d, int classes) {
    float[] features = new float[d.size() * d.width()];
    d.copyRows(IntStream.range(0, d.size()).toArray(), 0, d.size(), features);
    return new Dataset(features, d.labels(), d.sampleShape(), classes);
  }
}
