package io.streamtrain.core.diag;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.random.Xoshiro256;

/**
 * The curvature probes of one model configuration and their work budget (see {@link Diagnostician} for the
 * method): when a probe may start, its Lanczos steps as the credit earned by training steps pays for them, its
 * figures when it ends, and the accounts of the budget the noise estimates and the saddle escape
 * ({@link SaddleEscape}) are paid from. All per-model state lives in
 * {@link DiagState}; this class holds only the configuration and scratch memory.
 */
final class CurvatureProbe {
  private final DiagnosticsConfig cfg;
  private final Model model;
  private final int n;
  private final int batchCapacity;
  /** One probe's cost in work units when its reservoir is full: 2 x reservoir x Lanczos steps. */
  private final long probeCost;

  CurvatureProbe(DiagnosticsConfig cfg, Model model, int batchCapacity) {
    this.cfg = cfg;
    this.model = model;
    this.n = model.numParams();
    this.batchCapacity = batchCapacity;
    this.probeCost = 2L * cfg.reservoir() * Math.min(cfg.lanczosSteps(), n);
  }

  /** Budget credit for a training step of {@code samples}: budget_share / (1 - budget_share) of its work. */
  void earn(DiagState d, int samples) {
    double share = cfg.budgetShare();
    if (share >= 1.0) {
      return;
    }
    double cap = probeCost + 2.0 * batchCapacity;
    d.probeCredit = Math.min(cap, d.probeCredit + share / (1 - share) * samples);
  }

  /** Whether the budget pays for {@code cost} now (and then takes it). */
  boolean spend(DiagState d, long cost) {
    if (cfg.budgetShare() >= 1.0) {
      d.probeWork += cost;
      return true;
    }
    if (d.probeCredit < cost) {
      return false;
    }
    d.probeCredit -= cost;
    d.probeWork += cost;
    return true;
  }

  /**
   * Work that cannot wait for credit (the noise estimates, due at fixed batches; an escape's forward passes): taken
   * even when it overdraws the credit, which later steps pay back, so the share still follows the budget.
   */
  void charge(DiagState d, long cost) {
    d.probeWork += cost;
    if (cfg.budgetShare() < 1.0) {
      d.probeCredit -= cost;
    }
  }

  /** A probe may start: after the warm-up, probe_every steps after the previous start, with a full reservoir. */
  boolean due(DiagState d, long step, int probeEvery) {
    return step >= cfg.probeWarmup() && d.reservoirSize == cfg.reservoir()
        && (d.probeStartStep < 0 || step - d.probeStartStep >= probeEvery);
  }

  /** Freezes the parameters and the reservoir for the probe, begins its iteration and opens a new window. */
  void start(DiagState d, double[] params, long step) {
    if (d.probeParams == null || d.probeParams.length != n) {
      d.probeParams = new double[n];
    }
    System.arraycopy(params, 0, d.probeParams, 0, n);
    if (d.probeBatch == null || d.probeBatch.capacity() != cfg.reservoir()) {
      d.probeBatch = new Batch(model.featureSpace(), cfg.reservoir());
    }
    d.probeBatch.clear();
    for (int i = 0; i < d.reservoirSize; i++) {
      d.probeBatch.addRowFrom(d.reservoir[i], 0);
    }
    int steps = Math.min(cfg.lanczosSteps(), n);
    if (d.lanczos == null || d.lanczos.maxSteps() != steps) {
      d.lanczos = new Lanczos(n, steps);
    }
    d.lanczos.begin(steps, Xoshiro256.splitMix(cfg.seed() ^ step));
    d.probeRunning = true;
    d.probeStartStep = step;
    // A new window: the next probe looks at the samples after this one started.
    d.reservoirSize = 0;
    d.windowSamples = 0;
    d.reservoirRng.reseed(Diagnostician.windowSeed(cfg, d));
  }

  /** Lanczos steps while the budget pays for them; the figures when the iteration finishes. */
  void advance(DiagState d) {
    long cost = 2L * d.probeBatch.size();
    LinearOperator op = (v, out) -> model.hessianVectorProduct(d.probeParams, d.probeBatch, v, out);
    while (!d.lanczos.done() && spend(d, cost)) {
      d.lanczos.iterate(op);
    }
    if (!d.lanczos.done()) {
      return;
    }
    Lanczos.Result r = d.lanczos.result(cfg.eigenpairs());
    d.lambdaMax = r.largest()[0];
    d.lambdaMax2 = r.largest().length > 1 ? r.largest()[1] : Double.NaN;
    d.lambdaMin = r.smallest()[0];
    d.lambdaMin2 = r.smallest().length > 1 ? r.smallest()[1] : Double.NaN;
    d.condition = r.condition();
    d.minVector = r.smallestVectors()[0];
    d.probes++;
    d.lastProbeStep = d.probeStartStep;
    d.probeSamples = d.probeBatch.size();
    d.probeProducts = r.steps();
    d.probeRunning = false;
    d.saddleStreak = 0;
  }
}
