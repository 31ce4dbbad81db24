package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * FTRL-Proximal with per-coordinate learning rates (McMahan et al., "Ad Click Prediction: a View from the
 * Trenches", KDD 2013, Algorithm 1), the standard online learner for sparse click models. Per coordinate i it keeps
 * {@code z_i} and {@code n_i}; the weight is a closed form of them,
 * <pre>
 *   w_i = 0                                                     if |z_i| &lt;= l1
 *   w_i = -(z_i - sgn(z_i) l1) / ((beta + sqrt(n_i)) / alpha + l2)   otherwise
 * </pre>
 * and a gradient g_i (here the mini-batch gradient, possibly clipped first) updates
 * {@code sigma = (sqrt(n_i + g_i^2) - sqrt(n_i)) / alpha; z_i += g_i - sigma w_i; n_i += g_i^2}. The update this
 * transform emits is {@code w_i(new) - p_i}, so the chain's {@code p += update} lands on the closed-form weight
 * (to the last bit or one rounding away). A zero gradient changes neither z nor n: sparse steps are exact.
 * {@code alpha} is the learning rate a schedule may set ({@link HasLearningRate}); a coordinate's weight follows a
 * new alpha the next time it is touched. {@code l1} gives exact zeros (sparse models); l1 and l2 act on every
 * coordinate the same way, the bias included, as in the paper.
 */
public record Ftrl(double alpha, double beta, double l1, double l2) implements GradientTransform {
  public Ftrl {
    Transforms.checkPositive("lr", alpha);
    Transforms.checkNonNegative("beta", beta);
    Transforms.checkNonNegative("l1", l1);
    Transforms.checkNonNegative("l2", l2);
  }

  @Override
  public boolean sparseExact() {
    return true;
  }

  @Override
  public State init(int n) {
    return new State(n, this);
  }

  /** The per-coordinate z and n, and alpha. */
  public static final class State implements TransformState, HasLearningRate {
    private final int n;
    private final double beta;
    private final double l1;
    private final double l2;
    private double alpha;
    /**
     * z_i at [2i] and n_i at [2i + 1]: one cache line serves both, which halves the cache misses of a sparse step
     * over a large model (its coordinates are scattered). Written as two arrays, z then n.
     */
    private double[] zn;

    State(int n, Ftrl cfg) {
      this.n = n;
      this.alpha = cfg.alpha;
      this.beta = cfg.beta;
      this.l1 = cfg.l1;
      this.l2 = cfg.l2;
      this.zn = new double[Math.multiplyExact(2, n)];
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public String kind() {
      return "ftrl_proximal";
    }

    @Override
    public double lr() {
      return alpha;
    }

    @Override
    public void setLr(double lr) {
      // 0 is allowed so a schedule may decay to it: then nothing moves.
      Transforms.checkNonNegative("lr", lr);
      this.alpha = lr;
    }


    @Override
    public void prepare() {}

    @Override
    public void apply(double[] g, double[] p, int from, int to) {
      for (int i = from; i < to; i++) {
        g[i] = update(i, g[i], p[i]);
      }
    }

    @Override
    public void applySparse(double[] g, double[] p, int[] idx, int nnz) {
      for (int k = 0; k < nnz; k++) {
        int i = idx[k];
        g[k] = update(i, g[k], p[i]);
      }
    }

    private double update(int i, double gi, double w) {
      if (gi == 0.0 || alpha == 0.0) {
        return 0.0;
      }
      final double[] s = zn;
      int at = 2 * i;
      double ni = s[at + 1];
      double rootOld = Math.sqrt(ni);
      ni += gi * gi;
      double root = Math.sqrt(ni);
      double zi = s[at] + gi - (root - rootOld) / alpha * w;
      s[at] = zi;
      s[at + 1] = ni;
      // The closed-form weight of the new z and n (sqrt(n) reused).
      if (Math.abs(zi) <= l1) {
        return -w;
      }
      // copySign(l1, z) is signum(z) * l1 exactly here (z != 0 past the test above), without signum's branches.
      return -(zi - Math.copySign(l1, zi)) / ((beta + root) / alpha + l2) - w;
    }

    @Override
    public void write(DataOutput out) throws IOException {
      out.writeDouble(alpha);
      StateIo.writeStrided(out, zn, 0, 2, n);
      StateIo.writeStrided(out, zn, 1, 2, n);
    }

    @Override
    public void read(DataInput in) throws IOException {
      double a = in.readDouble();
      double[] both = new double[Math.multiplyExact(2, n)];
      StateIo.readStrided(in, both, 0, 2, n, "ftrl z");
      StateIo.readStrided(in, both, 1, 2, n, "ftrl n");
      this.alpha = a;
      this.zn = both;
    }
  }
}
