package io.fedmesh.ml.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX and CSV files, good and bad: a bad file gets one message naming the file and the problem. */
class DataFilesTest {
  @TempDir
  Path dir;

  private Path idx(String name, int magic, int[] dims, byte[] body, boolean gzip) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(gzip ? new GZIPOutputStream(bytes) : bytes)) {
      out.writeInt(magic);
      for (int d : dims) {
        out.writeInt(d);
      }
      out.write(body);
    }
    return Files.write(dir.resolve(name), bytes.toByteArray());
  }

  @Test
  void idxImagesAndLabelsReadPlainOrGzipped() throws IOException {
    byte[] pixels = new byte[3 * 2 * 2];
    pixels[0] = (byte) 255;
    pixels[5] = (byte) 128;
    Path images = idx("img.gz", 0x803, new int[] {3, 2, 2}, pixels, true);
    Path labels = idx("lab", 0x801, new int[] {3}, new byte[] {0, 9, 4}, false);

    Dataset d = IdxFiles.read(images, labels, 10);

    assertThat(d.size()).isEqualTo(3);
    assertThat(d.sampleShape()).containsExactly(1, 2, 2);
    assertThat(d.labels()).containsExactly(0, 9, 4);
    float[] row = new float[4];
    d.copyRows(new int[] {1}, 0, 1, row);
    assertThat(row[1]).isEqualTo(128 / 255f);

    Dataset standardised = IdxFiles.read(images, labels, 10, 0.25f, 0.5f);
    standardised.copyRows(new int[] {0}, 0, 1, row);
    assertThat(row).containsExactly(1.5f, -0.5f, -0.5f, -0.5f);
    assertThatThrownBy(() -> IdxFiles.read(images, labels, 10, 0f, 0f)).hasMessageContaining("std positive");
  }

  @Test
  void badIdxFilesAreNamedWithTheirProblem() throws IOException {
    Path images = idx("img", 0x803, new int[] {3, 2, 2}, new byte[12], false);
    Path truncated = idx("short", 0x803, new int[] {3, 2, 2}, new byte[5], false);
    Path labels = idx("lab", 0x801, new int[] {2}, new byte[] {0, 1}, false);
    Path wrongKind = idx("wrong", 0x801, new int[] {3}, new byte[3], false);
    Path badLabel = idx("bad", 0x801, new int[] {3}, new byte[] {0, 10, 1}, false);

    assertThatThrownBy(() -> IdxFiles.read(truncated, labels, 10)).isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("short").hasMessageContaining("truncated");
    assertThatThrownBy(() -> IdxFiles.read(images, labels, 10)).hasMessageContaining("2 labels for 3 images");
    assertThatThrownBy(() -> IdxFiles.read(wrongKind, labels, 10)).hasMessageContaining("not an IDX image file");
    assertThatThrownBy(() -> IdxFiles.read(images, badLabel, 10)).hasMessageContaining("label 10 at row 1");
    assertThatThrownBy(() -> IdxFiles.read(dir.resolve("none"), labels, 10)).hasMessageContaining("none: no such file");
  }

  @Test
  void theRealFashionMnistReadsWhenInstalled() throws IOException {
    Path fashion = Path.of("/usr/share/datasets/fashion-mnist");
    Assumptions.assumeTrue(Files.isDirectory(fashion), "Debian package dataset-fashion-mnist is not installed");
    Dataset test = IdxFiles.fashionMnist(fashion, false);
    assertThat(test.size()).isEqualTo(10_000);
    assertThat(test.sampleShape()).containsExactly(1, 28, 28);
    assertThat(test.classCounts()).containsOnly(1000);
    // Standardised with the training set's pixel statistics: the training pixels have mean 0 and std 1.
    Dataset train = IdxFiles.fashionMnist(fashion, true);
    float[] all = new float[train.size() * train.width()];
    int[] rows = new int[train.size()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = i;
    }
    train.copyRows(rows, 0, rows.length, all);
    double sum = 0;
    double squares = 0;
    for (float v : all) {
      sum += v;
      squares += (double) v * v;
    }
    double mean = sum / all.length;
    assertThat(mean).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-3));
    assertThat(Math.sqrt(squares / all.length - mean * mean)).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-3));
  }

  @Test
  void csvReadsNumericFeaturesAndTheLabelColumnAnywhere() throws IOException {
    Path csv = Files.writeString(dir.resolve("a.csv"), "amount,label,hour\n1.5,0,3\n-2,1,4\n\n7e1,2,5\n");
    Dataset d = CsvFiles.read(csv, "label");
    assertThat(d.size()).isEqualTo(3);
    assertThat(d.classes()).isEqualTo(3);
    assertThat(d.labels()).containsExactly(0, 1, 2);
    float[] row = new float[2];
    d.copyRows(new int[] {2}, 0, 1, row);
    assertThat(row).containsExactly(70f, 5f);
  }

  @Test
  void badCsvFilesAreNamedWithLineAndColumn() throws IOException {
    assertThatThrownBy(() -> CsvFiles.read(Files.writeString(dir.resolve("m.csv"), "x,label\n1,0\n,1\n"), "label"))
        .isInstanceOf(DatasetFormatException.class).hasMessageContaining("m.csv: line 3, column 'x': missing value");
    assertThatThrownBy(() -> CsvFiles.read(Files.writeString(dir.resolve("n.csv"), "x,label\n1,0\nNaN,1\n"), "label"))
        .hasMessageContaining("missing value");
    assertThatThrownBy(() -> CsvFiles.read(Files.writeString(dir.resolve("t.csv"), "x,label\n1,0\nabc,1\n"), "label"))
        .hasMessageContaining("'abc' is not a number");
    assertThatThrownBy(() -> CsvFiles.read(Files.writeString(dir.resolve("f.csv"), "x,label\n1,0\n2,1,3\n"), "label"))
        .hasMessageContaining("line 3 has 3 fields, the header 2");
    assertThatThrownBy(() -> CsvFiles.read(Files.writeString(dir.resolve("l.csv"), "x,y\n1,0\n2,1\n"), "label"))
        .hasMessageContaining("no column named 'label'");
    assertThatThrownBy(() -> CsvFiles.read(Files.writeString(dir.resolve("e.csv"), ""), "label")).hasMessageContaining("empty");
    assertThatThrownBy(() -> CsvFiles.read(Files.writeString(dir.resolve("i.csv"), "x,label\n1,0\n2,1e400\n"), "label"))
        .hasMessageContaining("is not an integer");
    assertThatThrownBy(() -> CsvFiles.read(Files.writeString(dir.resolve("inf.csv"), "x,label\n1,0\n1e400,1\n"), "label"))
        .hasMessageContaining("not finite");
  }
}
