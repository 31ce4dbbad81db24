package io.streamtrain.core.optim;

import io.streamtrain.core.data.Batch;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Normalized adaptive gradient descent (NAG; Ross, Mineiro and Langford, "Normalized Online Learning", UAI 2013,
 * Algorithm 2) for the linear families, whose parameters are {@code weight [K, inputDim]} row-major then
 * {@code bias [K]}. The algorithm, per example x with importance 1 (w, s, G and N start at zero):
 * <pre>
 *   t = t + 1
 *   for each input i:                      s_i = max |x_i| seen so far
 *     if |x_i| &gt; s_i:  w_i = w_i * s_i / |x_i|;  s_i = |x_i|
 *   y^ = sum_i w_i x_i                      (predict at the rescaled weights)
 *   N = N + sum_i x_i^2 / s_i^2             (0 for x_i = 0)
 *   for each input i, with g_i = dL(y^, y)/dw_i:
 *     G_i = G_i + g_i^2
 *     w_i = w_i - lr * sqrt(t / N) * g_i / (s_i * sqrt(G_i))
 * </pre>
 * (the non-adaptive NG, Algorithm 1, rescales by s_i^2 / x_i^2 and steps by t / N / s_i^2; this is the adaptive
 * form, the one whose step and rescaling leave predictions unchanged when a column is multiplied by a constant).
 * The bias is an input of constant value 1. A mini-batch of n rows with weights u_r generalizes it: the rows are
 * observed in order (rescaling and N per row, {@code t += u_r}, {@code N += u_r * sum_i x_i^2 / s_i^2}), then
 * the step uses the gradient of the batch's mean weighted loss at the rescaled weights; with n = 1 and u = 1 it is
 * the paper's algorithm exactly. The observing half ({@link State#observe}) runs before the gradient is computed
 * (the trainer calls {@link Optimizer#observeInputs}); the step half is this transform's element-wise stage.
 * A batch the trainer then skips (non-finite loss) keeps what its observation did, as input scaling keeps its
 * statistics; a loss-guard rollback restores the earlier optimizer state with the earlier weights.
 * A coordinate whose gradient is zero keeps its weight and G (sparse steps are exact). Per coordinate the state is
 * s_i (the same for the K weights of an input column; kept per weight, as the bias needs its own) and G_i.
 */
public record Nag(double lr) implements GradientTransform {
  public Nag {
    Transforms.checkPositive("lr", lr);
  }

  @Override
  public boolean sparseExact() {
    return true;
  }

  @Override
  public State init(int n) {
    return new State(n, lr);
  }

  /** Per coordinate s and G, interleaved; the global t and N; the learning rate. */
  public static final class State implements TransformState, HasLearningRate {
    private final int n;
    private double lr;
    /** s_i at [2i], G_i at [2i + 1]: a step reads both for each coordinate. Written as two arrays, s then G. */
    private double[] sg;
    private double t;
    private double normSum;
    /** lr * sqrt(t / N) for the current step ({@link #prepare}). */
    private double rate;

    State(int n, double lr) {
      this.n = n;
      this.lr = lr;
      this.sg = new double[Math.multiplyExact(2, n)];
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public String kind() {
      return "nag";
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

    /** The weighted count of observed rows (t). */
    public double observedWeight() {
      return t;
    }

    /** The accumulated normalized squared norm of the observed rows (N). */
    public double normalizedNorm() {
      return normSum;
    }

    /** The scale s_i of coordinate i (max |x| of its input seen so far; 1 for a bias once a row was seen). */
    public double scale(int i) {
      return sg[2 * i];
    }

    /**
     * The first half of a step: the rows of {@code b} in order update the scales (rescaling the weights in
     * {@code p} of a column whose scale grows), t and N. {@code p} is the linear model's parameter vector of
     * {@link #size()} = K * (inputDim + 1) entries. Allocates nothing.
     */
    public void observe(Batch b, double[] p) {
      int in = b.space().inputDim();
      int k = n / (in + 1);
      if (k * (in + 1) != n || p.length != n) {
        throw new IllegalArgumentException("nag: " + n + " parameters are not a linear model over " + in
            + " inputs (K * (inputs + 1))");
      }
      int denseDim = b.denseDim();
      double[] x = b.dense();
      int[] rp = b.rowPtr();
      int[] ci = b.colIdx();
      double[] cv = b.colVal();
      double[] u = b.weights();
      int biasOff = k * in;
      for (int r = 0, rows = b.size(); r < rows; r++) {
        double norm = 0.0;
        int xo = r * denseDim;
        for (int c = 0; c < denseDim; c++) {
          norm += see(c, x[xo + c], p, in, k);
        }
        for (int q = rp[r], end = rp[r + 1]; q < end; q++) {
          norm += see(ci[q], cv[q], p, in, k);
        }
        for (int o = 0; o < k; o++) {
          sg[2 * (biasOff + o)] = 1.0; // the bias's input is the constant 1: its scale is 1 from the first row
        }
        norm += 1.0;
        t += u[r];
        normSum += u[r] * norm;
      }
    }

    /** One input value of a row: rescale the column if its scale grows; returns x^2 / s^2 (0 for x = 0). */
    private double see(int c, double v, double[] p, int in, int k) {
      if (v == 0.0) {
        return 0.0;
      }
      double a = Math.abs(v);
      double s = sg[2 * c];
      if (a > s) {
        if (s > 0.0) {
          double f = s / a;
          for (int o = 0, i = c; o < k; o++, i += in) {
            p[i] = p[i] * f;
          }
        }
        for (int o = 0, i = c; o < k; o++, i += in) {
          sg[2 * i] = a;
        }
        s = a;
      }
      double r = v / s;
      return r * r;
    }

    @Override
    public void prepare() {
      if (normSum <= 0.0) {
        throw new IllegalStateException("nag: no inputs observed before a step (the trainer observes each batch"
            + " first, Optimizer.observeInputs)");
      }
      rate = lr * Math.sqrt(t / normSum);
    }

    @Override
    public void apply(double[] g, double[] p, int from, int to) {
      for (int i = from; i < to; i++) {
        g[i] = update(i, g[i]);
      }
    }

    @Override
    public void applySparse(double[] g, double[] p, int[] idx, int nnz) {
      for (int q = 0; q < nnz; q++) {
        g[q] = update(idx[q], g[q]);
      }
    }

    private double update(int i, double gi) {
      final double[] a = sg;
      int at = 2 * i;
      double s = a[at];
      if (gi == 0.0 || s == 0.0) {
        return 0.0; // an input never seen nonzero has no gradient of its own (only a penalty's, on a zero weight)
      }
      double gg = a[at + 1] + gi * gi;
      a[at + 1] = gg;
      return -rate * gi / (s * Math.sqrt(gg));
    }

    @Override
    public void write(DataOutput out) throws IOException {
      out.writeDouble(lr);
      out.writeDouble(t);
      out.writeDouble(normSum);
      StateIo.writeStrided(out, sg, 0, 2, n);
      StateIo.writeStrided(out, sg, 1, 2, n);
    }

    @Override
    public void read(DataInput in) throws IOException {
      double l = in.readDouble();
      double tt = in.readDouble();
      double nn = in.readDouble();
      double[] both = new double[Math.multiplyExact(2, n)];
      StateIo.readStrided(in, both, 0, 2, n, "nag s");
      StateIo.readStrided(in, both, 1, 2, n, "nag G");
      this.lr = l;
      this.t = tt;
      this.normSum = nn;
      this.sg = both;
    }
  }
}
