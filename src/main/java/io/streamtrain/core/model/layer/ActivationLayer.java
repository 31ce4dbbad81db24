package io.streamtrain.core.model.layer;

import io.streamtrain.core.data.Batch;

/**
 * An elementwise nonlinearity {@code h = f(y)} (a {@link Nonlinearity}; the model specs' relu, tanh, sigmoid and
 * identity). Backward {@code dy = dh f'(y)}; R-op {@code R{h} = f'(y) R{y}}, and the backward R-image
 * {@code R{dy} = R{dh} f'(y) + dh f''(y) R{y}}. No parameters; scratch is its output (n x width) and R{h}.
 */
public final class ActivationLayer extends InPlaceLayer {
  private final Nonlinearity act;

  public ActivationLayer(Nonlinearity act, int width) {
    super(width);
    this.act = act;
  }

  @Override
  public void forward(double[] p, double[] buffers, Batch b, double[] y, int n, boolean training) {
    int len = n * w;
    for (int t = 0; t < len; t++) {
      out[t] = act.apply(y[t]);
    }
  }

  @Override
  public void backward(double[] p, Batch b, double[] y, double[] d, double[] dIn, double[] grad, int n) {
    int len = n * w;
    for (int t = 0; t < len; t++) {
      d[t] = d[t] * act.d1(y[t], out[t]);
    }
  }

  @Override
  public void rForward(double[] p, double[] v, Batch b, double[] y, double[] ry, int n) {
    int len = n * w;
    for (int t = 0; t < len; t++) {
      rOut[t] = act.d1(y[t], out[t]) * ry[t];
    }
  }

  @Override
  public void rBackward(double[] p, double[] v, Batch b, double[] y, double[] ry, double[] d, double[] rd,
      double[] dIn, double[] rdIn, double[] hv, int n) {
    int len = n * w;
    for (int t = 0; t < len; t++) {
      double dh = d[t];
      double rdh = rd[t];
      double f1 = act.d1(y[t], out[t]);
      double f2 = act.d2(y[t], out[t]);
      d[t] = dh * f1;
      rd[t] = rdh * f1 + dh * f2 * ry[t];
    }
  }
}
