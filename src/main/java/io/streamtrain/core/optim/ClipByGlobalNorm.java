package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.util.Arrays;

/**
 * Clipping by the global norm exactly as torch.nn.utils.clip_grad_norm_: the flat vector is split into the
 * parameter tensors given by {@code split} (sizes summing to {@code n}); the total norm is the p-norm of the
 * per-tensor p-norms for any {@code normType} p > 0 (1, 2, 3, 1.5, ...; {@code (sum |g|^p)^(1/p)}), or for
 * {@code normType = inf} the largest per-tensor max-abs; every gradient is multiplied by
 * {@code min(max_norm / (total + 1e-6), 1)}.
 *
 * <p>Non-finite total norm (a NaN or infinite gradient, or a 2-norm that overflows): torch would multiply the
 * gradients by NaN or 0. Here the gradients are left unscaled, {@link State#nonFinite()} is set and {@link
 * TransformState#finishReduction()} returns false, so that a {@link Chain} starting with this transform skips
 * the whole step (parameters and every state untouched, like torch.cuda.amp's GradScaler on inf). The pre-clip
 * total norm (possibly NaN or infinite) is always available from {@link State#totalNorm()}.
 */
public record ClipByGlobalNorm(double maxNorm, double normType, int[] split) implements GradientTransform {
  /** torch's constant in {@code max_norm / (total_norm + 1e-6)}. */
  public static final double EPS = 1e-6;

  public ClipByGlobalNorm {
    Transforms.checkPositive("max_norm", maxNorm);
    Clipping.NORM_TYPE.checkArgument("norm_type", normType);
    split = split == null ? null : split.clone();
    if (split != null) {
      for (int s : split) {
        if (s < 0) {
          throw new IllegalArgumentException("param_split: sizes must be >= 0, got " + Arrays.toString(split));
        }
      }
    }
  }

  /** The norm of a sparse gradient is the norm over its non-zero entries: exact. */
  @Override
  public boolean sparseExact() {
    return true;
  }

  /** One tensor spanning the whole vector: {@code split} is {@code [n]} at {@link #init}. */
  public ClipByGlobalNorm(double maxNorm, double normType) {
    this(maxNorm, normType, null);
  }

  @Override
  public int[] split() {
    return split == null ? null : split.clone();
  }

  @Override
  public State init(int n) {
    int[] sizes = split == null ? new int[] {n} : split;
    long total = 0;
    for (int s : sizes) {
      total += s;
    }
    if (total != n) {
      throw new IllegalArgumentException(
          "param_split: sizes " + Arrays.toString(sizes) + " sum to " + total + " but the vector has " + n);
    }
    return new State(n, maxNorm, normType, sizes);
  }

  /**
   * The pre-clip total norm torch would report for {@code g} split into tensors of the given sizes (null: one
   * tensor), without changing {@code g}. Allocates a state; meant for reporting, not for the training loop.
   */
  public static double totalNorm(double[] g, int[] split, double normType) {
    State s = new ClipByGlobalNorm(Double.MAX_VALUE, normType, split).init(g.length);
    s.prepare();
    // Same blocks as a chain pass: the partial sums, hence the last bits, depend on the blocking.
    for (int from = 0; from < g.length; from += Chain.BLOCK) {
      s.accumulate(g, from, Math.min(g.length, from + Chain.BLOCK));
    }
    s.finishReduction();
    return s.totalNorm();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClipByGlobalNorm c
        && Double.compare(c.maxNorm, maxNorm) == 0
        && Double.compare(c.normType, normType) == 0
        && Arrays.equals(c.split, split);
  }

  @Override
  public int hashCode() {
    return Double.hashCode(maxNorm) * 31 * 31 + Double.hashCode(normType) * 31 + Arrays.hashCode(split);
  }

  @Override
  public String toString() {
    return "ClipByGlobalNorm[maxNorm=" + maxNorm + ", normType=" + normType + ", split=" + Arrays.toString(split)
        + "]";
  }

  /** Per-tensor accumulators of the running step, and the outcome of the last reduction. */
  public static final class State implements TransformState {
    private final int n;
    private final double maxNorm;
    private final boolean inf;
    /** The p of the norm: 2 and inf take their own exact paths, any other p sums |g|^p. */
    private final double p;
    private final int[] ends;
    private final double[] acc;
    private int cursor;
    private double total = Double.NaN;
    private double coef = 1.0;
    private boolean nonFinite;

    State(int n, double maxNorm, double p, int[] sizes) {
      this.n = n;
      this.maxNorm = maxNorm;
      this.p = p;
      this.inf = p == Double.POSITIVE_INFINITY;
      this.ends = new int[sizes.length];
      int e = 0;
      for (int t = 0; t < sizes.length; t++) {
        e += sizes[t];
        ends[t] = e;
      }
      this.acc = new double[sizes.length];
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public String kind() {
      return inf ? "clip_by_global_norm_inf" : p == 2.0 ? "clip_by_global_norm_2" : "clip_by_global_norm_p" + p;
    }

    @Override
    public boolean isGlobal() {
      return true;
    }

    /** The pre-clip total norm of the last step (NaN before the first step). */
    public double totalNorm() {
      return total;
    }

    /** The factor the gradients were multiplied by in the last step (1 when not clipped or non-finite). */
    public double coefficient() {
      return coef;
    }

    /** True when the last step's total norm was NaN or infinite (gradients left unscaled). */
    public boolean nonFinite() {
      return nonFinite;
    }

    @Override
    public void prepare() {
      Arrays.fill(acc, 0.0);
      cursor = 0;
    }

    @Override
    public void accumulate(double[] g, int from, int to) {
      while (from < to) {
        while (ends[cursor] <= from) {
          cursor++; // ranges arrive in order; skip finished (and empty) tensors
        }
        int end = Math.min(to, ends[cursor]);
        acc[cursor] = inf ? Math.max(acc[cursor], maxAbs(g, from, end))
            : p == 2.0 ? acc[cursor] + sumSquares(g, from, end) : acc[cursor] + sumPowers(g, from, end, p);
        from = end;
      }
    }

    @Override
    public boolean finishReduction() {
      double t = 0.0;
      if (acc.length == 0) {
        t = 0.0; // torch returns 0 for no gradients
      } else if (inf) {
        // torch: norms[0] if one tensor else max(stack(norms)); NaN propagates through max.
        t = acc[0];
        for (int i = 1; i < acc.length; i++) {
          t = Math.max(t, acc[i]);
        }
      } else if (p == 2.0) {
        // torch: norm(stack([norm(g_i, 2) ...]), 2)
        double s = 0;
        for (double a : acc) {
          double ni = Math.sqrt(a);
          s += ni * ni;
        }
        t = Math.sqrt(s);
      } else {
        // torch: norm(stack([norm(g_i, p) ...]), p), norm(x, p) = (sum |x|^p)^(1/p)
        double s = 0;
        for (double a : acc) {
          s += Math.pow(Math.pow(a, 1.0 / p), p);
        }
        t = Math.pow(s, 1.0 / p);
      }
      total = t;
      nonFinite = !Double.isFinite(total);
      coef = nonFinite ? 1.0 : Math.min(maxNorm / (total + EPS), 1.0);
      return !nonFinite;
    }

    @Override
    public void apply(double[] g, double[] p, int from, int to) {
      if (coef == 1.0) {
        return; // torch multiplies by the clamped coefficient 1.0, the identity
      }
      final double c = coef;
      for (int i = from; i < to; i++) {
        g[i] = g[i] * c;
      }
    }

    @Override
    public void accumulateSparse(double[] g, int[] idx, int nnz) {
      if (ends.length == 1) {
        acc[0] = inf ? Math.max(acc[0], maxAbs(g, 0, nnz))
            : p == 2.0 ? acc[0] + sumSquares(g, 0, nnz) : acc[0] + sumPowers(g, 0, nnz, p);
        return;
      }
      for (int k = 0; k < nnz; k++) {
        int t = tensorOf(idx[k]);
        double v = g[k];
        acc[t] = inf ? Math.max(acc[t], Math.abs(v)) : p == 2.0 ? acc[t] + v * v : acc[t] + Math.pow(Math.abs(v), p);
      }
    }

    /** The tensor holding coordinate i: the first whose end is past it. */
    private int tensorOf(int i) {
      int lo = 0;
      int hi = ends.length - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (ends[mid] <= i) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }

    @Override
    public void applySparse(double[] g, double[] p, int[] idx, int nnz) {
      apply(g, p, 0, nnz);
    }

    /** Four independent partial sums: breaks the add latency chain, and is deterministic. */
    private static double sumSquares(double[] g, int from, int to) {
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      int i = from;
      for (; i + 3 < to; i += 4) {
        double a = g[i];
        double b = g[i + 1];
        double c = g[i + 2];
        double d = g[i + 3];
        s0 += a * a;
        s1 += b * b;
        s2 += c * c;
        s3 += d * d;
      }
      for (; i < to; i++) {
        s0 += g[i] * g[i];
      }
      return (s0 + s1) + (s2 + s3);
    }

    /** sum |g_i|^p (p = 1: the sum of absolute values, exactly). */
    private static double sumPowers(double[] g, int from, int to, double p) {
      double s = 0;
      if (p == 1.0) {
        for (int i = from; i < to; i++) {
          s += Math.abs(g[i]);
        }
        return s;
      }
      for (int i = from; i < to; i++) {
        s += Math.pow(Math.abs(g[i]), p);
      }
      return s;
    }

    private static double maxAbs(double[] g, int from, int to) {
      double m = 0;
      for (int i = from; i < to; i++) {
        m = Math.max(m, Math.abs(g[i]));
      }
      return m;
    }

    @Override
    public void write(DataOutput out) {}

    @Override
    public void read(DataInput in) {}
  }
}
