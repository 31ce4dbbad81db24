package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;

/**
 * Clips every gradient element into {@code [-clip_value, clip_value]}, as torch.nn.utils.clip_grad_value_
 * ({@code clamp_(min=-clip_value, max=clip_value)}); a NaN element stays NaN, infinities become the bounds.
 */
public record ClipByValue(double clipValue) implements GradientTransform {
  public ClipByValue {
    Transforms.checkPositive("clip_value", clipValue);
  }

  /** Clamping zero gives zero: exact. */
  @Override
  public boolean sparseExact() {
    return true;
  }

  @Override
  public TransformState init(int n) {
    return new State(n, clipValue);
  }

  private static final class State implements TransformState {
    private final int n;
    private final double c;

    State(int n, double c) {
      this.n = n;
      this.c = c;
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public String kind() {
      return "clip_by_value";
    }

    @Override
    public void prepare() {}

    @Override
    public void apply(double[] g, double[] p, int from, int to) {
      final double hi = c;
      final double lo = -c;
      for (int i = from; i < to; i++) {
        g[i] = Math.min(Math.max(g[i], lo), hi);
      }
    }

    @Override
    public void applySparse(double[] g, double[] p, int[] idx, int nnz) {
      apply(g, p, 0, nnz);
    }

    @Override
    public void write(DataOutput out) {}

    @Override
    public void read(DataInput in) {}
  }
}
