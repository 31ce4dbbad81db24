package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * RMSprop's scaling (Hinton, Coursera lecture 6.5; centered variant from Graves, arXiv:1308.0850) as
 * torch.optim.RMSprop computes it: {@code sq = alpha * sq + (1 - alpha) * g * g}; centered also keeps {@code
 * ga = alpha * ga + (1 - alpha) * g} and uses {@code sq - ga * ga}; update {@code g / (sqrt(...) + eps)}.
 * RMSprop's momentum is a following {@link TraceMomentum} with dampening 0, and its learning rate a following
 * {@link ScaleByLearningRate}, in torch's order.
 */
public record ScaleByRms(double alpha, double eps, boolean centered) implements GradientTransform {
  public ScaleByRms {
    Transforms.checkNonNegative("alpha", alpha);
    Transforms.checkNonNegative("eps", eps);
  }

  @Override
  public State init(int n) {
    return new State(n, this);
  }

  /** The running mean of squared gradients and, when centered, of gradients. */
  public static final class State implements TransformState {
    private final int n;
    private final double alpha;
    private final double eps;
    private final boolean centered;
    private double[] sq;
    private double[] ga;

    State(int n, ScaleByRms cfg) {
      this.n = n;
      this.alpha = cfg.alpha;
      this.eps = cfg.eps;
      this.centered = cfg.centered;
      this.sq = new double[n];
      this.ga = centered ? new double[n] : null;
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public String kind() {
      return centered ? "scale_by_rms_centered" : "scale_by_rms";
    }

    @Override
    public void prepare() {}

    @Override
    public void apply(double[] g, double[] p, int from, int to) {
      final double a = alpha;
      final double c = 1 - alpha;
      final double e = eps;
      final double[] s = sq;
      if (centered) {
        final double[] m = ga;
        for (int i = from; i < to; i++) {
          double gi = g[i];
          double si = s[i] * a + c * gi * gi;
          double mi = m[i] * a + c * gi;
          s[i] = si;
          m[i] = mi;
          g[i] = gi / (Math.sqrt(si - mi * mi) + e);
        }
      } else {
        for (int i = from; i < to; i++) {
          double gi = g[i];
          double si = s[i] * a + c * gi * gi;
          s[i] = si;
          g[i] = gi / (Math.sqrt(si) + e);
        }
      }
    }

    @Override
    public void write(DataOutput out) throws IOException {
      StateIo.writeArray(out, sq);
      StateIo.writeArray(out, ga);
    }

    @Override
    public void read(DataInput in) throws IOException {
      double[] s = StateIo.readRequired(in, n, "rmsprop square_avg");
      double[] m = StateIo.readArray(in, n, "rmsprop grad_avg");
      if ((m != null) != centered) {
        throw new IncompatibleStateException(
            "optimizer state: rmsprop grad_avg " + (centered ? "absent" : "present") + " but centered=" + centered);
      }
      this.sq = s;
      this.ga = m;
    }
  }
}
