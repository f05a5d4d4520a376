package io.fedmesh.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A chart is a real PNG of the asked size, with every series drawn in its own colour. */
class LineChartTest {
  @TempDir
  Path dir;

  @Test
  void writesAPngWithEachSeriesInItsColour() throws Exception {
    double[] rounds = {1, 2, 3, 4, 5};
    Path png = dir.resolve("charts/accuracy.png");
    new LineChart("accuracy per round", "round", "test accuracy")
        .add("fedavg", rounds, new double[] {0.5, 0.6, 0.65, 0.7, 0.72})
        .add("fedprox", rounds, new double[] {0.45, 0.58, 0.66, 0.69, 0.74})
        .add("fedadam", rounds, new double[] {0.6, Double.NaN, 0.7, 0.75, 0.8})
        .write(png, 800, 500);

    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).isNotNull();
    assertThat(image.getWidth()).isEqualTo(800);
    assertThat(image.getHeight()).isEqualTo(500);
    for (int s = 0; s < 3; s++) {
      // Lines and legend keys: far more than a stray anti-aliased pixel.
      assertThat(count(image, LineChart.colour(s).getRGB())).as("pixels of series %d", s).isGreaterThan(100);
    }
    assertThat(count(image, LineChart.colour(3).getRGB())).as("no fourth series").isZero();
  }

  @Test
  void aOneRoundSeriesStillShows() throws Exception {
    Path png = dir.resolve("one.png");
    new LineChart("one round", "round", "AUC").add("fedavg", new double[] {1}, new double[] {0.9}).write(png, 400, 300);
    assertThat(count(ImageIO.read(png.toFile()), LineChart.colour(0).getRGB())).isGreaterThan(20);
  }

  @Test
  void ticksAreRoundNumbersInsideTheRange() {
    assertThat(LineChart.ticks(1, 50, true)).containsExactly(5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0);
    assertThat(LineChart.ticks(1, 3, true)).containsExactly(1.0, 2.0, 3.0);
    assertThat(LineChart.ticks(0.67, 0.8, false)).hasSizeBetween(5, 12).allSatisfy(t -> assertThat(t).isBetween(0.67, 0.8 + 1e-12));
  }

  @Test
  void mismatchedSeriesAreRefused() {
    assertThatThrownBy(() -> new LineChart("t", "x", "y").add("bad", new double[] {1, 2}, new double[] {1}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'bad'");
  }

  private static int count(BufferedImage image, int rgb) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if ((image.getRGB(x, y) & 0xffffff) == (rgb & 0xffffff)) {
          n++;
        }
      }
    }
    return n;
  }
}
