package io.streamtrain.core.loss;

/**
 * Binary log loss on a logit z with label y in {0, 1}, numerically stable for any |z| (torch's
 * BCEWithLogitsLoss formulation): {@code l = max(z, 0) - y z + log1p(exp(-|z|))}; dl/dz = sigmoid(z) - y;
 * d2l/dz2 = sigmoid(z) (1 - sigmoid(z)). Finite and exact for |z| = 1e4 and beyond.
 */
public final class LogisticLoss {
  private LogisticLoss() {}

  public static double value(double z, double y) {
    return Math.max(z, 0.0) - y * z + Math.log1p(Math.exp(-Math.abs(z)));
  }

  public static double sigmoid(double z) {
    if (z >= 0) {
      return 1.0 / (1.0 + Math.exp(-z));
    }
    double e = Math.exp(z);
    return e / (1.0 + e);
  }
}
