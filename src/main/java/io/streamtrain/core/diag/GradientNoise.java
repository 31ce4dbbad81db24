package io.streamtrain.core.diag;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ParamGroup;
import java.util.List;

/**
 * The gradient noise estimates of one model configuration: every {@code noise_every} batches, from the per-sample
 * gradients' squared norms S = sum_i |g_i|^2 of a batch of m and its mean gradient Gb (penalties removed), the
 * unbiased tr(Sigma) ~ (S - m |Gb|^2) / (m - 1) and |G|^2 ~ |Gb|^2 - tr(Sigma) / m (McCandlish, Kaplan, Amodei et
 * al., "An Empirical Model of Large-Batch Training", 2018, eq. 2.8 and appendix A.1), smoothed by exponential moving
 * averages before their ratio B_simple = tr(Sigma) / |G|^2 is taken (one batch's |G|^2 estimate can be negative).
 * The per-sample pass costs m sample-gradients of work, charged to the diagnostics budget like the probes.
 * Per-model state lives in {@link DiagState}; this class holds the configuration and scratch memory.
 */
final class GradientNoise {
  private final DiagnosticsConfig cfg;
  private final Model model;
  private final int batchCapacity;
  private final int[] groupOffset;
  private final int[] groupEnd;
  private final boolean[] groupPenalized;
  private final double l1;
  private final double l2;
  private double[] perSample;

  GradientNoise(DiagnosticsConfig cfg, Model model, int batchCapacity) {
    this.cfg = cfg;
    this.model = model;
    this.batchCapacity = batchCapacity;
    List<ParamGroup> groups = model.layout().groups();
    groupOffset = new int[groups.size()];
    groupEnd = new int[groups.size()];
    groupPenalized = new boolean[groups.size()];
    for (int i = 0; i < groups.size(); i++) {
      groupOffset[i] = groups.get(i).offset();
      groupEnd[i] = groups.get(i).end();
      groupPenalized[i] = groups.get(i).penalized();
    }
    l1 = model.spec().l1();
    l2 = model.spec().l2();
  }

  /** A noise batch: every noise_every batches, of at least 2 rows, on a finite gradient that is not a cliff. */
  boolean due(DiagState d, Batch b, double gg, boolean outlier) {
    return cfg.noiseEvery() > 0 && d.batches % cfg.noiseEvery() == 0 && b.size() >= 2
        && model.hasPerSampleGradients() && Double.isFinite(gg) && !outlier;
  }

  /** The estimates from a dense batch gradient (the penalty gradient l2 theta + l1 sign(theta) removed). */
  void observeDense(DiagState d, double[] params, Batch b, double[] grad) {
    double s = perSampleSum(params, b);
    double g2 = 0;
    for (int gi = 0; gi < groupOffset.length; gi++) {
      boolean pen = groupPenalized[gi] && (l1 != 0 || l2 != 0);
      for (int k = groupOffset[gi]; k < groupEnd[gi]; k++) {
        double v = grad[k];
        if (pen) {
          v -= l2 * params[k] + l1 * Math.signum(params[k]);
        }
        g2 += v * v;
      }
    }
    update(d, s, b.size(), g2);
  }

  /** The estimates from a sparse batch gradient of squared norm {@code gg} (the sparse path has no penalties). */
  void observeSparse(DiagState d, double[] params, Batch b, double gg) {
    update(d, perSampleSum(params, b), b.size(), gg);
  }

  /** S = sum_i |g_i|^2 over the batch's per-sample gradients. */
  private double perSampleSum(double[] params, Batch b) {
    int m = b.size();
    if (perSample == null || perSample.length < m) {
      perSample = new double[Math.max(m, batchCapacity)];
    }
    model.perSampleGradSquaredNorms(params, b, perSample);
    double s = 0;
    for (int i = 0; i < m; i++) {
      s += perSample[i];
    }
    return s;
  }

  /** The noise-scale EMAs from the per-sample squared norms' sum {@code s} of {@code m} rows and |Gb|^2. */
  private void update(DiagState d, double s, int m, double g2) {
    double trace = (s - m * g2) / (m - 1);
    double gTrue = g2 - trace / m;
    double beta = cfg.emaBeta();
    d.noiseTraceEma = Double.isNaN(d.noiseTraceEma) ? trace : beta * d.noiseTraceEma + (1 - beta) * trace;
    d.noiseG2Ema = Double.isNaN(d.noiseG2Ema) ? gTrue : beta * d.noiseG2Ema + (1 - beta) * gTrue;
    d.noiseScale = d.noiseG2Ema > 0 ? d.noiseTraceEma / d.noiseG2Ema : Double.POSITIVE_INFINITY;
    d.noiseBatch = m;
    d.noiseCount++;
  }
}
