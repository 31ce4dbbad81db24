package io.streamtrain.core.fit;

/**
 * L-BFGS to a tolerance: one torch {@link Lbfgs} step with {@code max_iter} as the iteration limit, so the
 * iterates are exactly torch's ({@code optimizer.step(closure)} once with those settings). It stops where torch
 * stops; the result says which test ended it.
 */
public final class LbfgsMinimizer implements Minimizer {
  private final LbfgsConfig cfg;

  public LbfgsMinimizer(LbfgsConfig cfg) {
    this.cfg = cfg;
  }

  public LbfgsConfig config() {
    return cfg;
  }

  @Override
  public String name() {
    return "lbfgs";
  }

  @Override
  public FitResult minimize(double[] x, Objective f, FitListener listener) {
    CountingObjective counted = f instanceof CountingObjective c ? c : new CountingObjective(f);
    long passes0 = counted.passes();
    Lbfgs lbfgs = new Lbfgs(cfg, f.dimension());
    int[] iter = {0};
    lbfgs.setListener((loss, g, stepNorm, curvature) -> listener.iteration(new FitListener.Iteration(
        ++iter[0], loss, Vectors.maxAbs(g), Vectors.norm(g), stepNorm, curvature, "", counted.passes() - passes0)));
    lbfgs.step(x, counted);
    double gmax = Vectors.maxAbs(lbfgs.lastGradient());
    boolean converged = gmax <= cfg.toleranceGrad();
    String reason;
    if (converged) {
      reason = "gradient max-norm " + gmax + " <= tolerance_grad " + cfg.toleranceGrad();
    } else if (lbfgs.iterations() >= cfg.maxIter()) {
      reason = "max_iter " + cfg.maxIter() + " reached";
    } else if (lbfgs.functionEvaluations() >= cfg.maxEval()) {
      reason = "max_eval " + cfg.maxEval() + " reached";
    } else {
      reason = "no progress: step or loss change below tolerance_change " + cfg.toleranceChange();
    }
    return new FitResult(converged, reason, (int) lbfgs.iterations(), lbfgs.lastLoss(), gmax,
        counted.passes() - passes0);
  }
}
