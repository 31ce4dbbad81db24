package io.streamtrain.core.model.layer;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.init.SplitMix64;

/**
 * Inverted dropout as torch's nn.Dropout: in training mode each unit is kept with probability 1 - rate and
 * scaled by 1/(1 - rate), in evaluation mode the identity. The mask is a counter-based hash, not a random stream:
 * unit o of row i is dropped when {@code u < rate}, with u the top 53 bits of
 * {@code mix(mix(seed + mix(step)) ^ (layer << 48 ^ i << 24 ^ o))} scaled to [0, 1) ({@link SplitMix64#mix}), so
 * a step's mask is reproducible and the same in every call within the step (gradient, loss, Hessian-vector
 * product). Being linear with the mask fixed, backward and both R passes multiply by the mask.
 */
public final class Dropout extends InPlaceLayer {
  private final int layer;
  private final double rate;
  private final long seed;
  private long step;
  private double[] mask = new double[0];

  /**
   * @param layer the index the mask hash uses (the hidden layer's 1-based position)
   * @param seed the model's seed
   */
  public Dropout(int width, int layer, double rate, long seed) {
    super(width);
    this.layer = layer;
    this.rate = rate;
    this.seed = seed;
  }

  @Override
  protected void grow(int cells) {
    mask = new double[cells];
  }

  /** The training step the next masks derive from. */
  public void setStep(long step) {
    this.step = step;
  }

  @Override
  public void forward(double[] p, double[] buffers, Batch b, double[] h, int n, boolean training) {
    if (!training) {
      System.arraycopy(h, 0, out, 0, n * w);
      return;
    }
    long dropKey = SplitMix64.mix(seed + SplitMix64.mix(step));
    double keep = 1.0 / (1.0 - rate);
    for (int i = 0; i < n; i++) {
      for (int o = 0; o < w; o++) {
        long key = ((long) layer << 48) ^ ((long) i << 24) ^ o;
        double u = (SplitMix64.mix(dropKey ^ key) >>> 11) * 0x1.0p-53;
        double m = u < rate ? 0.0 : keep;
        mask[i * w + o] = m;
        out[i * w + o] = h[i * w + o] * m;
      }
    }
  }

  @Override
  public void backward(double[] p, Batch b, double[] h, double[] d, double[] dIn, double[] grad, int n) {
    int len = n * w;
    for (int t = 0; t < len; t++) {
      d[t] = d[t] * mask[t];
    }
  }

  @Override
  public void rForward(double[] p, double[] v, Batch b, double[] h, double[] rh, int n) {
    int len = n * w;
    for (int t = 0; t < len; t++) {
      rOut[t] = rh[t] * mask[t];
    }
  }

  @Override
  public void rBackward(double[] p, double[] v, Batch b, double[] h, double[] rh, double[] d, double[] rd,
      double[] dIn, double[] rdIn, double[] hv, int n) {
    int len = n * w;
    for (int t = 0; t < len; t++) {
      double m = mask[t];
      d[t] = d[t] * m;
      rd[t] = rd[t] * m;
    }
  }
}
