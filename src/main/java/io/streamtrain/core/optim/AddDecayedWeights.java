package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Coupled L2 weight decay added to the gradient, {@code g + weight_decay * p}: torch's {@code weight_decay}
 * for SGD, Adagrad, RMSprop and Adam ({@code grad = grad.add(param, alpha=weight_decay)}, applied before
 * momentum or moment estimates). Stateless apart from its size.
 */
public record AddDecayedWeights(double weightDecay) implements GradientTransform {
  public AddDecayedWeights {
    Transforms.checkNonNegative("weight_decay", weightDecay);
  }

  /** Only without decay: a decay term moves every coordinate on every step. */
  @Override
  public boolean sparseExact() {
    return weightDecay == 0;
  }

  @Override
  public TransformState init(int n) {
    return new State(n, weightDecay);
  }

  private static final class State implements TransformState {
    private final int n;
    private final double wd;

    State(int n, double wd) {
      this.n = n;
      this.wd = wd;
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public String kind() {
      return "add_decayed_weights";
    }

    @Override
    public void prepare() {}

    @Override
    public void apply(double[] g, double[] p, int from, int to) {
      // torch skips the term when weight_decay == 0 (so a non-finite parameter does not leak into the grad).
      if (wd == 0) {
        return;
      }
      final double w = wd;
      for (int i = from; i < to; i++) {
        g[i] = g[i] + w * p[i];
      }
    }

    @Override
    public void applySparse(double[] g, double[] p, int[] idx, int nnz) {
      if (wd != 0) {
        throw new UnsupportedOperationException("weight_decay " + wd + " has no exact sparse form");
      }
    }

    @Override
    public void write(DataOutput out) {}

    @Override
    public void read(DataInput in) {}
  }
}
