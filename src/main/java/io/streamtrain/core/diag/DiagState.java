package io.streamtrain.core.diag;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.random.Xoshiro256;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One model's diagnostics state, carried beside its trainer state: smoothed gradient-norm statistics, the loss
 * window, the latest figures and probe results, the interval's worst training state, the saddle streak and the
 * sample reservoir. The scalar figures and the loss window are checkpointed with the trainer state (see
 * {@code TrainerState}); the reservoir, the previous gradient and the measured times are a cache that refills
 * after a restore (so a probe right after a restore sees fewer samples). Fields are public for the trainer and
 * the reporting code; only {@link Diagnostician} changes them.
 */
public final class DiagState {
  // ---- checkpointed (longs)
  public long batches;
  public long probes;
  public long probesSkipped;
  public long saddleStreak;
  public long escapes;
  public long lastProbeStep = -1;
  public long windowSamples;
  public long lastEscapeStep = -1;

  // ---- checkpointed (doubles)
  public double gradMean;
  public double gradVar;
  public double gradPeak;
  public double cosineMean = Double.NaN;
  public double lambdaMax = Double.NaN;
  public double lambdaMax2 = Double.NaN;
  public double lambdaMin = Double.NaN;
  public double lambdaMin2 = Double.NaN;
  public double condition = Double.NaN;
  public double lrLambdaMax = Double.NaN;
  public double noiseScale = Double.NaN;
  public double layerRatio = Double.NaN;
  public double firstLayerGradNorm = Double.NaN;
  public double lastLayerGradNorm = Double.NaN;
  public double lossChange = Double.NaN;
  public double lossSlope = Double.NaN;
  /** Exponential moving averages of the noise-scale estimates tr(Sigma) and |G|^2 (McCandlish et al. 2018, A.1). */
  public double noiseTraceEma = Double.NaN;
  public double noiseG2Ema = Double.NaN;
  public double lossWindowMean = Double.NaN;
  /** Loss window (ring buffer) and how many entries it holds; its length is the configured window. */
  public double[] lossRing = new double[0];
  public int lossCount;
  public int lossPos;

  // ---- interval (reset per report; checkpointed as the state's ordinal)
  public TrainingState intervalState;
  public String intervalEvidence;
  public TrainingState lastState = TrainingState.UNKNOWN;
  /** Evidence of the most recent state that made its interval worse (evidence is not formatted every step). */
  public String lastEvidence = "";

  // ---- transient
  public long trainNanos;
  public long diagNanos;
  public long probeNanos;
  public long lastProbeNanos;
  public double[] prevGrad;
  /**
   * Sparse path: the coordinates of the previous gradient that are non-zero in {@link #prevGrad} (the rest of it
   * is zero), how many, and its squared norm, so the cosine costs O(touched) instead of O(parameters).
   */
  public int[] prevIndex;
  public int prevNnz;
  public double prevSquaredNorm;
  /** Negative-curvature direction of the last probe (unit length), for the saddle escape. */
  public double[] minVector;
  /** The last probe's full result (Ritz values and vectors), or null. */
  public Lanczos.Result lastResult;
  final List<DiagEvent> events = new ArrayList<>();
  Batch[] reservoir;
  int reservoirSize;
  final Xoshiro256 reservoirRng = new Xoshiro256(0);

  /** Probe cost over (training + probe) time, as measured; NaN before any timing. */
  public double probeShare() {
    long total = trainNanos + probeNanos;
    return total == 0 ? Double.NaN : (double) probeNanos / total;
  }

  /** All diagnostics cost (statistics and probes) over the total time; NaN before any timing. */
  public double diagShare() {
    long total = trainNanos + diagNanos;
    return total == 0 ? Double.NaN : (double) diagNanos / total;
  }

  public double gradStd() {
    return Math.sqrt(Math.max(gradVar, 0));
  }

  /**
   * The named figures for the metrics, in a fixed order (NaN where not computed yet): gradient statistics, noise
   * scale, loss trend, per-layer ratio, the latest probe's eigenvalues, condition and lr * lambda_max, the
   * probe's time share and counters.
   */
  public java.util.LinkedHashMap<String, Double> figures() {
    java.util.LinkedHashMap<String, Double> m = new java.util.LinkedHashMap<>();
    m.put("grad_norm_mean", gradMean);
    m.put("grad_norm_std", gradStd());
    m.put("grad_cosine_mean", cosineMean);
    m.put("grad_noise_scale", noiseScale);
    m.put("loss_slope", lossSlope);
    m.put("loss_window_change", lossChange);
    m.put("layer_grad_norm_first", firstLayerGradNorm);
    m.put("layer_grad_norm_last", lastLayerGradNorm);
    m.put("layer_grad_ratio", layerRatio);
    m.put("hessian_max_eigenvalue", lambdaMax);
    m.put("hessian_max_eigenvalue_2", lambdaMax2);
    m.put("hessian_min_eigenvalue", lambdaMin);
    m.put("hessian_min_eigenvalue_2", lambdaMin2);
    m.put("condition_estimate", condition);
    m.put("lr_lambda_max", lrLambdaMax);
    m.put("probe_step", lastProbeStep < 0 ? Double.NaN : (double) lastProbeStep);
    m.put("probes", (double) probes);
    m.put("probes_skipped", (double) probesSkipped);
    m.put("probe_time_share", probeShare());
    m.put("diag_time_share", diagShare());
    m.put("saddle_escapes", (double) escapes);
    return m;
  }

  public boolean hasEvents() {
    return !events.isEmpty();
  }

  /** Events since the last call, in order; the list is cleared. */
  public List<DiagEvent> drainEvents() {
    List<DiagEvent> out = List.copyOf(events);
    events.clear();
    return out;
  }

  /** The interval's worst state (the last batch's when the interval saw none) with its evidence. */
  public Classification intervalClassification() {
    if (intervalState == null) {
      return new Classification(lastState, lastEvidence);
    }
    return new Classification(intervalState, intervalEvidence);
  }

  public void resetInterval() {
    intervalState = null;
    intervalEvidence = null;
  }

  /** Scalars for the trainer state's long block, in a fixed order (append only). */
  public long[] longs() {
    return new long[] {batches, probes, probesSkipped, saddleStreak, escapes, lastProbeStep, windowSamples,
        lastState.ordinal(), lossCount, lossPos, lossRing.length, lastEscapeStep};
  }

  public void setLongs(long[] v, int n) {
    batches = n > 0 ? v[0] : 0;
    probes = n > 1 ? v[1] : 0;
    probesSkipped = n > 2 ? v[2] : 0;
    saddleStreak = n > 3 ? v[3] : 0;
    escapes = n > 4 ? v[4] : 0;
    lastProbeStep = n > 5 ? v[5] : -1;
    windowSamples = 0; // the reservoir is not checkpointed: a restored window starts empty
    int ord = n > 7 ? (int) v[7] : 0;
    lastState = TrainingState.values()[Math.max(0, Math.min(ord, TrainingState.values().length - 1))];
    lastEvidence = "";
    lastEscapeStep = n > 11 ? v[11] : -1;
    int ringLen = n > 10 ? (int) v[10] : 0;
    lossRing = new double[ringLen];
    lossCount = n > 8 ? (int) Math.min(v[8], ringLen) : 0;
    lossPos = n > 9 && ringLen > 0 ? (int) (v[9] % ringLen) : 0;
  }

  /** Scalars and the loss window for the trainer state's double block (append only). */
  public double[] doubles() {
    double[] fixed = {gradMean, gradVar, gradPeak, cosineMean, lambdaMax, lambdaMax2, lambdaMin, lambdaMin2,
        condition, lrLambdaMax, noiseScale, layerRatio, firstLayerGradNorm, lastLayerGradNorm, lossChange,
        lossSlope, noiseTraceEma, noiseG2Ema, lossWindowMean};
    double[] out = Arrays.copyOf(fixed, fixed.length + lossRing.length);
    System.arraycopy(lossRing, 0, out, fixed.length, lossRing.length);
    return out;
  }

  /** Number of fixed doubles before the loss window in {@link #doubles()}. */
  public static final int FIXED_DOUBLES = 19;

  public void setDoubles(double[] v, int n) {
    double[] d = Arrays.copyOf(v, Math.max(n, FIXED_DOUBLES));
    for (int i = n; i < FIXED_DOUBLES; i++) {
      d[i] = Double.NaN;
    }
    gradMean = n > 0 ? d[0] : 0;
    gradVar = n > 1 ? d[1] : 0;
    gradPeak = n > 2 ? d[2] : 0;
    cosineMean = d[3];
    lambdaMax = d[4];
    lambdaMax2 = d[5];
    lambdaMin = d[6];
    lambdaMin2 = d[7];
    condition = d[8];
    lrLambdaMax = d[9];
    noiseScale = d[10];
    layerRatio = d[11];
    firstLayerGradNorm = d[12];
    lastLayerGradNorm = d[13];
    lossChange = d[14];
    lossSlope = d[15];
    noiseTraceEma = d[16];
    noiseG2Ema = d[17];
    lossWindowMean = d[18];
    for (int i = 0; i < lossRing.length; i++) {
      lossRing[i] = FIXED_DOUBLES + i < n ? d[FIXED_DOUBLES + i] : 0.0;
    }
  }
}
