package io.streamtrain.core.diag;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.random.Xoshiro256;

/**
 * The curvature probes of one model configuration and their work budget (see {@link Diagnostician} for the
 * method): when a probe may start, its Lanczos steps as the credit earned by training steps pays for them, its
 * figures when it ends, and the saddle escape's curvature checks and step. All per-model state lives in
 * {@link DiagState}; this class holds only the configuration and scratch memory.
 */
final class CurvatureProbe {
  private final DiagnosticsConfig cfg;
  private final Model model;
  private final int n;
  private final int batchCapacity;
  /** One probe's cost in work units when its reservoir is full: 2 x reservoir x Lanczos steps. */
  private final long probeCost;
  private double[] trial;
  private double[] hv;

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
  private boolean spend(DiagState d, long cost) {
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

  /** lambda_min clearly negative: below -negative_curvature x max(|lambda_max|, |lambda_min|). */
  private boolean clearlyNegative(double curvature, DiagState d) {
    double scale = Math.max(Math.abs(d.lambdaMax), Math.abs(d.lambdaMin));
    return curvature < 0 && curvature < -cfg.negativeCurvature() * scale;
  }

  /**
   * The saddle escape's trigger: with the probe's negative curvature known and the gradient within its noise,
   * the curvature along the probe's eigenvector on this batch (when the budget pays for the product); enough
   * consecutive negative checks and the escape step is taken.
   */
  void checkSaddle(DiagState d, double[] params, Batch b, long step, boolean small) {
    if (!clearlyNegative(d.lambdaMin, d) || !small || d.cancelledProbeStep == d.lastProbeStep) {
      d.saddleStreak = 0;
      return;
    }
    if (!spend(d, 2L * b.size())) {
      return;
    }
    if (hv == null) {
      hv = new double[n];
    }
    model.hessianVectorProduct(params, b, d.minVector, hv);
    d.curvatureCheck = Lanczos.dot(d.minVector, hv);
    if (clearlyNegative(d.curvatureCheck, d)) {
      d.saddleStreak++;
    } else {
      // The direction is not negative here: no more checks (and no budget) for this probe's vector.
      d.saddleStreak = 0;
      d.cancelledProbeStep = d.lastProbeStep;
    }
    if (d.saddleStreak >= cfg.escapeAfterChecks()) {
      escape(d, params, b, step);
    }
  }

  private void escape(DiagState d, double[] params, Batch b, long step) {
    if (trial == null) {
      trial = new double[n];
    }
    double h = cfg.escapeStep();
    double[] v = d.minVector;
    double base = model.loss(params, b);
    for (int i = 0; i < n; i++) {
      trial[i] = params[i] + h * v[i];
    }
    double plus = model.loss(trial, b);
    for (int i = 0; i < n; i++) {
      trial[i] = params[i] - h * v[i];
    }
    double minus = model.loss(trial, b);
    charge(d, 3L * b.size()); // three forward passes
    double sign = plus <= minus || Double.isNaN(minus) ? 1.0 : -1.0;
    for (int i = 0; i < n; i++) {
      params[i] += sign * h * v[i];
    }
    d.escapes++;
    d.lastEscapeStep = step;
    d.saddleStreak = 0;
    d.escapeLossBefore = base;
    d.escapeLossAfter = sign > 0 ? plus : minus;
    d.events.add(new DiagEvent("saddle_escape", step, "lambda_min " + StateClassifier.f(d.lambdaMin)
        + " (probe at step " + d.lastProbeStep + ") confirmed by " + cfg.escapeAfterChecks()
        + " consecutive curvature checks (latest " + StateClassifier.f(d.curvatureCheck)
        + ") with the gradient within its noise: stepped " + StateClassifier.f(h)
        + " along its eigenvector; batch loss " + StateClassifier.f(base) + " -> "
        + StateClassifier.f(d.escapeLossAfter)));
  }
}
