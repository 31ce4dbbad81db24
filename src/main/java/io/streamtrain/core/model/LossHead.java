package io.streamtrain.core.model;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.loss.LogisticLoss;
import io.streamtrain.core.loss.RegressionLoss;
import io.streamtrain.core.loss.SoftmaxLoss;

/**
 * The loss on a model's logits z (n x outputs) and its first and second derivatives there: regression (squared or
 * Huber on the raw output), logistic (binary log loss on one logit) or softmax cross-entropy on K logits; and the
 * evaluation-mode outputs (the value, P(y=1), class probabilities). Each row's loss is scaled by a caller-given
 * factor (w_i / n for the batch mean, w_i for per-sample terms). Scratch: the softmax probabilities (n x K).
 */
final class LossHead {
  private final Head head;
  private final RegressionLoss regLoss;
  private final double delta;
  private final int outDim;
  private int cap;
  private double[] probs = new double[0];

  LossHead(Head head, RegressionLoss regLoss, double delta, int outDim) {
    this.head = head;
    this.regLoss = regLoss;
    this.delta = delta;
    this.outDim = outDim;
  }

  void ensureCapacity(int n) {
    if (n > cap) {
      cap = n;
      probs = new double[Math.multiplyExact(n, outDim)];
    }
  }

  /**
   * Per-sample losses of the logits in z; returns sum_i scale_i l_i and, when {@code g != null}, writes
   * g[i][c] = scale_i dl_i/dz_ic.
   */
  double lossAndGrad(double[] zl, Batch b, int n, double[] scale, double[] g) {
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

  /**
   * rg[i] = scale_i * (d2 l_i / dz^2) rz[i] (softmax: p*u - p (p.u)); needs the probabilities of the last
   * {@link #lossAndGrad} on the same logits.
   */
  void r(double[] zl, Batch b, int n, double[] scale, double[] rzl, double[] rg) {
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

  /** Evaluation outputs, outputs per row: the value, P(y=1), or class probabilities. */
  void predict(double[] zl, int n, double[] out) {
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
}
