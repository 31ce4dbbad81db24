package io.streamtrain.core.loss;

/**
 * Cross-entropy of K logits z against a class index y, with the log-sum-exp shifted by max(z) so it stays finite
 * for logits of any magnitude: {@code l = m + log(sum_k exp(z_k - m)) - z_y}, m = max_k z_k. Gradient p - e_y
 * with p = softmax(z); Hessian diag(p) - p p^T, applied to a vector u as {@code p * u - p (p . u)}.
 */
public final class SoftmaxLoss {
  private SoftmaxLoss() {}

  /**
   * Writes softmax(z[off..off+k)) into {@code p[poff..]} and returns the loss for class {@code y} (pass y &lt; 0
   * to skip the loss and get only the probabilities).
   */
  public static double probabilitiesAndLoss(double[] z, int off, int k, int y, double[] p, int poff) {
    double m = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < k; c++) {
      m = Math.max(m, z[off + c]);
    }
    double s = 0.0;
    for (int c = 0; c < k; c++) {
      double e = Math.exp(z[off + c] - m);
      p[poff + c] = e;
      s += e;
    }
    double inv = 1.0 / s;
    for (int c = 0; c < k; c++) {
      p[poff + c] *= inv;
    }
    return y < 0 ? 0.0 : m + Math.log(s) - z[off + y];
  }
}
