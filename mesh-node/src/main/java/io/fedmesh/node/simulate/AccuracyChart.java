package io.fedmesh.node.simulate;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A line chart of test accuracy per round, federated against the centralised baseline, drawn with
 * Java2D (headless) and encoded as PNG: what a person opens to see whether the federation learns.
 */
public final class AccuracyChart {
  private static final int WIDTH = 800;
  private static final int HEIGHT = 500;
  private static final int LEFT = 70;
  private static final int RIGHT = 30;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;
  private static final Color FEDERATED = new Color(0x1f, 0x77, 0xb4);
  private static final Color BASELINE = new Color(0xd6, 0x27, 0x28);

  private AccuracyChart() {}

  /** @param baseline per round, or empty; NaN values are skipped */
  static byte[] png(String title, List<Double> federated, List<Double> baseline) throws IOException {
    return png(title, "test accuracy", federated, baseline);
  }

  /**
   * A chart of any score in [0, 1] per round (accuracy, ROC AUC), federated against the baseline.
   *
   * @param score the axis label ("held-out accuracy", "ROC AUC")
   */
  public static byte[] png(String title, String score, List<Double> federated, List<Double> baseline) throws IOException {
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      double lo = 1;
      double hi = 0;
      for (List<Double> series : List.of(federated, baseline)) {
        for (double v : series) {
          if (!Double.isNaN(v)) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
          }
        }
      }
      lo = Math.max(0, Math.floor((lo - 0.02) * 20) / 20);
      hi = Math.min(1, Math.ceil((hi + 0.02) * 20) / 20);
      if (hi <= lo) {
        lo = 0;
        hi = 1;
      }
      int rounds = Math.max(2, federated.size());
      int plotW = WIDTH - LEFT - RIGHT;
      int plotH = HEIGHT - TOP - BOTTOM;
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      // Grid and axes.
      for (int i = 0; i <= 5; i++) {
        double v = lo + (hi - lo) * i / 5;
        int y = TOP + plotH - (int) Math.round(plotH * (v - lo) / (hi - lo));
        g.setColor(new Color(230, 230, 230));
        g.drawLine(LEFT, y, LEFT + plotW, y);
        g.setColor(Color.DARK_GRAY);
        g.drawString(String.format(Locale.ROOT, "%.2f", v), LEFT - 40, y + 4);
      }
      int step = Math.max(1, rounds / 10);
      for (int r = 1; r <= rounds; r += step) {
        int x = LEFT + (int) Math.round(plotW * (r - 1) / (double) (rounds - 1));
        g.drawString(Integer.toString(r), x - 4, TOP + plotH + 18);
      }
      g.setColor(Color.BLACK);
      g.drawRect(LEFT, TOP, plotW, plotH);
      g.drawString("round", LEFT + plotW / 2 - 15, HEIGHT - 20);
      g.drawString(score, 8, TOP - 12);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.drawString(title, LEFT, 28);
      draw(g, federated, FEDERATED, lo, hi, rounds, plotW, plotH);
      draw(g, baseline, BASELINE, lo, hi, rounds, plotW, plotH);
      // Legend.
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      legend(g, FEDERATED, "federated (global model)", 0);
      if (!baseline.isEmpty()) {
        legend(g, BASELINE, "centralised baseline (same examples)", 1);
      }
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  private static void draw(Graphics2D g, List<Double> series, Color color, double lo, double hi, int rounds, int plotW, int plotH) {
    g.setColor(color);
    g.setStroke(new BasicStroke(2.2f));
    int px = -1;
    int py = -1;
    for (int i = 0; i < series.size(); i++) {
      double v = series.get(i);
      if (Double.isNaN(v)) {
        continue;
      }
      int x = LEFT + (int) Math.round(plotW * i / (double) (rounds - 1));
      int y = TOP + plotH - (int) Math.round(plotH * (v - lo) / (hi - lo));
      if (px >= 0) {
        g.drawLine(px, py, x, y);
      }
      g.fillOval(x - 3, y - 3, 6, 6);
      px = x;
      py = y;
    }
    g.setStroke(new BasicStroke(1f));
  }

  private static void legend(Graphics2D g, Color color, String text, int row) {
    int x = WIDTH - RIGHT - 300;
    int y = TOP + plotHeightOffset(row);
    g.setColor(color);
    g.fillRect(x, y - 8, 18, 4);
    g.setColor(Color.BLACK);
    g.drawString(text, x + 24, y - 3);
  }

  private static int plotHeightOffset(int row) {
    return HEIGHT - TOP - BOTTOM - 30 + 18 * row;
  }
}
