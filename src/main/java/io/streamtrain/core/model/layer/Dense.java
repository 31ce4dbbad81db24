package io.streamtrain.core.model.layer;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.init.InitSpec;
import io.streamtrain.core.init.SplitMix64;
import java.util.Arrays;

/**
 * A linear layer {@code out = in W^T + b} (torch nn.Linear: W [rows, cols] row-major, b [rows]). The first layer
 * of a model reads the batch directly, its dense block and its CSR part (sparse and hashed columns), so no
 * {@code n x inputWidth} matrix is ever formed: a hashed model's input width is 2^bits. Its scratch is its own
 * output (n x rows) and one row of partial sums.
 *
 * <p>The weights carry the model's penalties ({@link #addPenalty}): biases are not penalized, as torch's
 * {@code weight_decay} on weight groups only. R-op: {@code R{out} = in V^T + vb + R{in} W^T}; backward R-image
 * {@code R{dW} = R{d}^T in + d^T R{in}}, {@code R{db} = sum R{d}}, {@code R{din} = R{d} W + d V}.
 */
public final class Dense implements Layer {
  private final int rows;
  private final int cols;
  private final int wOff;
  private final int bOff;
  private final boolean first;
  private final int denseDim;
  private final double[] t;
  private int cap;
  private double[] z = new double[0];
  private int rcap;
  private double[] rz;
  /** The first layer's dense input when the model standardizes it (null: the batch's own block). */
  private double[] denseInput;

  /**
   * @param first whether this layer reads the batch (then {@code cols} is the input width and {@code denseDim}
   *     the width of the batch's dense block); otherwise it reads the previous layer's output
   */
  public Dense(int rows, int cols, int wOff, int bOff, boolean first, int denseDim) {
    this.rows = rows;
    this.cols = cols;
    this.wOff = wOff;
    this.bOff = bOff;
    this.first = first;
    this.denseDim = first ? denseDim : cols;
    this.t = new double[rows];
  }

  /** The first layer reads its dense columns from {@code x} (row-major, denseDim per row) until changed. */
  public void useDenseInput(double[] x) {
    denseInput = x;
  }

  private double[] dense(Batch b) {
    return denseInput != null ? denseInput : b.dense();
  }

  @Override
  public int width() {
    return rows;
  }

  @Override
  public boolean inPlace() {
    return false;
  }

  /** Weights (row-major, fan-in cols, fan-out rows), then the bias, from one random stream. */
  public void init(double[] p, InitSpec init, SplitMix64 rng) {
    init.weights().fill(p, wOff, rows, cols, cols, rows, rng);
    init.bias().fill(p, bOff, rows, 1, cols, rows, rng);
  }

  @Override
  public void ensureCapacity(int n) {
    if (n > cap) {
      cap = n;
      z = new double[Math.multiplyExact(n, rows)];
    }
  }

  @Override
  public void ensureRCapacity(int n) {
    if (rz == null || n > rcap) {
      rcap = Math.max(n, cap);
      rz = new double[Math.multiplyExact(rcap, rows)];
    }
  }

  @Override
  public double[] out() {
    return z;
  }

  @Override
  public double[] rOut() {
    return rz;
  }

  @Override
  public void forward(double[] p, double[] buffers, Batch b, double[] in, int n, boolean training) {
    linear(p, b, in, z, n, true, false);
  }

  @Override
  public void backward(double[] p, Batch b, double[] in, double[] d, double[] dIn, double[] grad, int n) {
    if (grad != null) {
      accumulateWeightGrad(b, in, d, grad, n);
    }
    if (!first && dIn != null) {
      backpropInput(p, d, dIn, n, false);
    }
  }

  @Override
  public void rForward(double[] p, double[] v, Batch b, double[] in, double[] rIn, int n) {
    linear(v, b, in, rz, n, true, false);
    if (!first) {
      linear(p, b, rIn, rz, n, false, true);
    }
  }

  @Override
  public void rBackward(double[] p, double[] v, Batch b, double[] in, double[] rIn, double[] d, double[] rd,
      double[] dIn, double[] rdIn, double[] hv, int n) {
    accumulateWeightGrad(b, in, rd, hv, n);
    if (!first) {
      accumulateWeightOnly(rIn, d, hv, n);
      backpropInput(p, d, dIn, n, false);
      backpropInput(p, rd, rdIn, n, false);
      backpropInput(v, d, rdIn, n, true);
    }
  }

  /**
   * Adds this layer's weights to the running sums {@code sums[0] += sum|w|}, {@code sums[1] += sum w^2} (one
   * running sum over all layers, in layer order), and {@code l1 sign(w) + l2 w} into {@code grad} when not null.
   */
  public void addPenalty(double[] p, double[] grad, double l1, double l2, double[] sums) {
    double sAbs = sums[0];
    double sSq = sums[1];
    int end = wOff + rows * cols;
    for (int k = wOff; k < end; k++) {
      double w = p[k];
      sAbs += Math.abs(w);
      sSq += w * w;
      if (grad != null) {
        grad[k] += l1 * Math.signum(w) + l2 * w;
      }
    }
    sums[0] = sAbs;
    sums[1] = sSq;
  }

  /** The penalty's Hessian times v: l2 v on the weights (L1's second derivative is 0 away from 0). */
  public void addPenaltyR(double[] v, double[] hv, double l2) {
    int end = wOff + rows * cols;
    for (int k = wOff; k < end; k++) {
      hv[k] += l2 * v[k];
    }
  }

  /**
   * out[i] += ||g_i||^2 (||in_i||^2 + 1): the squared norm of row i's own weight and bias gradient, the outer
   * product g_i in_i^T and g_i (Goodfellow, "Efficient per-example gradient computations", 2015).
   */
  public void addPerSampleSquaredNorms(Batch b, double[] in, double[] g, double[] out, int n) {
    for (int i = 0; i < n; i++) {
      double gg = 0.0;
      for (int o = 0; o < rows; o++) {
        double v = g[i * rows + o];
        gg += v * v;
      }
      double aa = 0.0;
      if (first) {
        double[] x = dense(b);
        for (int j = 0; j < denseDim; j++) {
          double v = x[i * denseDim + j];
          aa += v * v;
        }
        for (int q = b.rowPtr()[i]; q < b.rowPtr()[i + 1]; q++) {
          double v = b.colVal()[q];
          aa += v * v;
        }
      } else {
        for (int j = 0; j < cols; j++) {
          double v = in[i * cols + j];
          aa += v * v;
        }
      }
      out[i] += gg * (aa + 1.0);
    }
  }

  /**
   * out[i][o] (+)= sum_j W[o][j] in[i][j] (+ bias[o]) with W and bias read from {@code w} (params or a
   * direction): the dense columns first, then the CSR entries, then the bias.
   */
  private void linear(double[] w, Batch b, double[] in, double[] out, int n, boolean bias, boolean acc) {
    double[] x = first ? dense(b) : in;
    int d = denseDim;
    int[] rp = b.rowPtr();
    int[] ci = b.colIdx();
    double[] cv = b.colVal();
    for (int i = 0; i < n; i++) {
      Kernels.matVec(w, wOff, cols, rows, x, i * d, d, t);
      if (first) {
        // The CSR part of the input: a few columns per row, gathered from each weight row.
        for (int q = rp[i]; q < rp[i + 1]; q++) {
          int c = ci[q];
          double v = cv[q];
          for (int o = 0; o < rows; o++) {
            t[o] += w[wOff + o * cols + c] * v;
          }
        }
      }
      int oo = i * rows;
      for (int o = 0; o < rows; o++) {
        double s = bias ? w[bOff + o] + t[o] : t[o];
        if (acc) {
          out[oo + o] += s;
        } else {
          out[oo + o] = s;
        }
      }
    }
  }

  /** grad[W] += g^T in, grad[b] += sum_i g_i. */
  private void accumulateWeightGrad(Batch b, double[] in, double[] g, double[] grad, int n) {
    double[] x = first ? dense(b) : in;
    int d = denseDim;
    // Dense columns: four samples per pass over a weight-gradient row, so the row is loaded and stored once per
    // four multiply-adds.
    for (int o = 0; o < rows; o++) {
      int ro = wOff + o * cols;
      int i = 0;
      for (; i + 3 < n; i += 4) {
        double g0 = g[i * rows + o];
        double g1 = g[(i + 1) * rows + o];
        double g2 = g[(i + 2) * rows + o];
        double g3 = g[(i + 3) * rows + o];
        int x0 = i * d;
        int x1 = x0 + d;
        int x2 = x1 + d;
        int x3 = x2 + d;
        for (int j = 0; j < d; j++) {
          grad[ro + j] += g0 * x[x0 + j] + g1 * x[x1 + j] + g2 * x[x2 + j] + g3 * x[x3 + j];
        }
      }
      for (; i < n; i++) {
        double gi = g[i * rows + o];
        int xo = i * d;
        for (int j = 0; j < d; j++) {
          grad[ro + j] += gi * x[xo + j];
        }
      }
    }
    int[] rp = b.rowPtr();
    int[] ci = b.colIdx();
    double[] cv = b.colVal();
    for (int i = 0; i < n; i++) {
      for (int o = 0; o < rows; o++) {
        double gi = g[i * rows + o];
        grad[bOff + o] += gi;
        if (first) {
          int ro = wOff + o * cols;
          for (int q = rp[i]; q < rp[i + 1]; q++) {
            grad[ro + ci[q]] += gi * cv[q];
          }
        }
      }
    }
  }

  /** grad[W] += g^T in (no bias term): the d^T R{in} part of R{dW}. */
  private void accumulateWeightOnly(double[] in, double[] g, double[] out, int n) {
    for (int i = 0; i < n; i++) {
      int xo = i * cols;
      for (int o = 0; o < rows; o++) {
        double gi = g[i * rows + o];
        if (gi == 0.0) {
          continue;
        }
        int ro = wOff + o * cols;
        for (int j = 0; j < cols; j++) {
          out[ro + j] += gi * in[xo + j];
        }
      }
    }
  }

  /** da[i][j] (+)= sum_o g[i][o] W[o][j]: the gradient with respect to the layer's input. */
  private void backpropInput(double[] w, double[] g, double[] da, int n, boolean acc) {
    if (!acc) {
      Arrays.fill(da, 0, n * cols, 0.0);
    }
    for (int i = 0; i < n; i++) {
      int xo = i * cols;
      int go = i * rows;
      int o = 0;
      // Four weight rows per pass over the input-gradient row (one load and store of it per four multiply-adds).
      for (; o + 3 < rows; o += 4) {
        double g0 = g[go + o];
        double g1 = g[go + o + 1];
        double g2 = g[go + o + 2];
        double g3 = g[go + o + 3];
        int r0 = wOff + o * cols;
        int r1 = r0 + cols;
        int r2 = r1 + cols;
        int r3 = r2 + cols;
        for (int j = 0; j < cols; j++) {
          da[xo + j] += g0 * w[r0 + j] + g1 * w[r1 + j] + g2 * w[r2 + j] + g3 * w[r3 + j];
        }
      }
      for (; o < rows; o++) {
        double gi = g[go + o];
        int ro = wOff + o * cols;
        for (int j = 0; j < cols; j++) {
          da[xo + j] += gi * w[ro + j];
        }
      }
    }
  }
}
