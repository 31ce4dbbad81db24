package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * AdamW's decoupled weight decay (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", 2019), as
 * torch.optim.AdamW applies it: {@code p *= 1 - lr * weight_decay} BEFORE the Adam update is added. It acts on
 * the parameters, not on the gradient, and reads the same mutable learning rate as {@link ScaleByLearningRate}
 * ({@link Optimizer#setLr} sets both).
 */
public record DecoupledWeightDecay(double weightDecay, double lr) implements GradientTransform {
  public DecoupledWeightDecay {
    Transforms.checkNonNegative("weight_decay", weightDecay);
    Transforms.checkNonNegative("lr", lr);
  }

  /** Only without decay: a decay term moves every coordinate on every step. */
  @Override
  public boolean sparseExact() {
    return weightDecay == 0;
  }

  @Override
  public State init(int n) {
    return new State(n, weightDecay, lr);
  }

  /** The mutable learning rate, and the factor {@code 1 - lr * wd} of the current step. */
  public static final class State implements TransformState, HasLearningRate {
    private final int n;
    private final double wd;
    private double lr;
    private double factor;

    State(int n, double wd, double lr) {
      this.n = n;
      this.wd = wd;
      setLr(lr);
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public String kind() {
      return "decoupled_weight_decay";
    }

    @Override
    public double lr() {
      return lr;
    }

    @Override
    public void setLr(double lr) {
      Transforms.checkNonNegative("lr", lr);
      this.lr = lr;
    }

    @Override
    public void prepare() {
      factor = 1 - lr * wd;
    }

    @Override
    public void apply(double[] g, double[] p, int from, int to) {
      if (factor == 1.0) {
        return; // multiplying by exactly 1 is the identity; skip the pass
      }
      final double f = factor;
      for (int i = from; i < to; i++) {
        p[i] = p[i] * f;
      }
    }

    @Override
    public void write(DataOutput out) throws IOException {
      out.writeDouble(lr);
    }

    @Override
    public void read(DataInput in) throws IOException {
      setLr(in.readDouble());
    }
  }
}
