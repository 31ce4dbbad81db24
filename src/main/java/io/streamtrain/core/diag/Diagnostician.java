package io.streamtrain.core.diag;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpec;
import io.streamtrain.core.model.ParamGroup;
import io.streamtrain.core.random.Xoshiro256;
import java.util.List;

/**
 * Computes one model's training diagnostics around its optimizer steps: before the update
 * ({@link #observeGradient}) the per-layer gradient norms, the cosine with the previous gradient, the gradient
 * noise scale and the sample reservoir; after it ({@link #afterStep}) the smoothed gradient-norm mean and
 * variance, the loss trend, a curvature probe when due and within its time budget, the training-state
 * classification ({@link StateClassifier}) and the optional saddle escape.
 *
 * <p>Gradient noise scale: B_simple = tr(Sigma) / |G|^2 (McCandlish, Kaplan, Amodei et al., "An Empirical Model
 * of Large-Batch Training", 2018, eq. 2.8), from the per-sample gradients g_i of one batch of n: with
 * S = sum |g_i|^2 and the batch mean gradient Gb (penalties removed), tr(Sigma) ~ (S - n |Gb|^2) / (n - 1) and
 * |G|^2 ~ |Gb|^2 - tr(Sigma) / n are unbiased; both are smoothed with exponential moving averages before the
 * ratio is taken, as the paper's appendix A.1 recommends, because the single-batch |G|^2 estimate can be
 * negative. A noise scale far above the batch size says the batch is too small to average the noise out.
 *
 * <p>Curvature probe: Lanczos ({@link Lanczos}) on exact Hessian-vector products of the training objective over
 * the reservoir (a uniform sample, Vitter's algorithm R seeded per window, of the samples since the previous
 * probe). Its cost is measured with {@link System#nanoTime} and bounded: a probe whose estimated cost would push
 * the probes' share of the trainer's time above {@link DiagnosticsConfig#budgetShare()} is skipped and counted.
 * Skips depend on the wall clock; with a share of 1 nothing is skipped and every figure is deterministic.
 *
 * <p>Saddle escape: after {@code after_probes} consecutive probes classified as a saddle, the parameters move by
 * the configured step along the probe's lowest-curvature Ritz vector, in the direction (+ or -) with the lower
 * reservoir loss (to second order either lowers the loss by |lambda_min| step^2 / 2, Goodfellow et al. 8.2.3);
 * recorded as a {@code saddle_escape} event.
 *
 * <p>One instance per model configuration and thread (scratch memory); per-model state lives in {@link DiagState}.
 */
public final class Diagnostician {
  private final DiagnosticsConfig cfg;
  private final Model model;
  private final int n;
  private final int probeEvery;
  private final int batchCapacity;
  private final int[] groupOffset;
  private final int[] groupEnd;
  private final int[] groupLayer;
  private final boolean[] groupPenalized;
  private final int firstLayer;
  private final int lastLayer;
  private final double l1;
  private final double l2;
  private final StateClassifier.Signals signals = new StateClassifier.Signals();
  private double[] perSample;
  private Lanczos lanczos;
  private Batch probeBatch;
  private double[] trial;

  public Diagnostician(DiagnosticsConfig cfg, Model model, int batchCapacity) {
    this.cfg = cfg;
    this.model = model;
    this.n = model.numParams();
    this.batchCapacity = batchCapacity;
    this.probeEvery = cfg.probeEveryFor(n);
    List<ParamGroup> groups = model.layout().groups();
    int g = groups.size();
    groupOffset = new int[g];
    groupEnd = new int[g];
    groupLayer = new int[g];
    groupPenalized = new boolean[g];
    int lo = Integer.MAX_VALUE;
    int hi = Integer.MIN_VALUE;
    for (int i = 0; i < g; i++) {
      ParamGroup pg = groups.get(i);
      groupOffset[i] = pg.offset();
      groupEnd[i] = pg.end();
      groupLayer[i] = pg.layer();
      groupPenalized[i] = pg.penalized();
      lo = Math.min(lo, pg.layer());
      hi = Math.max(hi, pg.layer());
    }
    firstLayer = lo;
    lastLayer = hi;
    ModelSpec spec = model.spec();
    l1 = spec.l1();
    l2 = spec.l2();
  }

  public DiagnosticsConfig config() {
    return cfg;
  }

  /** Probe period in applied batches for this model (0 = probes off). */
  public int probeEvery() {
    return probeEvery;
  }

  /** Before the update: per-layer norms, gradient cosine, noise scale (every N batches), reservoir. */
  public void observeGradient(DiagState d, double[] params, Batch b, double[] grad) {
    if (!cfg.enabled()) {
      return;
    }
    if (lastLayer > firstLayer) {
      double first = 0;
      double last = 0;
      for (int i = 0; i < groupOffset.length; i++) {
        if (groupLayer[i] == firstLayer || groupLayer[i] == lastLayer) {
          double s = 0;
          for (int k = groupOffset[i]; k < groupEnd[i]; k++) {
            s += grad[k] * grad[k];
          }
          if (groupLayer[i] == firstLayer) {
            first += s;
          } else {
            last += s;
          }
        }
      }
      d.firstLayerGradNorm = Math.sqrt(first);
      d.lastLayerGradNorm = Math.sqrt(last);
      d.layerRatio = last > 0 ? d.firstLayerGradNorm / d.lastLayerGradNorm : Double.NaN;
    }
    double gg = Lanczos.dot(grad, grad);
    if (Double.isFinite(gg)) {
      if (d.prevGrad == null || d.prevGrad.length != n) {
        d.prevGrad = new double[n];
      } else {
        double pp = Lanczos.dot(d.prevGrad, d.prevGrad);
        if (pp > 0 && gg > 0) {
          double cos = Lanczos.dot(grad, d.prevGrad) / Math.sqrt(gg * pp);
          d.cosineMean = Double.isNaN(d.cosineMean) ? cos : cfg.emaBeta() * d.cosineMean + (1 - cfg.emaBeta()) * cos;
        }
      }
      System.arraycopy(grad, 0, d.prevGrad, 0, n);
    }
    if (cfg.noiseEvery() > 0 && d.batches % cfg.noiseEvery() == 0 && b.size() >= 2
        && model.hasPerSampleGradients() && Double.isFinite(gg)) {
      noiseScale(d, params, b, grad);
    }
    if (probeEvery > 0) {
      sample(d, b);
    }
  }

  /**
   * {@link #observeGradient} for a sparse gradient ({@code val[k]} at parameter {@code idx[k]}, zero elsewhere), in
   * O(touched): the cosine with the previous gradient through a dense copy of it that is cleared and refilled only
   * where the two gradients are non-zero, the noise scale from the per-sample norms (the sparse path has no
   * penalties), and the reservoir. Models on the sparse path have one layer, so there are no layer ratios.
   */
  public void observeSparseGradient(DiagState d, double[] params, Batch b, int[] idx, double[] val, int nnz) {
    if (!cfg.enabled()) {
      return;
    }
    double gg = 0;
    for (int k = 0; k < nnz; k++) {
      gg += val[k] * val[k];
    }
    if (Double.isFinite(gg)) {
      if (d.prevGrad == null || d.prevGrad.length != n || d.prevIndex == null) {
        d.prevGrad = new double[n];
        d.prevIndex = new int[Math.max(16, nnz)];
        d.prevNnz = 0;
      } else {
        double pp = d.prevSquaredNorm;
        if (pp > 0 && gg > 0) {
          double dot = 0;
          for (int k = 0; k < nnz; k++) {
            dot += val[k] * d.prevGrad[idx[k]];
          }
          double cos = dot / Math.sqrt(gg * pp);
          d.cosineMean = Double.isNaN(d.cosineMean) ? cos : cfg.emaBeta() * d.cosineMean + (1 - cfg.emaBeta()) * cos;
        }
        for (int k = 0; k < d.prevNnz; k++) {
          d.prevGrad[d.prevIndex[k]] = 0.0;
        }
      }
      if (d.prevIndex.length < nnz) {
        d.prevIndex = new int[Math.max(nnz, 2 * d.prevIndex.length)];
      }
      for (int k = 0; k < nnz; k++) {
        d.prevGrad[idx[k]] = val[k];
      }
      System.arraycopy(idx, 0, d.prevIndex, 0, nnz);
      d.prevNnz = nnz;
      d.prevSquaredNorm = gg;
    }
    if (cfg.noiseEvery() > 0 && d.batches % cfg.noiseEvery() == 0 && b.size() >= 2
        && model.hasPerSampleGradients() && Double.isFinite(gg)) {
      noiseFigures(d, perSampleSum(params, b), b.size(), gg);
    }
    if (probeEvery > 0) {
      sample(d, b);
    }
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

  private void noiseScale(DiagState d, double[] params, Batch b, double[] grad) {
    int m = b.size();
    double s = perSampleSum(params, b);
    // |Gb|^2 of the data term: the batch gradient minus the penalty gradient (l2 theta + l1 sign(theta)).
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
    noiseFigures(d, s, m, g2);
  }

  /** The noise-scale EMAs from the per-sample squared norms' sum {@code s} of {@code m} rows and |Gb|^2. */
  private void noiseFigures(DiagState d, double s, int m, double g2) {
    double trace = (s - m * g2) / (m - 1);
    double gTrue = g2 - trace / m;
    double beta = cfg.emaBeta();
    d.noiseTraceEma = Double.isNaN(d.noiseTraceEma) ? trace : beta * d.noiseTraceEma + (1 - beta) * trace;
    d.noiseG2Ema = Double.isNaN(d.noiseG2Ema) ? gTrue : beta * d.noiseG2Ema + (1 - beta) * gTrue;
    d.noiseScale = d.noiseG2Ema > 0 ? d.noiseTraceEma / d.noiseG2Ema : Double.POSITIVE_INFINITY;
  }

  /** Vitter's algorithm R over the current window; slots are one-row batches refilled in place. */
  private void sample(DiagState d, Batch b) {
    int cap = cfg.reservoir();
    if (d.reservoir == null || d.reservoir.length != cap) {
      d.reservoir = new Batch[cap];
      d.reservoirSize = 0;
      d.windowSamples = 0;
      d.reservoirRng.reseed(windowSeed(d));
    }
    for (int i = 0; i < b.size(); i++) {
      long t = d.windowSamples++;
      int slot;
      if (t < cap) {
        slot = (int) t;
        d.reservoirSize = slot + 1;
      } else {
        long j = Math.floorMod(d.reservoirRng.nextLong(), t + 1);
        if (j >= cap) {
          continue;
        }
        slot = (int) j;
      }
      if (d.reservoir[slot] == null) {
        d.reservoir[slot] = new Batch(b.space(), 1);
      }
      Batch s = d.reservoir[slot];
      s.clear();
      s.addRowFrom(b, i);
    }
  }

  private long windowSeed(DiagState d) {
    return Xoshiro256.splitMix(cfg.seed() ^ Xoshiro256.splitMix(d.lastProbeStep + 1));
  }

  /**
   * After the update of step {@code step} (the step count after it): statistics, a probe when due, the
   * classification and the saddle escape (which may move {@code params}).
   */
  public void afterStep(DiagState d, double[] params, double loss, double gradNorm, boolean skipped, double lr,
      long step) {
    if (!cfg.enabled()) {
      return;
    }
    boolean finite = Double.isFinite(loss) && Double.isFinite(gradNorm);
    double meanBefore = d.gradMean;
    double beta = cfg.emaBeta();
    // A cliff batch (an exploding gradient) is reported but kept out of the smoothed statistics, so one spike
    // does not inflate the running mean, the variance and the peak that the next batches are judged against.
    boolean outlier = finite && (gradNorm > cfg.explodeNorm()
        || (d.batches > cfg.warmup() && meanBefore > 0 && gradNorm > cfg.explodeFactor() * meanBefore));
    if (finite && !outlier) {
      // Exponentially weighted mean and variance (Finch 2009, "Incremental calculation of weighted mean and
      // variance", eq. 143): diff = x - mean; mean += (1-beta) diff; var = beta (var + (1-beta) diff^2).
      if (d.batches == 0) {
        d.gradMean = gradNorm;
        d.gradVar = 0;
      } else {
        double diff = gradNorm - d.gradMean;
        d.gradMean += (1 - beta) * diff;
        d.gradVar = beta * (d.gradVar + (1 - beta) * diff * diff);
      }
      d.gradPeak = Math.max(d.gradPeak, d.gradMean);
    }
    if (finite) {
      pushLoss(d, loss);
    }
    boolean probed = false;
    if (finite && !skipped && probeEvery > 0 && step > 0 && step % probeEvery == 0 && d.reservoirSize > 0) {
      probed = probe(d, params, lr, step);
    }
    boolean escapedSinceProbe = d.escapes > 0 && d.lastEscapeStep > d.lastProbeStep;
    StateClassifier.Signals sig = signals;
    sig.finite = finite;
    sig.loss = loss;
    sig.gradNorm = gradNorm;
    sig.gradMeanBefore = meanBefore;
    sig.gradPeak = d.gradPeak;
    sig.batches = d.batches;
    sig.trendKnown = d.lossCount >= cfg.lossWindow();
    sig.plateau = isPlateau(d);
    sig.lossChange = d.lossChange;
    sig.layerRatio = d.layerRatio;
    sig.cosine = d.cosineMean;
    sig.lr = lr;
    sig.lambdaMax = d.lambdaMax;
    // After an escape the last probe's negative curvature describes the point we left: not evidence any more.
    sig.lambdaMin = escapedSinceProbe ? Double.NaN : d.lambdaMin;
    sig.condition = d.condition;
    TrainingState state = StateClassifier.state(cfg, sig);
    d.lastState = state;
    if (d.intervalState == null || state.ordinal() > d.intervalState.ordinal()) {
      // Evidence is formatted only when the interval's state gets worse (a few times per report at most).
      d.intervalState = state;
      d.intervalEvidence = StateClassifier.evidence(cfg, sig, state);
      d.lastEvidence = d.intervalEvidence;
    }
    if (probed) {
      d.saddleStreak = state == TrainingState.SADDLE ? d.saddleStreak + 1 : 0;
      if (cfg.escapeEnabled() && d.saddleStreak >= cfg.escapeAfterProbes() && d.minVector != null) {
        escape(d, params, step);
      }
    }
    d.batches++;
  }
  private void pushLoss(DiagState d, double loss) {
    int w = cfg.lossWindow();
    if (d.lossRing.length != w) {
      d.lossRing = new double[w];
      d.lossCount = 0;
      d.lossPos = 0;
    }
    d.lossRing[d.lossPos] = loss;
    d.lossPos = (d.lossPos + 1) % w;
    d.lossCount = Math.min(d.lossCount + 1, w);
    int k = d.lossCount;
    if (k < 2) {
      return;
    }
    // Least-squares slope of loss against batch index over the window, oldest first.
    double mx = (k - 1) / 2.0;
    double my = 0;
    for (int i = 0; i < k; i++) {
      my += d.lossRing[Math.floorMod(d.lossPos - k + i, w)];
    }
    my /= k;
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < k; i++) {
      double dx = i - mx;
      sxy += dx * (d.lossRing[Math.floorMod(d.lossPos - k + i, w)] - my);
      sxx += dx * dx;
    }
    d.lossSlope = sxy / sxx;
    d.lossChange = d.lossSlope * (k - 1);
    d.lossWindowMean = my;
  }

  /** Flat: the fitted change over the window within the tolerance of the mean loss (or below 1e-12 outright). */
  private boolean isPlateau(DiagState d) {
    return d.lossCount >= cfg.lossWindow()
        && Math.abs(d.lossChange) <= Math.max(cfg.plateauTolerance() * Math.abs(d.lossWindowMean), 1e-12);
  }

  /** Runs the probe unless the budget forbids it; returns whether it ran. */
  private boolean probe(DiagState d, double[] params, double lr, long step) {
    int steps = Math.min(cfg.lanczosSteps(), n);
    long estimate = d.lastProbeNanos;
    if (estimate <= 0) {
      // No probe measured yet: a Hessian-vector product costs about two backward passes, so guess three
      // training steps' time per Lanczos step and reservoir-sized batch (the current step is already counted).
      double perBatch = (double) d.trainNanos / (d.batches + 1);
      estimate = Math.max(1L,
          (long) (steps * Math.max(1.0, (double) d.reservoirSize / batchCapacity) * 3 * perBatch));
    }
    if (cfg.budgetShare() < 1.0
        && d.probeNanos + estimate > cfg.budgetShare() * (d.trainNanos + d.probeNanos + estimate)) {
      d.probesSkipped++;
      return false;
    }
    long t0 = System.nanoTime();
    if (lanczos == null) {
      lanczos = new Lanczos(n, cfg.lanczosSteps());
      probeBatch = new Batch(model.featureSpace(), cfg.reservoir());
    }
    probeBatch.clear();
    for (int i = 0; i < d.reservoirSize; i++) {
      probeBatch.addRowFrom(d.reservoir[i], 0);
    }
    Lanczos.Result r = lanczos.run((v, out) -> model.hessianVectorProduct(params, probeBatch, v, out), steps,
        Xoshiro256.splitMix(cfg.seed() ^ step), cfg.eigenpairs());
    d.lambdaMax = r.largest()[0];
    d.lambdaMax2 = r.largest().length > 1 ? r.largest()[1] : Double.NaN;
    d.lambdaMin = r.smallest()[0];
    d.lambdaMin2 = r.smallest().length > 1 ? r.smallest()[1] : Double.NaN;
    d.condition = r.condition();
    d.lrLambdaMax = lr * d.lambdaMax;
    d.minVector = r.smallestVectors()[0];
    d.lastResult = r;
    d.probes++;
    d.lastProbeStep = step;
    // A new window: the next probe looks at the samples after this one.
    d.reservoirSize = 0;
    d.windowSamples = 0;
    d.reservoirRng.reseed(windowSeed(d));
    long dt = System.nanoTime() - t0;
    d.lastProbeNanos = dt;
    d.probeNanos += dt;
    return true;
  }

  private void escape(DiagState d, double[] params, long step) {
    if (trial == null) {
      trial = new double[n];
    }
    double h = cfg.escapeStep();
    double[] v = d.minVector;
    double base = model.loss(params, probeBatch);
    for (int i = 0; i < n; i++) {
      trial[i] = params[i] + h * v[i];
    }
    double plus = model.loss(trial, probeBatch);
    for (int i = 0; i < n; i++) {
      trial[i] = params[i] - h * v[i];
    }
    double minus = model.loss(trial, probeBatch);
    double sign = plus <= minus || Double.isNaN(minus) ? 1.0 : -1.0;
    for (int i = 0; i < n; i++) {
      params[i] += sign * h * v[i];
    }
    d.escapes++;
    d.lastEscapeStep = step;
    d.saddleStreak = 0;
    d.events.add(new DiagEvent("saddle_escape", step, "saddle over " + cfg.escapeAfterProbes()
        + " probe(s), lambda_min " + StateClassifier.f(d.lambdaMin) + ": stepped " + StateClassifier.f(h)
        + " along its eigenvector; reservoir loss " + StateClassifier.f(base) + " -> "
        + StateClassifier.f(Math.min(plus, minus))));
  }
}
