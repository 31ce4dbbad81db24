package io.streamtrain.core.metric;

/**
 * A documented streaming approximation of an exponentially weighted ROC AUC: scores in [0, 1] (probabilities)
 * are counted into {@code bins} equal-width bins per class, each sample weighted {@code alpha^age} (age in
 * samples), and the AUC is the weighted Mann-Whitney statistic over bins, pairs in the same bin counted one half
 * (as ties). The only approximation is the binning: pairs whose scores fall in the same bin count 1/2 whatever
 * their order, so the error is at most half the weighted fraction of positive-negative pairs sharing a bin
 * (with 1000 bins and spread scores, well under 1e-3). With scores on distinct bins it equals the exact weighted
 * pair count. Updates are O(1) without allocation: instead of decaying every bin each step, new samples get
 * weight {@code alpha^-t} and the bins are rescaled once that weight grows large (the usual inverse-scale trick).
 */
public final class FadingAuc {
  private final double alpha;
  private final double[] posW;
  private final double[] negW;
  private double scale = 1.0;
  private double posTotal;
  private double negTotal;

  public FadingAuc(double alpha, int bins) {
    if (!(alpha > 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
    }
    if (bins < 2) {
      throw new IllegalArgumentException("bins must be >= 2, got " + bins);
    }
    this.alpha = alpha;
    this.posW = new double[bins];
    this.negW = new double[bins];
  }

  /** Adds one sample: {@code score} a probability (clamped to [0, 1]), {@code positive} its class. */
  public void add(double score, boolean positive) {
    if (Double.isNaN(score)) {
      return;
    }
    int b = bin(score, posW.length);
    if (positive) {
      posW[b] += scale;
      posTotal += scale;
    } else {
      negW[b] += scale;
      negTotal += scale;
    }
    scale /= alpha;
    if (scale > 1e150) {
      double inv = 1.0 / scale;
      for (int i = 0; i < posW.length; i++) {
        posW[i] *= inv;
        negW[i] *= inv;
      }
      posTotal *= inv;
      negTotal *= inv;
      scale = 1.0;
    }
  }

  static int bin(double score, int bins) {
    double s = score <= 0 ? 0 : score >= 1 ? 1 : score;
    int b = (int) (s * bins);
    return b == bins ? bins - 1 : b;
  }

  /** The weighted AUC estimate; NaN while one class has no weight. */
  public double value() {
    if (posTotal <= 0 || negTotal <= 0) {
      return Double.NaN;
    }
    double u = 0;
    double negBelow = 0;
    for (int b = 0; b < posW.length; b++) {
      u += posW[b] * (negBelow + 0.5 * negW[b]);
      negBelow += negW[b];
    }
    return u / (posTotal * negTotal);
  }
}
