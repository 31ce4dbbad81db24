package io.streamtrain.core.diag;

/**
 * The loss trend over the last {@code loss_window} batch losses: the least-squares line through them (change =
 * slope x (k - 1)), its standard error (k - 1) sqrt(RSS / (k - 2) / Sxx) from the residuals (ordinary least
 * squares), and whether the loss is flat. The window is a ring buffer in {@link DiagState}.
 */
final class LossTrend {
  private LossTrend() {}

  /** Adds one batch loss and refits the line. */
  static void push(DiagnosticsConfig cfg, DiagState d, double loss) {
    int w = cfg.lossWindow();
    if (d.lossRing.length != w) {
      d.lossRing = new double[w];
      d.lossCount = 0;
      d.lossPos = 0;
    }
    d.lossRing[d.lossPos] = loss;
    d.lossPos = (d.lossPos + 1) % w;
    d.lossCount = Math.min(d.lossCount + 1, w);
    int k = d.lossCount;
    if (k < 2) {
      return;
    }
    // Least-squares slope of loss against batch index over the window, oldest first.
    double mx = (k - 1) / 2.0;
    double my = 0;
    for (int i = 0; i < k; i++) {
      my += d.lossRing[Math.floorMod(d.lossPos - k + i, w)];
    }
    my /= k;
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < k; i++) {
      double dx = i - mx;
      sxy += dx * (d.lossRing[Math.floorMod(d.lossPos - k + i, w)] - my);
      sxx += dx * dx;
    }
    d.lossSlope = sxy / sxx;
    d.lossChange = d.lossSlope * (k - 1);
    d.lossWindowMean = my;
    if (k >= 3) {
      double rss = 0;
      for (int i = 0; i < k; i++) {
        double e = d.lossRing[Math.floorMod(d.lossPos - k + i, w)] - my - d.lossSlope * (i - mx);
        rss += e * e;
      }
      d.lossChangeSe = Math.sqrt(rss / (k - 2) / sxx) * (k - 1);
    }
  }

  /** Flat: the fitted change over the window within the tolerance of the mean loss (or below 1e-12 outright). */
  static boolean plateau(DiagnosticsConfig cfg, DiagState d) {
    return d.lossCount >= cfg.lossWindow()
        && Math.abs(d.lossChange) <= Math.max(cfg.plateauTolerance() * Math.abs(d.lossWindowMean), 1e-12);
  }
}
