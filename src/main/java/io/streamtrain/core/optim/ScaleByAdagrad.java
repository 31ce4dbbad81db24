package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Adagrad's scaling (Duchi, Hazan and Singer, JMLR 2011) as torch.optim.Adagrad computes it: {@code sum += g *
 * g}, update {@code g / (sqrt(sum) + eps)}. torch folds its {@code lr_decay} into the step size, {@code clr = lr
 * / (1 + (step - 1) * lr_decay)}; here the factor {@code 1 / (1 + (step - 1) * lr_decay)} is applied to the
 * update so that the learning rate itself stays a plain, schedulable scale outside the accumulator.
 */
public record ScaleByAdagrad(double lrDecay, double initialAccumulatorValue, double eps)
    implements GradientTransform {
  public ScaleByAdagrad {
    Transforms.checkNonNegative("lr_decay", lrDecay);
    Transforms.checkNonNegative("initial_accumulator_value", initialAccumulatorValue);
    Transforms.checkNonNegative("eps", eps);
  }

  /** A zero gradient adds nothing to the accumulator and gives a zero update: exact. */
  @Override
  public boolean sparseExact() {
    return true;
  }

  @Override
  public State init(int n) {
    return new State(n, this);
  }

  /** The accumulated squared gradients and the step count. */
  public static final class State implements TransformState {
    private final int n;
    private final double lrDecay;
    private final double eps;
    private double[] sum;
    private long step;
    private double decay;

    State(int n, ScaleByAdagrad cfg) {
      this.n = n;
      this.lrDecay = cfg.lrDecay;
      this.eps = cfg.eps;
      this.sum = new double[n];
      java.util.Arrays.fill(sum, cfg.initialAccumulatorValue);
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public String kind() {
      return "scale_by_adagrad";
    }

    public long step() {
      return step;
    }

    public double[] sum() {
      return sum;
    }

    @Override
    public void prepare() {
      step++;
      // torch: clr = lr / (1 + (step - 1) * lr_decay)
      decay = 1.0 / (1 + (step - 1) * lrDecay);
    }

    @Override
    public void apply(double[] g, double[] p, int from, int to) {
      final double[] s = sum;
      final double e = eps;
      if (decay == 1.0) {
        for (int i = from; i < to; i++) {
          double gi = g[i];
          double si = s[i] + gi * gi;
          s[i] = si;
          g[i] = gi / (Math.sqrt(si) + e);
        }
      } else {
        final double d = decay;
        for (int i = from; i < to; i++) {
          double gi = g[i];
          double si = s[i] + gi * gi;
          s[i] = si;
          g[i] = gi / (Math.sqrt(si) + e) * d;
        }
      }
    }

    @Override
    public void applySparse(double[] g, double[] p, int[] idx, int nnz) {
      final double[] s = sum;
      final double e = eps;
      final double d = decay;
      for (int k = 0; k < nnz; k++) {
        int i = idx[k];
        double gi = g[k];
        double si = s[i] + gi * gi;
        s[i] = si;
        g[k] = d == 1.0 ? gi / (Math.sqrt(si) + e) : gi / (Math.sqrt(si) + e) * d;
      }
    }

    @Override
    public void write(DataOutput out) throws IOException {
      out.writeLong(step);
      StateIo.writeArray(out, sum);
    }

    @Override
    public void read(DataInput in) throws IOException {
      long st = in.readLong();
      double[] s = StateIo.readRequired(in, n, "adagrad sum");
      this.step = st;
      this.sum = s;
    }
  }
}
