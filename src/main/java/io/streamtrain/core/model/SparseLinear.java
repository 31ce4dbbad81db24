package io.streamtrain.core.model;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.loss.LogisticLoss;
import io.streamtrain.core.loss.RegressionLoss;
import io.streamtrain.core.loss.SoftmaxLoss;
import io.streamtrain.core.model.layer.Kernels;

/**
 * The sparse training kernel of the linear families (linear, logistic, softmax): the training objective of
 * {@link Model} (mean weighted loss over the batch; no penalties, see {@link #unsupportedReason}) and its gradient
 * as a {@link SparseGradient} over only the parameters the batch touches: the weights of its dense columns and of
 * the sparse or hashed columns its rows contain, and the bias. Time and memory are O(batch nonzeros x outputs),
 * never O(parameters), so a step on a 2^24-slot hashed model costs what a step on its batch costs. The arithmetic
 * per row is the dense model's ({@link DenseNetwork}): same logits, same loss, same dL/dz.
 *
 * <p>Layout (torch's nn.Linear, as {@link ModelSpec} documents): {@code weight [K, inputDim]} row-major at offset
 * 0, then {@code bias [K]}; K = 1 for linear and logistic. One instance per thread (scratch memory).
 */
public final class SparseLinear {
  private final Head head;
  private final RegressionLoss regLoss;
  private final double delta;
  private final int in;
  private final int denseDim;
  private final int k;
  private final int biasOff;
  private double[] z = new double[0];
  private double[] dz = new double[0];
  private double[] probs = new double[0];
  private final double[] t;
  private int[] qSlot = new int[0];
  private int correct;
  /** Per row of the last batch: 1 when its progressive prediction was wrong (classifiers). */
  private byte[] wrong = new byte[0];

  public SparseLinear(ModelSpec spec) {
    String why = unsupportedReason(spec);
    if (why != null) {
      throw new IllegalArgumentException("no sparse path for this model: " + why);
    }
    this.head = spec.head();
    this.regLoss = spec.loss();
    this.delta = spec.delta();
    this.in = spec.inputDim();
    this.denseDim = spec.features().denseDim();
    this.k = spec.outputs();
    this.biasOff = Math.multiplyExact(in, k);
    this.t = new double[k];
  }

  /** Null when the sparse path computes this model's objective exactly, else why not (for logs and errors). */
  public static String unsupportedReason(ModelSpec spec) {
    if (spec.type() == ModelSpec.ModelType.MLP) {
      return "an mlp's hidden layers are dense";
    }
    if (spec.scaling() != null) {
      return "input scaling standardizes the dense block with the model's statistics (dense path)";
    }
    if (spec.l1() != 0 || spec.l2() != 0) {
      return "model l1/l2 penalties move every weight on every step (use the ftrl optimizer's l1/l2)";
    }
    return null;
  }

  /**
   * The training loss of the batch at {@code p} (the mean weighted loss, as {@link Model#lossAndGradient}); its
   * gradient goes into {@code out}. For classifiers it also counts the batch's correct predictions at {@code p}
   * ({@link #lastCorrect()}), the progressive accuracy of test-then-train, from the same logits.
   */
  public double lossAndGradient(double[] p, Batch b, SparseGradient out) {
    int n = b.size();
    if (n == 0) {
      throw new IllegalArgumentException("empty batch");
    }
    if (b.space().inputDim() != in || b.denseDim() != denseDim) {
      throw new IllegalArgumentException("batch of " + b.space() + " does not match the model's input width " + in);
    }
    if (z.length < n * k) {
      z = new double[n * k];
      dz = new double[n * k];
      probs = new double[n * k];
    }
    if (wrong.length < n) {
      wrong = new byte[n];
    }
    int[] rp = b.rowPtr();
    int[] ci = b.colIdx();
    double[] cv = b.colVal();
    double[] x = b.dense();
    // Logits, in the dense model's order: dense part, then the CSR entries, then the bias.
    if (k == 1) {
      return lossAndGradientSingle(p, b, n, rp, ci, cv, x, out);
    }
    for (int i = 0; i < n; i++) {
      Kernels.matVec(p, 0, in, k, x, i * denseDim, denseDim, t);
      for (int q = rp[i]; q < rp[i + 1]; q++) {
        int c = ci[q];
        double v = cv[q];
        for (int o = 0; o < k; o++) {
          t[o] += p[o * in + c] * v;
        }
      }
      for (int o = 0; o < k; o++) {
        z[i * k + o] = p[biasOff + o] + t[o];
      }
    }
    double loss = head(b, n);
    // Columns: the dense block first (always touched), then sparse columns in first-touch order.
    out.begin(denseDim + b.nnz());
    for (int c = 0; c < denseDim; c++) {
      out.slot(c);
    }
    if (qSlot.length < rp[n]) {
      qSlot = new int[Math.max(rp[n], 2 * qSlot.length)];
    }
    for (int q = 0; q < rp[n]; q++) {
      qSlot[q] = out.slot(ci[q]);
    }
    int cols = out.columnCount();
    out.resize(cols * k + k);
    int[] idx = out.index();
    double[] g = out.value();
    for (int s = 0; s < cols; s++) {
      int c = out.column(s);
      for (int o = 0; o < k; o++) {
        idx[s * k + o] = o * in + c;
      }
    }
    int bias = cols * k;
    for (int o = 0; o < k; o++) {
      idx[bias + o] = biasOff + o;
    }
    for (int i = 0; i < n; i++) {
      int xo = i * denseDim;
      for (int o = 0; o < k; o++) {
        double gi = dz[i * k + o];
        if (gi == 0.0) {
          continue;
        }
        for (int c = 0; c < denseDim; c++) {
          g[c * k + o] += gi * x[xo + c];
        }
        for (int q = rp[i]; q < rp[i + 1]; q++) {
          g[qSlot[q] * k + o] += gi * cv[q];
        }
        g[bias + o] += gi;
      }
    }
    return loss;
  }

  /**
   * One output (linear, logistic): the same arithmetic in the same order as the general loops, without their
   * per-output inner loops and index multiplications (the hashed click models' case, where a step is a few
   * hundred scattered entries).
   */
  private double lossAndGradientSingle(double[] p, Batch b, int n, int[] rp, int[] ci, double[] cv, double[] x,
      SparseGradient out) {
    double biasW = p[biasOff];
    for (int i = 0; i < n; i++) {
      Kernels.matVec(p, 0, in, 1, x, i * denseDim, denseDim, t);
      double s = t[0];
      for (int q = rp[i], end = rp[i + 1]; q < end; q++) {
        s += p[ci[q]] * cv[q];
      }
      z[i] = biasW + s;
    }
    double loss = head(b, n);
    int nnz = rp[n];
    out.begin(denseDim + nnz);
    for (int c = 0; c < denseDim; c++) {
      out.slot(c);
    }
    if (qSlot.length < nnz) {
      qSlot = new int[Math.max(nnz, 2 * qSlot.length)];
    }
    int[] qs = qSlot;
    for (int q = 0; q < nnz; q++) {
      qs[q] = out.slot(ci[q]);
    }
    int cols = out.columnCount();
    out.resize(cols + 1);
    out.copyColumns(out.index());
    int[] idx = out.index();
    double[] g = out.value();
    idx[cols] = biasOff;
    for (int i = 0; i < n; i++) {
      double gi = dz[i];
      if (gi == 0.0) {
        continue;
      }
      int xo = i * denseDim;
      for (int c = 0; c < denseDim; c++) {
        g[c] += gi * x[xo + c];
      }
      for (int q = rp[i], end = rp[i + 1]; q < end; q++) {
        g[qs[q]] += gi * cv[q];
      }
      g[cols] += gi;
    }
    return loss;
  }

  /** Per row of the last batch (classifiers): 1 when the prediction before its update was wrong, else 0. */
  public byte[] lastWrong() {
    return wrong;
  }

  /** Correct predictions of the last batch (before its update); -1 for regression. */
  public int lastCorrect() {
    return correct;
  }

  /** Per-row losses into the mean, dL/dz into dz, and the progressive count; as DenseNetwork's head. */
  private double head(Batch b, int n) {
    double[] lab = b.labels();
    double[] w = b.weights();
    double inv = 1.0 / n;
    double total = 0.0;
    switch (head) {
      case LOGISTIC -> {
        int right = 0;
        for (int i = 0; i < n; i++) {
          double scale = w[i] * inv;
          double zi = z[i];
          double yi = lab[i];
          total += scale * LogisticLoss.value(zi, yi);
          probs[i] = LogisticLoss.sigmoid(zi);
          dz[i] = scale * (probs[i] - yi);
          boolean ok = Head.predictedClass(probs, i, 1) == (int) yi;
          wrong[i] = ok ? (byte) 0 : (byte) 1;
          if (ok) {
            right++;
          }
        }
        correct = right;
      }
      case SOFTMAX -> {
        int right = 0;
        for (int i = 0; i < n; i++) {
          double scale = w[i] * inv;
          int c = (int) lab[i];
          int o = i * k;
          total += scale * SoftmaxLoss.probabilitiesAndLoss(z, o, k, c, probs, o);
          for (int q = 0; q < k; q++) {
            dz[o + q] = scale * probs[o + q];
          }
          dz[o + c] -= scale;
          boolean ok = Head.predictedClass(probs, o, k) == c;
          wrong[i] = ok ? (byte) 0 : (byte) 1;
          if (ok) {
            right++;
          }
        }
        correct = right;
      }
      default -> {
        for (int i = 0; i < n; i++) {
          double scale = w[i] * inv;
          total += scale * regLoss.value(z[i], lab[i], delta);
          dz[i] = scale * regLoss.d1(z[i], lab[i], delta);
        }
        correct = -1;
      }
    }
    return total;
  }
}
