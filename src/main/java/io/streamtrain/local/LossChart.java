package io.streamtrain.local;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG line charts of a metric against samples seen, one line per model or configuration (JFreeChart, headless). */
public final class LossChart {
  private LossChart() {}

  /** Points per series: x = samples seen, y = the metric. */
  public static void write(Path png, String title, String yLabel, Map<String, List<double[]>> series, boolean logY)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYSeriesCollection data = new XYSeriesCollection();
    for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
      XYSeries s = new XYSeries(e.getKey());
      for (double[] p : e.getValue()) {
        if (Double.isFinite(p[1]) && p[0] > 0 && (!logY || p[1] > 0)) {
          s.add(p[0], p[1]);
        }
      }
      data.addSeries(s);
    }
    // Models see very different numbers of samples (a small dataset beside a long stream): a log axis shows both.
    LogAxis x = new LogAxis("samples seen (log scale)");
    x.setNumberFormatOverride(new java.text.DecimalFormat("#,##0"));
    org.jfree.chart.axis.ValueAxis y;
    if (logY) {
      LogAxis ly = new LogAxis(yLabel);
      ly.setNumberFormatOverride(new java.text.DecimalFormat("0.###"));
      y = ly;
    } else {
      NumberAxis ny = new NumberAxis(yLabel);
      ny.setAutoRangeIncludesZero(true);
      y = ny;
    }
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < data.getSeriesCount(); i++) {
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    XYPlot plot = new XYPlot(data, x, y, r);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    ChartUtils.saveChartAsPNG(png.toFile(), chart, 1000, 560);
  }
}
