package io.streamtrain.core.model.layer;

/**
 * The dense inner loops the layers (and the sparse linear kernel) share. Each keeps a fixed summation order, so
 * results are bit-identical run to run and machine to machine (Java double arithmetic is strict); the blocking
 * into four independent chains is for speed only and is part of that order.
 */
public final class Kernels {
  private Kernels() {}

  /**
   * t[o] = sum_{j &lt; d} w[wo + o * stride + j] x[xo + j] for o &lt; rows. Four weight rows at a time: each x_j is
   * loaded once for four multiply-adds and the four sums are independent chains (not bound by the add latency).
   */
  public static void matVec(double[] w, int wo, int stride, int rows, double[] x, int xo, int d, double[] t) {
    int o = 0;
    for (; o + 3 < rows; o += 4) {
      int r0 = wo + o * stride;
      int r1 = r0 + stride;
      int r2 = r1 + stride;
      int r3 = r2 + stride;
      double s0 = 0.0;
      double s1 = 0.0;
      double s2 = 0.0;
      double s3 = 0.0;
      for (int j = 0; j < d; j++) {
        double xj = x[xo + j];
        s0 += w[r0 + j] * xj;
        s1 += w[r1 + j] * xj;
        s2 += w[r2 + j] * xj;
        s3 += w[r3 + j] * xj;
      }
      t[o] = s0;
      t[o + 1] = s1;
      t[o + 2] = s2;
      t[o + 3] = s3;
    }
    for (; o < rows; o++) {
      t[o] = dot(w, wo + o * stride, x, xo, d);
    }
  }

  /**
   * sum_j a[ao + j] b[bo + j] with four independent partial sums: a single running sum is bound by the latency
   * of the floating-point add; four chains keep the multiplier busy.
   */
  public static double dot(double[] a, int ao, double[] b, int bo, int n) {
    double s0 = 0.0;
    double s1 = 0.0;
    double s2 = 0.0;
    double s3 = 0.0;
    int j = 0;
    for (; j + 3 < n; j += 4) {
      s0 += a[ao + j] * b[bo + j];
      s1 += a[ao + j + 1] * b[bo + j + 1];
      s2 += a[ao + j + 2] * b[bo + j + 2];
      s3 += a[ao + j + 3] * b[bo + j + 3];
    }
    for (; j < n; j++) {
      s0 += a[ao + j] * b[bo + j];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
