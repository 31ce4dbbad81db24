package io.streamtrain.core.model.layer;

import io.streamtrain.core.data.Batch;

/**
 * An elementwise nonlinearity {@code h = f(y)} (a {@link Nonlinearity}; the model specs' relu, tanh, sigmoid and
 * identity). Backward {@code dy = dh f'(y)}; R-op {@code R{h} = f'(y) R{y}}, and the backward R-image
 * {@code R{dy} = R{dh} f'(y) + dh f''(y) R{y}}. No parameters; scratch is its output (n x width) and R{h}.
 */
public final class ActivationLayer implements Layer {
  private final Nonlinearity act;
  private final int w;
  private int cap;
  private double[] h = new double[0];
  private int rcap;
  private double[] rh;

  public ActivationLayer(Nonlinearity act, int width) {
    this.act = act;
    this.w = width;
  }

  @Override
  public int width() {
    return w;
  }

  @Override
  public boolean inPlace() {
    return true;
  }

  @Override
  public void ensureCapacity(int n) {
    if (n > cap) {
      cap = n;
      h = new double[Math.multiplyExact(n, w)];
    }
  }

  @Override
  public void ensureRCapacity(int n) {
    if (rh == null || n > rcap) {
      rcap = Math.max(n, cap);
      rh = new double[Math.multiplyExact(rcap, w)];
    }
  }

  @Override
  public double[] out() {
    return h;
  }

  @Override
  public double[] rOut() {
    return rh;
  }

  @Override
  public void forward(double[] p, double[] buffers, Batch b, double[] y, int n, boolean training) {
    int len = n * w;
    for (int t = 0; t < len; t++) {
      h[t] = act.apply(y[t]);
    }
  }

  @Override
  public void backward(double[] p, Batch b, double[] y, double[] d, double[] dIn, double[] grad, int n) {
    int len = n * w;
    for (int t = 0; t < len; t++) {
      d[t] = d[t] * act.d1(y[t], h[t]);
    }
  }

  @Override
  public void rForward(double[] p, double[] v, Batch b, double[] y, double[] ry, int n) {
    int len = n * w;
    for (int t = 0; t < len; t++) {
      rh[t] = act.d1(y[t], h[t]) * ry[t];
    }
  }

  @Override
  public void rBackward(double[] p, double[] v, Batch b, double[] y, double[] ry, double[] d, double[] rd,
      double[] dIn, double[] rdIn, double[] hv, int n) {
    int len = n * w;
    for (int t = 0; t < len; t++) {
      double dh = d[t];
      double rdh = rd[t];
      double f1 = act.d1(y[t], h[t]);
      double f2 = act.d2(y[t], h[t]);
      d[t] = dh * f1;
      rd[t] = rdh * f1 + dh * f2 * ry[t];
    }
  }
}
