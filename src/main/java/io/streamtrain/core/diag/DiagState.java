package io.streamtrain.core.diag;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.random.Xoshiro256;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * One model's diagnostics state, carried beside its trainer state: smoothed gradient statistics, the loss window,
 * the latest figures and probe results, the report interval's state counts, the sample reservoir, the previous
 * gradient, a probe in progress (its parameters, samples and Lanczos basis), the negative-curvature direction and
 * the work accounting of the probe budget. All of it is training state: {@link #write} and {@link #read} carry it
 * through checkpoints and copies exactly, so a restored job computes the same figures, probes at the same steps
 * and escapes saddles the same way as one that never stopped. Fields are public for the trainer and the reporting
 * code; only {@link Diagnostician} changes them.
 */
public final class DiagState {
  static final int STATES = TrainingState.values().length;

  public long batches;
  public long probes;
  /** Consecutive curvature checks that confirmed the probe's negative curvature (saddle escape trigger). */
  public long saddleStreak;
  /** Saddle escapes of either kind (along the eigenvector, or a perturbation). */
  public long escapes;
  /** Of the escapes, the seeded perturbations (perturbed gradient descent). */
  public long perturbations;
  /** Consecutive applied steps with the gradient within its noise and the loss not falling (with the escape on). */
  public long stalledSteps;
  /** The step at which the last finished probe started (the parameters its figures describe); -1 before. */
  public long lastProbeStep = -1;
  /** The step at which the running (or last) probe started; -1 before any. */
  public long probeStartStep = -1;
  public long windowSamples;
  public long lastEscapeStep = -1;
  /** The probe (its start step) whose negative curvature a check contradicted: no more checks until the next. */
  public long cancelledProbeStep = -1;
  /** Work done, in sample-gradient units: training steps (b per batch of b) and probes (2r per product on r rows). */
  public long trainWork;
  public long probeWork;
  /** Work the budget allows the probes now (earned by training steps, capped at one probe's cost). */
  public double probeCredit;
  /** Samples and Hessian-vector products of the last finished probe. */
  public int probeSamples;
  public int probeProducts;
  /** Rows of the batch the noise estimates came from (the standard error's b). */
  public int noiseBatch;
  /** Batches the noise estimates have averaged so far. */
  public long noiseCount;
  /** Noise estimates needed before the signal-to-noise ratio is trusted (one batch's estimate is too noisy). */
  public static final int NOISE_MIN_SAMPLES = 5;

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
  /** Standard error of {@link #lossChange} from the regression's residuals (NaN below 3 points). */
  public double lossChangeSe = Double.NaN;
  /** The latest curvature check v^T H_batch v along the probe's eigenvector; NaN before one. */
  public double curvatureCheck = Double.NaN;
  /** Batch loss before and after the last saddle escape; NaN before one. */
  public double escapeLossBefore = Double.NaN;
  public double escapeLossAfter = Double.NaN;
  /** Loss window (ring buffer) and how many entries it holds; its length is the configured window. */
  public double[] lossRing = new double[0];
  public int lossCount;
  public int lossPos;

  // ---- the report interval: how many batches showed each state, when each was last seen, its evidence then
  final int[] intervalCounts = new int[STATES];
  final long[] intervalLastSeen = new long[STATES];
  final String[] stateEvidence = new String[STATES];
  TrainingState intervalWorst;
  String worstEvidence;
  public TrainingState lastState = TrainingState.UNKNOWN;
  /** Evidence of the latest batch's state as last formatted (formatted when the state changes). */
  public String lastEvidence = "";

  // ---- working state (checkpointed too)
  public double[] prevGrad;
  /**
   * Sparse path: the coordinates of the previous gradient that are non-zero in {@link #prevGrad} (the rest of it
   * is zero), how many, and its squared norm, so the cosine costs O(touched) instead of O(parameters).
   */
  public int[] prevIndex;
  public int prevNnz;
  public double prevSquaredNorm;
  /** Lowest-curvature Ritz vector of the last finished probe (unit length), for the saddle escape; or null. */
  public double[] minVector;
  Batch[] reservoir;
  int reservoirSize;
  final Xoshiro256 reservoirRng = new Xoshiro256(0);
  /** A probe in progress: the parameters and samples it started with and its Lanczos iteration. */
  boolean probeRunning;
  double[] probeParams;
  Batch probeBatch;
  Lanczos lanczos;
  final List<DiagEvent> events = new ArrayList<>();

  /** Probe work over all work (training and probes) so far; NaN before any step. */
  public double probeShare() {
    long total = trainWork + probeWork;
    return total == 0 ? Double.NaN : (double) probeWork / total;
  }

  public double gradStd() {
    return Math.sqrt(Math.max(gradVar, 0));
  }

  /** Whether a probe is in progress (started, its products not all done yet). */
  public boolean probeRunning() {
    return probeRunning;
  }

  /** Samples in the reservoir of the current window. */
  public int reservoirSize() {
    return reservoirSize;
  }

  /**
   * Estimated |G|^2 of the true gradient over the batch gradient's variance tr(Sigma) / b: below ~1 the batch
   * gradient is within its noise. NaN without a noise estimate (fewer than {@value #NOISE_MIN_SAMPLES} batches of
   * one, or zero noise).
   */
  public double signalToNoise() {
    if (noiseCount < NOISE_MIN_SAMPLES || noiseBatch < 2 || !(noiseTraceEma > 0)) {
      return Double.NaN;
    }
    return noiseG2Ema / (noiseTraceEma / noiseBatch);
  }

  /**
   * The named figures for the metrics, in a fixed order (NaN where not computed yet): gradient statistics, noise,
   * loss trend, per-layer ratio, the latest probe's eigenvalues, condition and lr * lambda_max, which step and how
   * many samples that probe used, the probes' work share, and the saddle escapes.
   */
  public LinkedHashMap<String, Double> figures() {
    LinkedHashMap<String, Double> m = new LinkedHashMap<>();
    m.put("grad_norm_mean", gradMean);
    m.put("grad_norm_std", gradStd());
    m.put("grad_cosine_mean", cosineMean);
    m.put("grad_noise_scale", noiseScale);
    m.put("grad_signal_to_noise", signalToNoise());
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
    m.put("probe_samples", probes == 0 ? Double.NaN : (double) probeSamples);
    m.put("probe_products", probes == 0 ? Double.NaN : (double) probeProducts);
    m.put("probes", (double) probes);
    m.put("probe_work_share", probeShare());
    m.put("curvature_check", curvatureCheck);
    m.put("saddle_escapes", (double) escapes);
    m.put("saddle_perturbations", (double) perturbations);
    m.put("escape_loss_before", escapeLossBefore);
    m.put("escape_loss_after", escapeLossAfter);
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

  /** Records one batch's state in the interval; {@code evidence} formats it when it has to be stored. */
  void recordState(TrainingState state, java.util.function.Supplier<String> evidence) {
    int o = state.ordinal();
    boolean changed = state != lastState || stateEvidence[o] == null;
    String text = changed ? evidence.get() : stateEvidence[o];
    if (changed) {
      stateEvidence[o] = text;
      lastEvidence = text;
    }
    intervalCounts[o]++;
    intervalLastSeen[o] = batches + 1;
    if (intervalWorst == null || state.severity() > intervalWorst.severity()) {
      intervalWorst = state;
      worstEvidence = text;
    }
    lastState = state;
  }

  /**
   * The interval's state: the one most of its batches showed, ties to the one seen latest (the last batch's state
   * when the interval saw none), with its evidence.
   */
  public Classification intervalClassification() {
    int best = -1;
    for (int o = 0; o < STATES; o++) {
      if (intervalCounts[o] == 0) {
        continue;
      }
      if (best < 0 || intervalCounts[o] > intervalCounts[best]
          || (intervalCounts[o] == intervalCounts[best] && intervalLastSeen[o] > intervalLastSeen[best])) {
        best = o;
      }
    }
    if (best < 0) {
      return new Classification(lastState, lastEvidence);
    }
    return new Classification(TrainingState.values()[best], stateEvidence[best]);
  }

  /** The most severe state any batch of the interval showed, with its evidence (the last batch's when none). */
  public Classification intervalWorst() {
    if (intervalWorst == null) {
      return new Classification(lastState, lastEvidence);
    }
    return new Classification(intervalWorst, worstEvidence);
  }

  /** Batches of the interval that showed {@code state}. */
  public int intervalCount(TrainingState state) {
    return intervalCounts[state.ordinal()];
  }

  public void resetInterval() {
    Arrays.fill(intervalCounts, 0);
    Arrays.fill(intervalLastSeen, 0);
    Arrays.fill(stateEvidence, null);
    intervalWorst = null;
    worstEvidence = null;
  }

  // Binary form (trainer state format 3 and later: everything above; formats 1 and 2: the scalars only), in
  // DiagStateCodec.

  public void write(DataOutput out) throws IOException {
    DiagStateCodec.write(this, out);
  }

  /** Reads what {@link #write} wrote, for a model of {@code n} parameters over {@code space}. */
  public void read(DataInput in, FeatureSpace space, int n) throws IOException {
    DiagStateCodec.read(this, in, space, n);
  }

  /** Trainer state formats 1 and 2: the diagnostics scalars at the end of the trainer's long block. */
  public void readLegacyLongs(long[] v, int n) {
    DiagStateCodec.readLegacyLongs(this, v, n);
  }

  /** Trainer state formats 1 and 2: the diagnostics scalars and loss window at the end of the double block. */
  public void readLegacyDoubles(double[] v, int n) {
    DiagStateCodec.readLegacyDoubles(this, v, n);
  }
}
