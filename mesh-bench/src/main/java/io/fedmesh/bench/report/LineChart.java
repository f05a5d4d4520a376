package io.fedmesh.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A line chart written as a PNG: one line per series over a shared x axis, axes with ticks and labels,
 * a legend and a title. Plain java.awt in headless mode, so benchmarks need no plotting library and
 * run on servers without a display. NaN values leave a gap in their line.
 */
public final class LineChart {
  /**
   * Series colours in order: distinct hues that stay apart on white and are not used by the axes,
   * grid or text (so a test can find each series by its colour).
   */
  private static final Color[] PALETTE = {
      new Color(0x1f, 0x77, 0xb4), new Color(0xd6, 0x27, 0x28), new Color(0x2c, 0xa0, 0x2c),
      new Color(0xff, 0x7f, 0x0e), new Color(0x94, 0x67, 0xbd), new Color(0x8c, 0x56, 0x4b),
      new Color(0xe3, 0x77, 0xc2), new Color(0x17, 0xbe, 0xcf)};

  private static final int LEFT = 70;
  private static final int RIGHT = 170; // room for the legend
  private static final int TOP = 40;
  private static final int BOTTOM = 55;

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();

  private record Series(String name, double[] x, double[] y) {}

  public LineChart(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  /** The colour of the {@code index}-th series added (0-based). */
  public static Color colour(int index) {
    return PALETTE[index % PALETTE.length];
  }

  /** Adds a line; {@code x} and {@code y} have the same length. Returns this chart. */
  public LineChart add(String name, double[] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values but " + y.length + " y values");
    }
    series.add(new Series(name, x.clone(), y.clone()));
    return this;
  }

  /** Draws the chart and writes it to {@code png} (parent directories are created). */
  public void write(Path png, int width, int height) throws IOException {
    if (width < LEFT + RIGHT + 50 || height < TOP + BOTTOM + 50) {
      throw new IllegalArgumentException("a chart needs at least " + (LEFT + RIGHT + 50) + " x " + (TOP + BOTTOM + 50) + " pixels");
    }
    // Headless before the first AWT call: benchmarks run on machines without a display.
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = render(width, height);
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!ImageIO.write(image, "png", png.toFile())) {
      throw new IOException("no PNG writer in this JDK");
    }
  }

  BufferedImage render(int width, int height) {
    double[] xr = range(true);
    double[] yr = range(false);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      int plotW = width - LEFT - RIGHT;
      int plotH = height - TOP - BOTTOM;
      Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
      g.setFont(font);
      FontMetrics fm = g.getFontMetrics();

      // Grid and ticks.
      for (double t : ticks(yr[0], yr[1], false)) {
        int py = TOP + plotH - (int) Math.round((t - yr[0]) / (yr[1] - yr[0]) * plotH);
        g.setColor(new Color(0xe6, 0xe6, 0xe6));
        g.drawLine(LEFT, py, LEFT + plotW, py);
        g.setColor(Color.BLACK);
        g.drawLine(LEFT - 5, py, LEFT, py);
        String s = label(t);
        g.drawString(s, LEFT - 8 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
      }
      for (double t : ticks(xr[0], xr[1], wholeX())) {
        int px = LEFT + (int) Math.round((t - xr[0]) / (xr[1] - xr[0]) * plotW);
        g.setColor(Color.BLACK);
        g.drawLine(px, TOP + plotH, px, TOP + plotH + 5);
        String s = label(t);
        g.drawString(s, px - fm.stringWidth(s) / 2, TOP + plotH + 8 + fm.getAscent());
      }
      g.setColor(Color.BLACK);
      g.drawRect(LEFT, TOP, plotW, plotH);
      g.drawString(xLabel, LEFT + (plotW - fm.stringWidth(xLabel)) / 2, height - 12);
      Graphics2D rotated = (Graphics2D) g.create();
      rotated.rotate(-Math.PI / 2);
      rotated.drawString(yLabel, -(TOP + (plotH + fm.stringWidth(yLabel)) / 2), 18);
      rotated.dispose();
      Font bold = font.deriveFont(Font.BOLD, 14f);
      g.setFont(bold);
      g.drawString(title, Math.max(4, (width - g.getFontMetrics().stringWidth(title)) / 2), TOP - 14);
      g.setFont(font);

      // Lines, antialiased off so each series' pixels keep its exact colour.
      g.setStroke(new BasicStroke(2f));
      for (int s = 0; s < series.size(); s++) {
        Series line = series.get(s);
        g.setColor(colour(s));
        int prevX = 0;
        int prevY = 0;
        boolean havePrev = false;
        for (int i = 0; i < line.x().length; i++) {
          if (!Double.isFinite(line.x()[i]) || !Double.isFinite(line.y()[i])) {
            havePrev = false;
            continue;
          }
          int px = LEFT + (int) Math.round((line.x()[i] - xr[0]) / (xr[1] - xr[0]) * plotW);
          int py = TOP + plotH - (int) Math.round((line.y()[i] - yr[0]) / (yr[1] - yr[0]) * plotH);
          if (havePrev) {
            g.drawLine(prevX, prevY, px, py);
          } else {
            g.fillRect(px - 2, py - 2, 5, 5); // a lone point (or a one-round run) still shows
          }
          prevX = px;
          prevY = py;
          havePrev = true;
        }
      }

      // Legend.
      int ly = TOP + 10;
      for (int s = 0; s < series.size(); s++) {
        g.setColor(colour(s));
        g.fillRect(LEFT + plotW + 15, ly - 6, 20, 6);
        g.setColor(Color.BLACK);
        g.drawString(series.get(s).name(), LEFT + plotW + 42, ly);
        ly += 20;
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  /** Whether every x value is a whole number (rounds), so ticks between them would mean nothing. */
  private boolean wholeX() {
    return series.stream().allMatch(s -> java.util.Arrays.stream(s.x()).allMatch(v -> !Double.isFinite(v) || v == Math.rint(v)));
  }

  /** [min, max] over all finite values of x or y, widened when flat so the scale is never empty. */
  private double[] range(boolean x) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      double[] v = x ? s.x() : s.y();
      double[] other = x ? s.y() : s.x();
      for (int i = 0; i < v.length; i++) {
        if (Double.isFinite(v[i]) && Double.isFinite(other[i])) {
          lo = Math.min(lo, v[i]);
          hi = Math.max(hi, v[i]);
        }
      }
    }
    if (lo > hi) {
      return new double[] {0, 1};
    }
    if (hi - lo < 1e-9) {
      double pad = Math.max(Math.abs(lo) * 0.05, 0.5);
      return new double[] {lo - pad, hi + pad};
    }
    if (!x) {
      double pad = (hi - lo) * 0.05; // a line along the top or bottom edge would hide under the frame
      return new double[] {lo - pad, hi + pad};
    }
    return new double[] {lo, hi};
  }

  /**
   * Round-number ticks (1, 2 or 5 times a power of ten apart) inside [lo, hi]: the largest such step
   * that still gives at least 5, so about 5 to 12 of them; whole numbers only when {@code whole} (rounds).
   */
  static List<Double> ticks(double lo, double hi, boolean whole) {
    double raw = (hi - lo) / 5;
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = magnitude;
    for (double m : new double[] {2, 5, 10}) {
      if (m * magnitude <= raw) {
        step = m * magnitude;
      }
    }
    if (whole) {
      step = Math.max(1, Math.rint(step));
    }
    List<Double> ticks = new ArrayList<>();
    // Multiples of the step, not a running sum, so the labels do not drift (0.1 + 0.2 != 0.3).
    for (long k = (long) Math.ceil(lo / step - 1e-9); k <= (long) Math.floor(hi / step + 1e-9); k++) {
      ticks.add(k * step);
    }
    return ticks;
  }

  private static String label(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e9) {
      return String.valueOf((long) v);
    }
    String s = String.format(Locale.ROOT, "%.3f", v);
    return s.replaceAll("0+$", "").replaceAll("\\.$", "");
  }
}
