package io.streamtrain.core.model;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.init.SplitMix64;
import io.streamtrain.core.loss.LogisticLoss;
import io.streamtrain.core.loss.RegressionLoss;
import io.streamtrain.core.loss.SoftmaxLoss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one implementation behind every {@link ModelSpec}: a stack of dense layers whose first layer reads the
 * batch's dense block and CSR part directly, hidden layers with optional BatchNorm1d, activation and dropout, and a
 * linear, logistic or softmax head. Linear, logistic and softmax regression are the one-layer case (only the
 * parameter names differ, see {@link ModelSpec}).
 *
 * <p>Gradients are plain reverse mode. Hessian-vector products are exact: Pearlmutter's R-operator ("Fast exact
 * multiplication by the Hessian", Neural Computation 1994), i.e. a forward pass of directional derivatives
 * R{.} = d/dr (.)(params + r v) at r = 0 followed by the R-image of the backward pass, with batch norm's
 * statistics differentiated too. Batch norm follows torch BatchNorm1d (Ioffe and Szegedy 2015): biased batch
 * variance to normalize, unbiased variance into the running estimate, momentum 0.1, eps 1e-5; with a single row
 * the running variance is left unchanged (torch refuses such batches in training mode). Dropout (inverted, as
 * torch: kept units scaled by 1/(1-p)) draws its mask from a counter-based hash, see {@link #setDropoutStep}.
 *
 * <p>Scratch memory is per instance and grows with the largest batch; steady-state calls allocate nothing. Not
 * thread-safe.
 */
final class LegacyDenseNetwork implements Model {
  static final double BN_EPS = 1e-5;
  static final double BN_MOMENTUM = 0.1;

  private final ModelSpec spec;
  private final FeatureSpace space;
  private final int nLayers;
  private final int[] width;
  private final int inDim;
  private final int denseDim;
  private final int outDim;
  private final Head head;
  private final RegressionLoss regLoss;
  private final double delta;
  private final Activation act;
  private final boolean[] bn;
  private final double dropout;
  private final double l1;
  private final double l2;
  private final int[] wOff;
  private final int[] bOff;
  private final int[] gOff;
  private final int[] beOff;
  private final int[] rmOff;
  private final int[] rvOff;
  private final ParamLayout layout;
  private final ParamLayout bufferLayout;
  /** [from, to) ranges of penalized parameters (the weight matrices). */
  private final int[] penaltyRanges;
  private final int maxWidth;

  private long dropoutStep;

  // ---- scratch, index by layer 1..L (index 0 unused); sized cap * width[k]
  private int cap;
  private final double[][] z;
  private final double[][] y;
  private final double[][] h;
  private final double[][] a;
  private final double[][] xhat;
  private final double[][] mask;
  private final double[][] mu;
  private final double[][] sInv;
  private double[] gCur;
  private double[] gNext;
  private double[] probs;
  private double[] rowScale;
  private double[] rowTmp;
  // R-operator scratch, allocated on the first Hessian-vector product
  private int rcap;
  private double[][] rz;
  private double[][] ry;
  private double[][] ra;
  private double[][] rxhat;
  private double[][] rmu;
  private double[][] rs;
  private double[] rgCur;
  private double[] rgNext;
  private Batch single;

  LegacyDenseNetwork(ModelSpec spec, int initialCapacity) {
    this.spec = spec;
    this.space = spec.features();
    this.width = spec.layers();
    this.nLayers = width.length - 1;
    this.inDim = width[0];
    this.denseDim = space.denseDim();
    this.outDim = width[nLayers];
    this.head = spec.head();
    this.regLoss = spec.loss();
    this.delta = spec.delta();
    this.act = spec.activation();
    this.dropout = spec.dropout();
    this.l1 = spec.l1();
    this.l2 = spec.l2();
    if (inDim != space.inputDim()) {
      throw new IllegalArgumentException("layers[0] " + inDim + " != input width " + space.inputDim());
    }
    bn = new boolean[nLayers + 1];
    for (int k = 1; k < nLayers; k++) {
      bn[k] = spec.batchNorm();
    }
    wOff = new int[nLayers + 1];
    bOff = new int[nLayers + 1];
    gOff = new int[nLayers + 1];
    beOff = new int[nLayers + 1];
    rmOff = new int[nLayers + 1];
    rvOff = new int[nLayers + 1];
    ParamLayout.Builder pb = new ParamLayout.Builder();
    ParamLayout.Builder bb = new ParamLayout.Builder();
    int off = 0;
    int boff = 0;
    List<Integer> pen = new ArrayList<>();
    boolean mlp = spec.type() == ModelSpec.ModelType.MLP;
    int mw = 0;
    for (int k = 1; k <= nLayers; k++) {
      int rows = width[k];
      int cols = width[k - 1];
      // Scratch holds layer outputs and the gradients of hidden activations; never the input width, which for a
      // hashed model is 2^bits (a batch x input-width buffer would take gigabytes and is never used).
      mw = Math.max(mw, k > 1 ? Math.max(rows, cols) : rows);
      wOff[k] = off;
      if (mlp) {
        pb.add("W" + k, ParamGroup.Role.WEIGHT, k, rows, cols);
      } else if (head == Head.SOFTMAX) {
        pb.add("weight", ParamGroup.Role.WEIGHT, k, rows, cols);
      } else {
        pb.add("weight", ParamGroup.Role.WEIGHT, k, cols);
      }
      pen.add(off);
      off += Math.multiplyExact(rows, cols);
      pen.add(off);
      bOff[k] = off;
      if (mlp) {
        pb.add("b" + k, ParamGroup.Role.BIAS, k, rows);
      } else if (head == Head.SOFTMAX) {
        pb.add("bias", ParamGroup.Role.BIAS, k, rows);
      } else {
        pb.add("bias", ParamGroup.Role.BIAS, k);
      }
      off += rows;
      gOff[k] = -1;
      beOff[k] = -1;
      if (bn[k]) {
        gOff[k] = off;
        pb.add("gamma" + k, ParamGroup.Role.BN_SCALE, k, rows);
        off += rows;
        beOff[k] = off;
        pb.add("beta" + k, ParamGroup.Role.BN_SHIFT, k, rows);
        off += rows;
        rmOff[k] = boff;
        bb.add("running_mean" + k, ParamGroup.Role.RUNNING_MEAN, k, rows);
        boff += rows;
        rvOff[k] = boff;
        bb.add("running_var" + k, ParamGroup.Role.RUNNING_VAR, k, rows);
        boff += rows;
      }
    }
    maxWidth = mw;
    layout = pb.build();
    bufferLayout = boff == 0 ? ParamLayout.EMPTY : bb.build();
    penaltyRanges = pen.stream().mapToInt(Integer::intValue).toArray();
    z = new double[nLayers + 1][];
    y = new double[nLayers + 1][];
    h = new double[nLayers + 1][];
    a = new double[nLayers + 1][];
    xhat = new double[nLayers + 1][];
    mask = new double[nLayers + 1][];
    mu = new double[nLayers + 1][];
    sInv = new double[nLayers + 1][];
    for (int k = 1; k < nLayers; k++) {
      if (bn[k]) {
        mu[k] = new double[width[k]];
        sInv[k] = new double[width[k]];
      }
    }
    ensureCapacity(Math.max(1, initialCapacity));
  }

  private void ensureCapacity(int n) {
    if (n <= cap) {
      return;
    }
    cap = n;
    for (int k = 1; k <= nLayers; k++) {
      int len = Math.multiplyExact(n, width[k]);
      z[k] = new double[len];
      if (k < nLayers) {
        h[k] = new double[len];
        y[k] = bn[k] ? new double[len] : z[k];
        xhat[k] = bn[k] ? new double[len] : null;
        mask[k] = dropout > 0 ? new double[len] : null;
        a[k] = dropout > 0 ? new double[len] : h[k];
      }
    }
    gCur = new double[Math.multiplyExact(n, maxWidth)];
    gNext = new double[Math.multiplyExact(n, maxWidth)];
    probs = new double[Math.multiplyExact(n, outDim)];
    rowScale = new double[n];
    rowTmp = new double[maxWidth];
  }

  private void ensureRCapacity(int n) {
    ensureCapacity(n);
    if (n <= rcap && rz != null) {
      return;
    }
    rcap = cap;
    rz = new double[nLayers + 1][];
    ry = new double[nLayers + 1][];
    ra = new double[nLayers + 1][];
    rxhat = new double[nLayers + 1][];
    rmu = new double[nLayers + 1][];
    rs = new double[nLayers + 1][];
    for (int k = 1; k <= nLayers; k++) {
      int len = rcap * width[k];
      rz[k] = new double[len];
      if (k < nLayers) {
        ry[k] = bn[k] ? new double[len] : rz[k];
        ra[k] = new double[len];
        if (bn[k]) {
          rxhat[k] = new double[len];
          rmu[k] = new double[width[k]];
          rs[k] = new double[width[k]];
        }
      }
    }
    rgCur = new double[rcap * maxWidth];
    rgNext = new double[rcap * maxWidth];
  }

  // ------------------------------------------------------------------ Model: description and state

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public FeatureSpace featureSpace() {
    return space;
  }

  @Override
  public ParamLayout layout() {
    return layout;
  }

  @Override
  public ParamLayout bufferLayout() {
    return bufferLayout;
  }

  @Override
  public int outputDim() {
    return outDim;
  }

  /**
   * One {@link SplitMix64} stream seeded with {@code seed} fills, layer by layer in layout order, the weight
   * (row-major) and then the bias; batch-norm scale 1 and shift 0 draw nothing.
   */
  @Override
  public void init(double[] params, long seed) {
    checkLength("params", params, layout.size());
    SplitMix64 rng = new SplitMix64(seed);
    for (int k = 1; k <= nLayers; k++) {
      int rows = width[k];
      int cols = width[k - 1];
      spec.init().weights().fill(params, wOff[k], rows, cols, cols, rows, rng);
      spec.init().bias().fill(params, bOff[k], rows, 1, cols, rows, rng);
      if (bn[k]) {
        Arrays.fill(params, gOff[k], gOff[k] + rows, 1.0);
        Arrays.fill(params, beOff[k], beOff[k] + rows, 0.0);
      }
    }
  }

  @Override
  public void initBuffers(double[] buffers) {
    checkLength("buffers", buffers, bufferLayout.size());
    for (int k = 1; k < nLayers; k++) {
      if (bn[k]) {
        Arrays.fill(buffers, rmOff[k], rmOff[k] + width[k], 0.0);
        Arrays.fill(buffers, rvOff[k], rvOff[k] + width[k], 1.0);
      }
    }
  }

  /**
   * Unit o of layer k in row i is dropped when {@code u < p}, with u the top 53 bits of
   * {@code mix(mix(seed + mix(step)) ^ (k << 48 ^ i << 24 ^ o))} scaled to [0, 1) ({@link SplitMix64#mix}).
   */
  @Override
  public void setDropoutStep(long step) {
    this.dropoutStep = step;
  }

  private static void checkLength(String what, double[] arr, int n) {
    if (arr.length < n) {
      throw new IllegalArgumentException(what + " has length " + arr.length + ", the model needs " + n);
    }
  }

  // ------------------------------------------------------------------ forward

  /**
   * Forward pass over the batch's n rows. Training mode uses batch statistics and dropout; evaluation mode uses
   * the running statistics in {@code buffers} and no dropout. Leaves the logits in z[L].
   */
  private void forward(double[] p, double[] buffers, Batch b, boolean training) {
    int n = b.size();
    ensureCapacity(n);
    long dropKey = SplitMix64.mix(spec.seed() + SplitMix64.mix(dropoutStep));
    for (int k = 1; k <= nLayers; k++) {
      double[] out = z[k];
      linear(p, k, b, k == 1 ? null : a[k - 1], out, n, true, false);
      if (k == nLayers) {
        break;
      }
      int wk = width[k];
      double[] pre = out;
      if (bn[k]) {
        pre = y[k];
        if (training) {
          batchNormTrain(p, k, n);
        } else {
          int go = gOff[k];
          int bo = beOff[k];
          for (int o = 0; o < wk; o++) {
            double m = buffers[rmOff[k] + o];
            double s = 1.0 / Math.sqrt(buffers[rvOff[k] + o] + BN_EPS);
            double gm = p[go + o];
            double bt = p[bo + o];
            for (int i = 0; i < n; i++) {
              pre[i * wk + o] = gm * (out[i * wk + o] - m) * s + bt;
            }
          }
        }
      }
      double[] hk = h[k];
      int len = n * wk;
      for (int t = 0; t < len; t++) {
        hk[t] = act.apply(pre[t]);
      }
      if (dropout > 0) {
        double[] ak = a[k];
        double[] mk = mask[k];
        if (training) {
          double keep = 1.0 / (1.0 - dropout);
          for (int i = 0; i < n; i++) {
            for (int o = 0; o < wk; o++) {
              long key = ((long) k << 48) ^ ((long) i << 24) ^ o;
              double u = (SplitMix64.mix(dropKey ^ key) >>> 11) * 0x1.0p-53;
              double m = u < dropout ? 0.0 : keep;
              mk[i * wk + o] = m;
              ak[i * wk + o] = hk[i * wk + o] * m;
            }
          }
        } else {
          System.arraycopy(hk, 0, ak, 0, len);
          Arrays.fill(mk, 0, len, 1.0);
        }
      }
    }
  }

  /** Batch statistics: mu, 1/sqrt(var + eps) per unit; xhat and y = gamma xhat + beta per row. */
  private void batchNormTrain(double[] p, int k, int n) {
    int wk = width[k];
    double[] zk = z[k];
    double[] xk = xhat[k];
    double[] yk = y[k];
    double[] m = mu[k];
    double[] s = sInv[k];
    for (int o = 0; o < wk; o++) {
      double sum = 0.0;
      for (int i = 0; i < n; i++) {
        sum += zk[i * wk + o];
      }
      double mean = sum / n;
      double ss = 0.0;
      for (int i = 0; i < n; i++) {
        double d = zk[i * wk + o] - mean;
        ss += d * d;
      }
      double var = ss / n;
      double si = 1.0 / Math.sqrt(var + BN_EPS);
      m[o] = mean;
      s[o] = si;
      double gm = p[gOff[k] + o];
      double bt = p[beOff[k] + o];
      for (int i = 0; i < n; i++) {
        double xh = (zk[i * wk + o] - mean) * si;
        xk[i * wk + o] = xh;
        yk[i * wk + o] = gm * xh + bt;
      }
    }
  }

  /**
   * out[i][o] (+)= sum_j W[o][j] in[i][j] (+ bias[o]) with W and bias read from {@code w} (params or a
   * direction). Layer 1 reads the batch's dense block and CSR part.
   */
  private void linear(double[] w, int k, Batch b, double[] in, double[] out, int n, boolean bias, boolean acc) {
    int rows = width[k];
    int cols = width[k - 1];
    int wo = wOff[k];
    int bo = bOff[k];
    double[] t = rowTmp;
    double[] x = k == 1 ? b.dense() : in;
    int d = k == 1 ? denseDim : cols;
    int[] rp = b.rowPtr();
    int[] ci = b.colIdx();
    double[] cv = b.colVal();
    for (int i = 0; i < n; i++) {
      matVec(w, wo, cols, rows, x, i * d, d, t);
      if (k == 1) {
        // The CSR part of the input: a few columns per row, gathered from each weight row.
        for (int q = rp[i]; q < rp[i + 1]; q++) {
          int c = ci[q];
          double v = cv[q];
          for (int o = 0; o < rows; o++) {
            t[o] += w[wo + o * cols + c] * v;
          }
        }
      }
      int oo = i * rows;
      for (int o = 0; o < rows; o++) {
        double s = bias ? w[bo + o] + t[o] : t[o];
        if (acc) {
          out[oo + o] += s;
        } else {
          out[oo + o] = s;
        }
      }
    }
  }

  /**
   * t[o] = sum_{j &lt; d} w[wo + o * stride + j] x[xo + j] for o &lt; rows. Four weight rows at a time: each x_j is
   * loaded once for four multiply-adds and the four sums are independent chains (not bound by the add latency).
   * Fixed summation order, so results are bit-identical run to run.
   */
  static void matVec(double[] w, int wo, int stride, int rows, double[] x, int xo, int d, double[] t) {
    int o = 0;
    for (; o + 3 < rows; o += 4) {
      int r0 = wo + o * stride;
      int r1 = r0 + stride;
      int r2 = r1 + stride;
      int r3 = r2 + stride;
      double s0 = 0.0;
      double s1 = 0.0;
      double s2 = 0.0;
      double s3 = 0.0;
      for (int j = 0; j < d; j++) {
        double xj = x[xo + j];
        s0 += w[r0 + j] * xj;
        s1 += w[r1 + j] * xj;
        s2 += w[r2 + j] * xj;
        s3 += w[r3 + j] * xj;
      }
      t[o] = s0;
      t[o + 1] = s1;
      t[o + 2] = s2;
      t[o + 3] = s3;
    }
    for (; o < rows; o++) {
      t[o] = dot(w, wo + o * stride, x, xo, d);
    }
  }

  /**
   * sum_j a[ao + j] b[bo + j] with four independent partial sums: a single running sum is bound by the latency
   * of the floating-point add; four chains keep the multiplier busy. The summation order is fixed, so results
   * stay bit-identical run to run and machine to machine (Java double arithmetic is strict).
   */
  static double dot(double[] a, int ao, double[] b, int bo, int n) {
    double s0 = 0.0;
    double s1 = 0.0;
    double s2 = 0.0;
    double s3 = 0.0;
    int j = 0;
    for (; j + 3 < n; j += 4) {
      s0 += a[ao + j] * b[bo + j];
      s1 += a[ao + j + 1] * b[bo + j + 1];
      s2 += a[ao + j + 2] * b[bo + j + 2];
      s3 += a[ao + j + 3] * b[bo + j + 3];
    }
    for (; j < n; j++) {
      s0 += a[ao + j] * b[bo + j];
    }
    return (s0 + s1) + (s2 + s3);
  }

  // ------------------------------------------------------------------ head

  /**
   * Per-sample losses of the logits in z[L]; returns sum_i scale_i l_i and, when {@code g != null}, writes
   * g[i][c] = scale_i dl_i/dz_ic.
   */
  private double headLossAndGrad(Batch b, int n, double[] scale, double[] g) {
    double[] zl = z[nLayers];
    double[] lab = b.labels();
    double total = 0.0;
    switch (head) {
      case LOGISTIC:
        for (int i = 0; i < n; i++) {
          double zi = zl[i];
          double yi = lab[i];
          total += scale[i] * LogisticLoss.value(zi, yi);
          if (g != null) {
            g[i] = scale[i] * (LogisticLoss.sigmoid(zi) - yi);
          }
        }
        break;
      case SOFTMAX:
        for (int i = 0; i < n; i++) {
          int c = (int) lab[i];
          double l = SoftmaxLoss.probabilitiesAndLoss(zl, i * outDim, outDim, c, probs, i * outDim);
          total += scale[i] * l;
          if (g != null) {
            for (int t = 0; t < outDim; t++) {
              g[i * outDim + t] = scale[i] * probs[i * outDim + t];
            }
            g[i * outDim + c] -= scale[i];
          }
        }
        break;
      default:
        for (int i = 0; i < n; i++) {
          total += scale[i] * regLoss.value(zl[i], lab[i], delta);
          if (g != null) {
            g[i] = scale[i] * regLoss.d1(zl[i], lab[i], delta);
          }
        }
        break;
    }
    return total;
  }

  /** rg[i] = scale_i * (d2 l_i / dz^2) rz[i] (softmax: p*u - p (p.u)); needs probs from headLossAndGrad. */
  private void headR(Batch b, int n, double[] scale, double[] rzl, double[] rg) {
    double[] zl = z[nLayers];
    double[] lab = b.labels();
    switch (head) {
      case LOGISTIC:
        for (int i = 0; i < n; i++) {
          double s = LogisticLoss.sigmoid(zl[i]);
          rg[i] = scale[i] * s * (1.0 - s) * rzl[i];
        }
        break;
      case SOFTMAX:
        for (int i = 0; i < n; i++) {
          int o = i * outDim;
          double dot = 0.0;
          for (int t = 0; t < outDim; t++) {
            dot += probs[o + t] * rzl[o + t];
          }
          for (int t = 0; t < outDim; t++) {
            rg[o + t] = scale[i] * probs[o + t] * (rzl[o + t] - dot);
          }
        }
        break;
      default:
        for (int i = 0; i < n; i++) {
          rg[i] = scale[i] * regLoss.d2(zl[i], lab[i], delta) * rzl[i];
        }
        break;
    }
  }

  private double[] meanScale(Batch b, int n) {
    double[] w = b.weights();
    double inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
      rowScale[i] = w[i] * inv;
    }
    return rowScale;
  }

  // ------------------------------------------------------------------ objective, gradient

  @Override
  public double loss(double[] params, Batch batch) {
    int n = requireRows(batch);
    forward(params, null, batch, true);
    return headLossAndGrad(batch, n, meanScale(batch, n), null) + penalty(params, null);
  }

  @Override
  public double lossAndGradient(double[] params, Batch batch, double[] grad) {
    int n = requireRows(batch);
    checkLength("grad", grad, layout.size());
    forward(params, null, batch, true);
    double[] g = gCur;
    double[] gN = gNext;
    double loss = headLossAndGrad(batch, n, meanScale(batch, n), g);
    Arrays.fill(grad, 0, layout.size(), 0.0);
    for (int k = nLayers; k >= 1; k--) {
      accumulateWeightGrad(k, batch, k == 1 ? null : a[k - 1], g, grad, n);
      if (k > 1) {
        backpropInput(params, k, g, gN, n, false);
        // gN now holds dL/da_{k-1}; turn it into dL/dz_{k-1} in place.
        hiddenBackward(params, k - 1, gN, grad, n);
        double[] t = g;
        g = gN;
        gN = t;
      }
    }
    return loss + penalty(params, grad);
  }

  private int requireRows(Batch b) {
    int n = b.size();
    if (n == 0) {
      throw new IllegalArgumentException("empty batch");
    }
    if (b.space().inputDim() != inDim || b.denseDim() != denseDim) {
      throw new IllegalArgumentException("batch of " + b.space() + " does not match the model's " + space);
    }
    return n;
  }

  /** grad[W_k] += g^T in, grad[b_k] += sum_i g_i. */
  private void accumulateWeightGrad(int k, Batch b, double[] in, double[] g, double[] grad, int n) {
    int rows = width[k];
    int cols = width[k - 1];
    int wo = wOff[k];
    int bo = bOff[k];
    double[] x = k == 1 ? b.dense() : in;
    int d = k == 1 ? denseDim : cols;
    // Dense columns: four samples per pass over a weight-gradient row, so the row is loaded and stored once per
    // four multiply-adds.
    for (int o = 0; o < rows; o++) {
      int ro = wo + o * cols;
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
        grad[bo + o] += gi;
        if (k == 1) {
          int ro = wo + o * cols;
          for (int q = rp[i]; q < rp[i + 1]; q++) {
            grad[ro + ci[q]] += gi * cv[q];
          }
        }
      }
    }
  }

  /** da[i][j] (+)= sum_o g[i][o] W_k[o][j]: the gradient with respect to layer k's input. */
  private void backpropInput(double[] w, int k, double[] g, double[] da, int n, boolean acc) {
    int rows = width[k];
    int cols = width[k - 1];
    int wo = wOff[k];
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
        int r0 = wo + o * cols;
        int r1 = r0 + cols;
        int r2 = r1 + cols;
        int r3 = r2 + cols;
        for (int j = 0; j < cols; j++) {
          da[xo + j] += g0 * w[r0 + j] + g1 * w[r1 + j] + g2 * w[r2 + j] + g3 * w[r3 + j];
        }
      }
      for (; o < rows; o++) {
        double gi = g[go + o];
        int ro = wo + o * cols;
        for (int j = 0; j < cols; j++) {
          da[xo + j] += gi * w[ro + j];
        }
      }
    }
  }

  /**
   * Turns dL/da_k (in {@code d}, in place) into dL/dz_k through dropout, the activation and batch norm,
   * accumulating the batch-norm parameter gradients into {@code grad} (null to skip them).
   */
  private void hiddenBackward(double[] p, int k, double[] d, double[] grad, int n) {
    int wk = width[k];
    int len = n * wk;
    double[] pre = y[k];
    double[] hk = h[k];
    double[] mk = mask[k];
    for (int t = 0; t < len; t++) {
      double v = mk == null ? d[t] : d[t] * mk[t];
      d[t] = v * act.d1(pre[t], hk[t]);
    }
    if (bn[k]) {
      batchNormBackward(p, k, d, grad, n);
    }
  }

  /** dy -> dz for batch norm in training mode (in place), with dgamma, dbeta into grad. */
  private void batchNormBackward(double[] p, int k, double[] d, double[] grad, int n) {
    int wk = width[k];
    double[] xk = xhat[k];
    double[] s = sInv[k];
    for (int o = 0; o < wk; o++) {
      double gm = p[gOff[k] + o];
      double sumDy = 0.0;
      double sumDyX = 0.0;
      for (int i = 0; i < n; i++) {
        double dy = d[i * wk + o];
        sumDy += dy;
        sumDyX += dy * xk[i * wk + o];
      }
      if (grad != null) {
        grad[gOff[k] + o] += sumDyX;
        grad[beOff[k] + o] += sumDy;
      }
      // dxhat = gamma dy; dz = s (dxhat - mean(dxhat) - xhat mean(dxhat xhat)).
      double ma = gm * sumDy / n;
      double mb = gm * sumDyX / n;
      double si = s[o];
      for (int i = 0; i < n; i++) {
        int t = i * wk + o;
        d[t] = si * (gm * d[t] - ma - xk[t] * mb);
      }
    }
  }

  /** Adds l1 sum|w| + l2/2 sum w^2 over weight matrices; adds its gradient into grad when not null. */
  private double penalty(double[] p, double[] grad) {
    if (l1 == 0.0 && l2 == 0.0) {
      return 0.0;
    }
    double sAbs = 0.0;
    double sSq = 0.0;
    for (int r = 0; r < penaltyRanges.length; r += 2) {
      for (int t = penaltyRanges[r]; t < penaltyRanges[r + 1]; t++) {
        double v = p[t];
        sAbs += Math.abs(v);
        sSq += v * v;
        if (grad != null) {
          grad[t] += l1 * Math.signum(v) + l2 * v;
        }
      }
    }
    return l1 * sAbs + 0.5 * l2 * sSq;
  }

  // ------------------------------------------------------------------ Hessian-vector product

  @Override
  public void hessianVectorProduct(double[] params, Batch batch, double[] v, double[] out) {
    int n = requireRows(batch);
    checkLength("v", v, layout.size());
    checkLength("out", out, layout.size());
    ensureRCapacity(n);
    forward(params, null, batch, true);
    rForward(params, v, batch, n);
    double[] scale = meanScale(batch, n);
    double[] g = gCur;
    double[] rg = rgCur;
    headLossAndGrad(batch, n, scale, g);
    headR(batch, n, scale, rz[nLayers], rg);
    Arrays.fill(out, 0, layout.size(), 0.0);
    double[] gN = gNext;
    double[] rgN = rgNext;
    for (int k = nLayers; k >= 1; k--) {
      // R{dW} = Rg^T a + g^T Ra; R{db} = sum Rg.
      accumulateWeightGrad(k, batch, k == 1 ? null : a[k - 1], rg, out, n);
      if (k > 1) {
        accumulateWeightOnly(k, ra[k - 1], g, out, n);
        // da = g W; R{da} = Rg W + g V.
        backpropInput(params, k, g, gN, n, false);
        backpropInput(params, k, rg, rgN, n, false);
        backpropInput(v, k, g, rgN, n, true);
        hiddenBackwardR(params, v, k - 1, gN, rgN, out, n);
        double[] t = g;
        g = gN;
        gN = t;
        t = rg;
        rg = rgN;
        rgN = t;
      }
    }
    if (l2 != 0.0) {
      for (int r = 0; r < penaltyRanges.length; r += 2) {
        for (int t = penaltyRanges[r]; t < penaltyRanges[r + 1]; t++) {
          out[t] += l2 * v[t];
        }
      }
    }
  }

  /** grad[W_k] += g^T in (no bias term): the g^T R{a} part of R{dW}. */
  private void accumulateWeightOnly(int k, double[] in, double[] g, double[] out, int n) {
    int rows = width[k];
    int cols = width[k - 1];
    int wo = wOff[k];
    for (int i = 0; i < n; i++) {
      int xo = i * cols;
      for (int o = 0; o < rows; o++) {
        double gi = g[i * rows + o];
        if (gi == 0.0) {
          continue;
        }
        int ro = wo + o * cols;
        for (int j = 0; j < cols; j++) {
          out[ro + j] += gi * in[xo + j];
        }
      }
    }
  }

  /** Directional derivatives of the forward pass along v: Rz, Ry, Ra per layer. */
  private void rForward(double[] p, double[] v, Batch b, int n) {
    for (int k = 1; k <= nLayers; k++) {
      double[] rzk = rz[k];
      // Rz = V a_{k-1} + vb + W Ra_{k-1} (the input is data: R{x} = 0).
      linear(v, k, b, k == 1 ? null : a[k - 1], rzk, n, true, false);
      if (k > 1) {
        linear(p, k, b, ra[k - 1], rzk, n, false, true);
      }
      if (k == nLayers) {
        break;
      }
      int wk = width[k];
      int len = n * wk;
      if (bn[k]) {
        batchNormR(p, v, k, n);
      }
      double[] ryk = ry[k];
      double[] pre = y[k];
      double[] hk = h[k];
      double[] rak = ra[k];
      double[] mk = mask[k];
      for (int t = 0; t < len; t++) {
        double rh = act.d1(pre[t], hk[t]) * ryk[t];
        rak[t] = mk == null ? rh : rh * mk[t];
      }
    }
  }

  /**
   * R-image of batch norm: Rmu = mean(Rz), Rvar = (2/n) sum (z - mu) Rz, Rs = -s^3 Rvar / 2,
   * Rxhat = (Rz - Rmu) s + (z - mu) Rs, Ry = Vgamma xhat + gamma Rxhat + Vbeta.
   */
  private void batchNormR(double[] p, double[] v, int k, int n) {
    int wk = width[k];
    double[] rzk = rz[k];
    double[] xk = xhat[k];
    double[] rxk = rxhat[k];
    double[] ryk = ry[k];
    for (int o = 0; o < wk; o++) {
      double si = sInv[k][o];
      double sumR = 0.0;
      double sumXR = 0.0;
      for (int i = 0; i < n; i++) {
        double r = rzk[i * wk + o];
        sumR += r;
        sumXR += xk[i * wk + o] * r;
      }
      double rm = sumR / n;
      // (z - mu) = xhat / s, so Rvar = (2/n) sum xhat Rz / s and Rs = -s^3 Rvar / 2 = -s^2 sum(xhat Rz) / n.
      double rsi = -si * si * sumXR / n;
      rmu[k][o] = rm;
      rs[k][o] = rsi;
      double gm = p[gOff[k] + o];
      double vg = v[gOff[k] + o];
      double vb = v[beOff[k] + o];
      for (int i = 0; i < n; i++) {
        int t = i * wk + o;
        double rx = (rzk[t] - rm) * si + xk[t] / si * rsi;
        rxk[t] = rx;
        ryk[t] = vg * xk[t] + gm * rx + vb;
      }
    }
  }

  /**
   * Backward through hidden layer k for both the gradient (d: dL/da_k -> dL/dz_k, in place) and its R-image
   * (rd: R{dL/da_k} -> R{dL/dz_k}), adding the batch-norm parameters' R-gradients to {@code out}.
   */
  private void hiddenBackwardR(double[] p, double[] v, int k, double[] d, double[] rd, double[] out, int n) {
    int wk = width[k];
    int len = n * wk;
    double[] pre = y[k];
    double[] hk = h[k];
    double[] mk = mask[k];
    double[] ryk = ry[k];
    for (int t = 0; t < len; t++) {
      double m = mk == null ? 1.0 : mk[t];
      double dh = d[t] * m;
      double rdh = rd[t] * m;
      double f1 = act.d1(pre[t], hk[t]);
      double f2 = act.d2(pre[t], hk[t]);
      d[t] = dh * f1;
      rd[t] = rdh * f1 + dh * f2 * ryk[t];
    }
    if (!bn[k]) {
      return;
    }
    double[] xk = xhat[k];
    double[] rxk = rxhat[k];
    for (int o = 0; o < wk; o++) {
      double gm = p[gOff[k] + o];
      double vg = v[gOff[k] + o];
      double si = sInv[k][o];
      double rsi = rs[k][o];
      double sumDy = 0.0;
      double sumDyX = 0.0;
      double sumRdy = 0.0;
      double sumRdyX = 0.0;
      double sumDyRx = 0.0;
      for (int i = 0; i < n; i++) {
        int t = i * wk + o;
        sumDy += d[t];
        sumDyX += d[t] * xk[t];
        sumRdy += rd[t];
        sumRdyX += rd[t] * xk[t];
        sumDyRx += d[t] * rxk[t];
      }
      out[gOff[k] + o] += sumRdyX + sumDyRx;
      out[beOff[k] + o] += sumRdy;
      // dxhat = gamma dy, R{dxhat} = gamma Rdy + Vgamma dy; A = mean(dxhat), B = mean(dxhat xhat).
      double ma = gm * sumDy / n;
      double mb = gm * sumDyX / n;
      double rma = (gm * sumRdy + vg * sumDy) / n;
      double rmb = (gm * sumRdyX + vg * sumDyX + gm * sumDyRx) / n;
      for (int i = 0; i < n; i++) {
        int t = i * wk + o;
        double dx = gm * d[t];
        double rdx = gm * rd[t] + vg * d[t];
        double inner = dx - ma - xk[t] * mb;
        rd[t] = rsi * inner + si * (rdx - rma - rxk[t] * mb - xk[t] * rmb);
        d[t] = si * inner;
      }
    }
  }

  // ------------------------------------------------------------------ running statistics

  @Override
  public void updateBuffers(double[] params, Batch batch, double[] buffers) {
    if (bufferLayout.isEmpty()) {
      return;
    }
    int n = requireRows(batch);
    forward(params, null, batch, true);
    for (int k = 1; k < nLayers; k++) {
      if (!bn[k]) {
        continue;
      }
      int wk = width[k];
      for (int o = 0; o < wk; o++) {
        int mo = rmOff[k] + o;
        buffers[mo] = (1.0 - BN_MOMENTUM) * buffers[mo] + BN_MOMENTUM * mu[k][o];
        if (n > 1) {
          // torch keeps the unbiased variance, n/(n-1) times the biased one used to normalize.
          double ss = 0.0;
          double[] zk = z[k];
          double mean = mu[k][o];
          for (int i = 0; i < n; i++) {
            double dd = zk[i * wk + o] - mean;
            ss += dd * dd;
          }
          double biased = ss / n;
          int vo = rvOff[k] + o;
          buffers[vo] = (1.0 - BN_MOMENTUM) * buffers[vo] + BN_MOMENTUM * biased * n / (n - 1);
        }
      }
    }
  }

  // ------------------------------------------------------------------ evaluation

  @Override
  public void predict(double[] params, double[] buffers, Batch batch, double[] out) {
    int n = requireRows(batch);
    forward(params, buffers, batch, false);
    double[] zl = z[nLayers];
    switch (head) {
      case LOGISTIC:
        for (int i = 0; i < n; i++) {
          out[i] = LogisticLoss.sigmoid(zl[i]);
        }
        break;
      case SOFTMAX:
        for (int i = 0; i < n; i++) {
          SoftmaxLoss.probabilitiesAndLoss(zl, i * outDim, outDim, -1, out, i * outDim);
        }
        break;
      default:
        System.arraycopy(zl, 0, out, 0, n);
        break;
    }
  }

  @Override
  public void predict(double[] params, double[] buffers, Example example, double[] out) {
    if (single == null) {
      single = new Batch(space, 1);
    }
    single.clear();
    single.add(example);
    predict(params, buffers, single, out);
  }

  @Override
  public double evalLoss(double[] params, double[] buffers, Batch batch) {
    int n = requireRows(batch);
    forward(params, buffers, batch, false);
    return headLossAndGrad(batch, n, meanScale(batch, n), null);
  }

  // ------------------------------------------------------------------ per-sample gradients

  @Override
  public boolean hasPerSampleGradients() {
    return !spec.batchNorm() || nLayers == 1;
  }

  /**
   * Without batch norm the rows of every backward quantity are independent, and a dense layer's per-sample
   * weight gradient is the outer product g_i a_i^T, so ||dW_i||^2 = ||g_i||^2 ||a_i||^2 and ||db_i||^2 = ||g_i||^2.
   */
  @Override
  public void perSampleGradSquaredNorms(double[] params, Batch batch, double[] out) {
    if (!hasPerSampleGradients()) {
      throw new UnsupportedOperationException(
          "per-sample gradients are not defined with batch norm (the batch statistics couple the samples)");
    }
    int n = requireRows(batch);
    forward(params, null, batch, true);
    double[] w = batch.weights();
    System.arraycopy(w, 0, rowScale, 0, n);
    double[] g = gCur;
    double[] gN = gNext;
    headLossAndGrad(batch, n, rowScale, g);
    Arrays.fill(out, 0, n, 0.0);
    for (int k = nLayers; k >= 1; k--) {
      int rows = width[k];
      int cols = width[k - 1];
      for (int i = 0; i < n; i++) {
        double gg = 0.0;
        for (int o = 0; o < rows; o++) {
          double v = g[i * rows + o];
          gg += v * v;
        }
        double aa = 0.0;
        if (k == 1) {
          double[] x = batch.dense();
          for (int j = 0; j < denseDim; j++) {
            double v = x[i * denseDim + j];
            aa += v * v;
          }
          for (int q = batch.rowPtr()[i]; q < batch.rowPtr()[i + 1]; q++) {
            double v = batch.colVal()[q];
            aa += v * v;
          }
        } else {
          double[] ak = a[k - 1];
          for (int j = 0; j < cols; j++) {
            double v = ak[i * cols + j];
            aa += v * v;
          }
        }
        out[i] += gg * (aa + 1.0);
      }
      if (k > 1) {
        backpropInput(params, k, g, gN, n, false);
        hiddenBackward(params, k - 1, gN, null, n);
        double[] t = g;
        g = gN;
        gN = t;
      }
    }
  }
}
