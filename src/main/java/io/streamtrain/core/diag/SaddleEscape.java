package io.streamtrain.core.diag;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.random.Xoshiro256;

/**
 * The saddle escape ({@code saddle_escape: {enabled: true}}), run after an applied step's classification, only while
 * a probe of the current parameters is known (none since the last escape otherwise) and only when that probe found
 * lambda_min clearly negative (below -negative_curvature x max(|lambda_max|, |lambda_min|)); a probe that found none
 * (a minimum, or a flat direction of a convex model) never moves the parameters. Two ways out:
 * <ul>
 *   <li>Along the eigenvector: every step whose gradient is within its noise checks the curvature along the probe's
 *       lowest Ritz vector v on its own batch (v^T H_batch v, one product paid from the budget when it can be).
 *       After {@code after_checks} consecutive clearly negative checks the parameters move by {@code step} along +v
 *       or -v, whichever gives the lower batch loss (to second order either lowers it by |lambda_min| step^2 / 2,
 *       Goodfellow et al. 8.2.3). A check that is not clearly negative ends the checks for this probe.
 *   <li>A seeded perturbation, when the checks did not confirm the probe's negative curvature on fresh batches (as at
 *       a degenerate saddle such as a zero-initialized network, whose hidden units are symmetric: its Hessian is zero
 *       there but for sampling noise, so the probe's negative eigenvalue is the reservoir's noise and the way down is
 *       of higher order) and the gradient has stayed within its noise with the loss not falling for {@code patience}
 *       steps: perturbed gradient descent (Jin, Ge, Netrapalli, Kakade and Jordan, "How to Escape Saddle Points
 *       Efficiently", 2017, Algorithm 2) adds xi drawn uniformly from the ball of radius perturbation x sqrt(n) (about
 *       {@code perturbation} per parameter), which breaks the symmetry; the following steps descend. The draw is
 *       seeded by the diagnostics seed, the model's seed and the step: the same run perturbs the same way, after a
 *       restore too.
 * </ul>
 * Either is a {@code saddle_escape} event with the batch loss before and after the move; its forward passes are
 * charged to the budget. One instance per model configuration and thread (scratch memory).
 */
final class SaddleEscape {
  private final DiagnosticsConfig cfg;
  private final Model model;
  private final int n;
  private final CurvatureProbe budget;
  private double[] trial;
  private double[] hv;

  SaddleEscape(DiagnosticsConfig cfg, Model model, CurvatureProbe budget) {
    this.cfg = cfg;
    this.model = model;
    this.n = model.numParams();
    this.budget = budget;
  }

  /**
   * After the classification of applied step {@code step}: {@code small} says the gradient is within its noise,
   * {@code stalled} that besides the loss is not falling significantly; {@code probeCurrent} that the last
   * probe describes these parameters (no escape since it started).
   */
  void afterStep(DiagState d, double[] params, Batch b, long step, boolean small, boolean stalled,
      boolean probeCurrent) {
    d.stalledSteps = stalled ? d.stalledSteps + 1 : 0;
    if (!probeCurrent || d.minVector == null || !clearlyNegative(d.lambdaMin, d)) {
      d.saddleStreak = 0;
      return;
    }
    if (d.cancelledProbeStep != d.lastProbeStep) {
      check(d, params, b, step, small);
    } else if (d.stalledSteps >= cfg.escapePatience()) {
      perturb(d, params, b, step);
    }
  }

  /** Below -negative_curvature x max(|lambda_max|, |lambda_min|) of the last probe. */
  private boolean clearlyNegative(double curvature, DiagState d) {
    double scale = Math.max(Math.abs(d.lambdaMax), Math.abs(d.lambdaMin));
    return curvature < 0 && curvature < -cfg.negativeCurvature() * scale;
  }

  /** One curvature check along the probe's eigenvector on this batch; enough in a row and the escape step. */
  private void check(DiagState d, double[] params, Batch b, long step, boolean small) {
    if (!small) {
      d.saddleStreak = 0;
      return;
    }
    if (!budget.spend(d, 2L * b.size())) {
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
      alongEigenvector(d, params, b, step);
    }
  }

  private void alongEigenvector(DiagState d, double[] params, Batch b, long step) {
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
    budget.charge(d, 3L * b.size()); // three forward passes
    double sign = plus <= minus || Double.isNaN(minus) ? 1.0 : -1.0;
    for (int i = 0; i < n; i++) {
      params[i] += sign * h * v[i];
    }
    escaped(d, step, base, sign > 0 ? plus : minus);
    d.events.add(new DiagEvent("saddle_escape", step, "lambda_min " + StateClassifier.f(d.lambdaMin)
        + " (probe at step " + d.lastProbeStep + ") confirmed by " + cfg.escapeAfterChecks()
        + " consecutive curvature checks (latest " + StateClassifier.f(d.curvatureCheck)
        + ") with the gradient within its noise: stepped " + StateClassifier.f(h)
        + " along its eigenvector; batch loss " + StateClassifier.f(base) + " -> "
        + StateClassifier.f(d.escapeLossAfter)));
  }

  private void perturb(DiagState d, double[] params, Batch b, long step) {
    if (trial == null) {
      trial = new double[n];
    }
    Xoshiro256 rng = new Xoshiro256(Xoshiro256.splitMix(cfg.seed()
        ^ Xoshiro256.splitMix(model.spec().seed() ^ Xoshiro256.splitMix(step))));
    // Uniform in the ball of radius r: a Gaussian direction, length r U^(1/n).
    double ss = 0;
    for (int i = 0; i < n; i++) {
      trial[i] = rng.nextGaussian();
      ss += trial[i] * trial[i];
    }
    double radius = cfg.escapePerturbation() * Math.sqrt(n) * Math.pow(rng.nextDouble(), 1.0 / n);
    double scale = ss > 0 ? radius / Math.sqrt(ss) : 0.0;
    double base = model.loss(params, b);
    for (int i = 0; i < n; i++) {
      params[i] += scale * trial[i];
    }
    double after = model.loss(params, b);
    budget.charge(d, 2L * b.size()); // two forward passes
    long stalled = d.stalledSteps;
    d.perturbations++;
    escaped(d, step, base, after);
    d.events.add(new DiagEvent("saddle_escape", step, "gradient within its noise and the loss not falling for "
        + stalled + " steps; lambda_min " + StateClassifier.f(d.lambdaMin) + " (probe at step " + d.lastProbeStep
        + ") not confirmed along its eigenvector (curvature check " + StateClassifier.f(d.curvatureCheck)
        + "): seeded perturbation of norm " + StateClassifier.f(radius) + " (perturbed gradient descent)"
        + "; batch loss " + StateClassifier.f(base) + " -> " + StateClassifier.f(after)));
  }

  private static void escaped(DiagState d, long step, double before, double after) {
    d.escapes++;
    d.lastEscapeStep = step;
    d.saddleStreak = 0;
    d.stalledSteps = 0;
    d.escapeLossBefore = before;
    d.escapeLossAfter = after;
  }
}
