package io.streamtrain.core.fit;

/** The few dense vector kernels the minimizers share, each a plain loop in index order (deterministic). */
final class Vectors {
  private Vectors() {}

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static double maxAbs(double[] a) {
    double m = 0;
    for (double v : a) {
      double x = Math.abs(v);
      if (x > m || Double.isNaN(x)) {
        m = x;
      }
    }
    return m;
  }

  static double sumAbs(double[] a) {
    double s = 0;
    for (double v : a) {
      s += Math.abs(v);
    }
    return s;
  }

  static double norm(double[] a) {
    return Math.sqrt(dot(a, a));
  }

  /** y += alpha * x. */
  static void axpy(double alpha, double[] x, double[] y) {
    for (int i = 0; i < y.length; i++) {
      y[i] += alpha * x[i];
    }
  }

  /** out = x + alpha * d. */
  static void along(double[] x, double alpha, double[] d, double[] out) {
    for (int i = 0; i < out.length; i++) {
      out[i] = x[i] + alpha * d[i];
    }
  }
}
