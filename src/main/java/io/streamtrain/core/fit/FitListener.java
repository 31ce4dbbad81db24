package io.streamtrain.core.fit;

/** Receives one report per iteration of a {@link Minimizer} (progress lines, tests, benchmarks). */
@FunctionalInterface
public interface FitListener {
  FitListener NONE = it -> { };

  void iteration(Iteration it);

  /**
   * One iteration's figures after its step: the objective and the max-norm and 2-norm of its gradient, the step
   * length, the curvature the method found along its directions ({@code curvature}: Newton-CG the smallest
   * Rayleigh quotient d'Hd / d'd of its CG directions, L-BFGS and nonlinear CG the secant curvature y's / s's of
   * the step; NaN when none was measured), what happened ({@code note}: e.g. "negative curvature", "restart"), and
   * the work so far in objective calls (passes over the data for a {@link ModelObjective}).
   */
  record Iteration(
      int iteration,
      double loss,
      double gradMaxAbs,
      double gradNorm,
      double stepNorm,
      double curvature,
      String note,
      long passes) {}
}
