package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Multiplies updates by {@code -lr}, the last transform of every preset: torch's {@code param.add_(d_p,
 * alpha=-lr)}. The learning rate lives in the state ({@link HasLearningRate}) because schedules change it while
 * the run goes on; {@link #lr()} is only the initial value.
 */
public record ScaleByLearningRate(double lr) implements GradientTransform {
  public ScaleByLearningRate {
    Transforms.checkNonNegative("lr", lr);
  }

  @Override
  public boolean sparseExact() {
    return true;
  }

  @Override
  public State init(int n) {
    return new State(n, lr);
  }

  /** Mutable learning rate over {@code n} parameters. */
  public static final class State implements TransformState, HasLearningRate {
    private final int n;
    private double lr;
    private double negLr;

    State(int n, double lr) {
      this.n = n;
      setLr(lr);
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public String kind() {
      return "scale_by_learning_rate";
    }

    @Override
    public double lr() {
      return lr;
    }

    @Override
    public void setLr(double lr) {
      Transforms.checkNonNegative("lr", lr);
      this.lr = lr;
      this.negLr = -lr;
    }

    @Override
    public void prepare() {}

    @Override
    public void apply(double[] g, double[] p, int from, int to) {
      final double s = negLr;
      for (int i = from; i < to; i++) {
        g[i] = s * g[i];
      }
    }

    @Override
    public void applySparse(double[] g, double[] p, int[] idx, int nnz) {
      final double s = negLr;
      for (int k = 0; k < nnz; k++) {
        g[k] = s * g[k];
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
