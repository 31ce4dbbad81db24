package io.streamtrain.core.diag;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ParamGroup;
import io.streamtrain.core.random.Xoshiro256;
import java.util.List;

/**
 * Computes one model's training diagnostics around its optimizer steps: before the update
 * ({@link #observeGradient}) the per-layer gradient norms, the cosine with the previous gradient, the gradient
 * noise scale and the sample reservoir; after it ({@link #afterStep}) the smoothed gradient-norm mean and
 * variance, the loss trend, a curvature probe when due and within its work budget, the training-state
 * classification ({@link StateClassifier}) and the optional saddle escape.
 *
 * <p>Gradient noise scale and signal-to-noise ratio: {@link GradientNoise}; loss trend: {@link LossTrend}.
 *
 * <p>Curvature probe: Lanczos ({@link Lanczos}) on exact Hessian-vector products of the training objective over
 * the reservoir (a uniform sample, Vitter's algorithm R seeded per window, of the samples since the previous probe
 * began), at the parameters of the step it starts. A probe starts at step {@code probe_warmup} or later, at least
 * {@code probe_every} steps after the previous one, and only with a full reservoir. Its cost is counted, not timed:
 * a product over r samples costs 2r sample-gradients (Pearlmutter 1994: about two gradient evaluations), a training
 * step of b samples costs b, a noise estimate on it b (charged when due). Each applied step earns
 * budget_share / (1 - budget_share) x b of credit, capped at one probe's cost; the running probe does its products
 * while the credit lasts, so it spans steps, its share of the work
 * follows the budget at every step, and the cadence is a function of the data alone (and so survives restores).
 *
 * <p>Saddle escape: {@link SaddleEscape}.
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
  private final int firstLayer;
  private final int lastLayer;
  private final StateClassifier.Signals signals = new StateClassifier.Signals();
  private final GradientNoise noise;
  private final CurvatureProbe probe;
  private final SaddleEscape escape;

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
    int lo = Integer.MAX_VALUE;
    int hi = Integer.MIN_VALUE;
    for (int i = 0; i < g; i++) {
      ParamGroup pg = groups.get(i);
      groupOffset[i] = pg.offset();
      groupEnd[i] = pg.end();
      groupLayer[i] = pg.layer();
      lo = Math.min(lo, pg.layer());
      hi = Math.max(hi, pg.layer());
    }
    firstLayer = lo;
    lastLayer = hi;
    noise = new GradientNoise(cfg, model, batchCapacity);
    probe = new CurvatureProbe(cfg, model, batchCapacity);
    escape = new SaddleEscape(cfg, model, probe);
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
    if (noise.due(d, b, gg, outlier(d, Math.sqrt(gg)))) {
      noise.observeDense(d, params, b, grad);
      probe.charge(d, b.size());
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
    if (noise.due(d, b, gg, outlier(d, Math.sqrt(gg)))) {
      noise.observeSparse(d, params, b, gg);
      probe.charge(d, b.size());
    }
    if (probeEvery > 0) {
      sample(d, b);
    }
  }

  /**
   * A cliff batch: its gradient norm above explode_norm, or (after the warm-up) explode_factor times the smoothed
   * mean. It is reported but kept out of the smoothed statistics and the noise estimates, so one spike does not
   * set the scale the next batches are judged against.
   */
  private boolean outlier(DiagState d, double gradNorm) {
    return gradNorm > cfg.explodeNorm()
        || (d.batches > cfg.warmup() && d.gradMean > 0 && gradNorm > cfg.explodeFactor() * d.gradMean);
  }

  /** Vitter's algorithm R over the current window; slots are one-row batches refilled in place. */
  private void sample(DiagState d, Batch b) {
    int cap = cfg.reservoir();
    if (d.reservoir == null || d.reservoir.length != cap) {
      d.reservoir = new Batch[cap];
      d.reservoirSize = 0;
      d.windowSamples = 0;
      d.reservoirRng.reseed(windowSeed(cfg, d));
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

  static long windowSeed(DiagnosticsConfig cfg, DiagState d) {
    return Xoshiro256.splitMix(cfg.seed() ^ Xoshiro256.splitMix(d.probeStartStep + 1));
  }

  /**
   * After the update of step {@code step} (the step count after it) on batch {@code b}: statistics, the probe's
   * share of work, the classification and the saddle escape (which may move {@code params}).
   */
  public void afterStep(DiagState d, double[] params, Batch b, double loss, double gradNorm, boolean skipped,
      double lr, long step) {
    if (!cfg.enabled()) {
      return;
    }
    boolean finite = Double.isFinite(loss) && Double.isFinite(gradNorm);
    double meanBefore = d.gradMean;
    double beta = cfg.emaBeta();
    // A cliff batch (an exploding gradient) is reported but kept out of the smoothed statistics, so one spike
    // does not inflate the running mean, the variance and the peak that the next batches are judged against.
    boolean outlier = finite && outlier(d, gradNorm);
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
      LossTrend.push(cfg, d, loss);
    }
    boolean applied = finite && !skipped;
    if (applied) {
      d.trainWork += b.size();
      probe.earn(d, b.size());
      if (probeEvery > 0) {
        if (!d.probeRunning && probe.due(d, step, probeEvery)) {
          probe.start(d, params, step);
        }
        if (d.probeRunning) {
          probe.advance(d);
        }
      }
    }
    if (!Double.isNaN(d.lambdaMax)) {
      d.lrLambdaMax = lr * d.lambdaMax;
    }
    boolean escapedSinceProbe = d.escapes > 0 && d.lastEscapeStep >= d.lastProbeStep;
    StateClassifier.Signals sig = signals;
    sig.finite = finite;
    sig.loss = loss;
    sig.gradNorm = gradNorm;
    sig.gradMeanBefore = meanBefore;
    sig.gradPeak = d.gradPeak;
    sig.snr = d.signalToNoise();
    sig.batches = d.batches;
    sig.trendKnown = d.lossCount >= cfg.lossWindow();
    sig.plateau = LossTrend.plateau(cfg, d);
    sig.lossChange = d.lossChange;
    sig.lossChangeSe = d.lossChangeSe;
    sig.layerRatio = d.layerRatio;
    sig.cosine = d.cosineMean;
    sig.lr = lr;
    sig.lambdaMax = d.lambdaMax;
    // After an escape the last probe's negative curvature describes the point we left: not evidence any more.
    sig.lambdaMin = escapedSinceProbe ? Double.NaN : d.lambdaMin;
    sig.condition = d.condition;
    TrainingState state = StateClassifier.state(cfg, sig);
    d.recordState(state, () -> StateClassifier.evidence(cfg, sig, state));
    if (cfg.escapeEnabled() && applied) {
      boolean small = StateClassifier.small(cfg, sig);
      escape.afterStep(d, params, b, step, small, StateClassifier.stalled(sig, small), !escapedSinceProbe);
    }
    d.batches++;
  }
}
