package io.streamtrain.io;

import io.streamtrain.core.data.Example;
import java.util.Arrays;

/**
 * Standardizes dense features as scikit-learn's {@code StandardScaler} does: each column becomes
 * {@code (x - mean) / std} with the mean and the population standard deviation (ddof = 0) of the rows it was fitted
 * on, and a constant column keeps scale 1 (it is only centred). Fitted on a training part and applied to every
 * row, so a test part is scaled with the training part's figures, as a model would meet new data. Means and
 * variances are accumulated with Welford's update (Welford 1962), which stays accurate for large offsets such as
 * areas in the thousands next to ratios near 0.01.
 */
public final class Standardizer {
  private double[] mean = new double[0];
  private double[] m2 = new double[0];
  private long n;

  /** Adds the dense values of one training row (rows may differ in width; missing columns are not counted). */
  public void fit(Example e) {
    fit(e.denseValues(), e.denseLength());
  }

  /** Adds the first {@code d} values of {@code v} as one training row. */
  public void fit(double[] v, int d) {
    if (d > mean.length) {
      mean = Arrays.copyOf(mean, d);
      m2 = Arrays.copyOf(m2, d);
    }
    n++;
    for (int j = 0; j < d; j++) {
      double x = v[j];
      double delta = x - mean[j];
      mean[j] += delta / n;
      m2[j] += delta * (x - mean[j]);
    }
  }

  /** Rows fitted. */
  public long count() {
    return n;
  }

  /** The column means. */
  public double[] means() {
    return mean.clone();
  }

  /** The population standard deviations, 1 where a column is constant (the divisor applied). */
  public double[] scales() {
    double[] s = new double[mean.length];
    for (int j = 0; j < s.length; j++) {
      double sd = n > 0 ? Math.sqrt(m2[j] / n) : 0;
      s[j] = sd > 0 && Double.isFinite(sd) ? sd : 1.0;
    }
    return s;
  }

  /** Replaces the dense values of {@code e} by their standardized values (columns beyond the fitted ones unchanged). */
  public void apply(Example e) {
    apply(mean, scales(), e.denseValues(), e.denseLength());
  }

  /** Standardizes the first {@code d} values of {@code v} in place with the given means and scales. */
  public static void apply(double[] mean, double[] scale, double[] v, int d) {
    int m = Math.min(d, mean.length);
    for (int j = 0; j < m; j++) {
      v[j] = (v[j] - mean[j]) / scale[j];
    }
  }
}
