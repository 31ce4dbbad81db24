package io.streamtrain.core.fit;

/**
 * Nonlinear conjugate gradient (Nocedal and Wright, Numerical Optimization, 2nd ed., section 5.2):
 * {@code d = -g + beta d_prev} with Fletcher-Reeves {@code beta = g'g / g_prev'g_prev} or Polak-Ribiere+
 * {@code beta = max(0, g'(g - g_prev) / g_prev'g_prev)} (5.45), and restarts to steepest descent every
 * {@code restart} iterations (default: the dimension), when consecutive gradients are far from orthogonal
 * ({@code |g'g_prev| >= 0.2 g'g}, Powell's test 5.52), or when d is not a descent direction. Steps come from
 * torch's strong Wolfe line search ({@link StrongWolfe}) with {@code c2 = 0.1} (below 1/2, which Fletcher-Reeves
 * needs to guarantee descent, lemma 5.6); the first trial step is {@code min(1, 1/|g|_1)} on the first iteration
 * and {@code 2 (f - f_prev) / g'd} (N&amp;W 3.60) after, capped at 1 for a steepest-descent restart and positive.
 */
public final class NonlinearCg implements Minimizer {
  /** The beta formula. */
  public enum Beta { FLETCHER_REEVES, POLAK_RIBIERE }

  /**
   * @param restart iterations between forced restarts; 0 means the dimension
   */
  public record Config(Beta beta, double toleranceGrad, double toleranceChange, int maxIter, int restart, double c2) {
    public static Config defaults(Beta beta) {
      return new Config(beta, 1e-7, 1e-12, 1000, 0, 0.1);
    }
  }

  private final Config cfg;

  public NonlinearCg(Config cfg) {
    this.cfg = cfg;
  }

  @Override
  public String name() {
    return cfg.beta() == Beta.FLETCHER_REEVES ? "cg_fr" : "cg_pr";
  }

  @Override
  public FitResult minimize(double[] x, Objective f0, FitListener listener) {
    CountingObjective f = f0 instanceof CountingObjective c ? c : new CountingObjective(f0);
    long passes0 = f.passes();
    int n = f.dimension();
    int restartEvery = cfg.restart() > 0 ? cfg.restart() : n;
    StrongWolfe ls = new StrongWolfe(n, cfg.c2());
    double[] g = new double[n];
    double[] gPrev = new double[n];
    double[] d = new double[n];
    double[] xInit = new double[n];
    double fx = f.valueAndGradient(x, g);
    double fPrev = Double.NaN;
    int sinceRestart = 0;
    int it = 0;
    boolean converged = false;
    String reason = "max_iter " + cfg.maxIter() + " reached";
    while (true) {
      double gmax = Vectors.maxAbs(g);
      if (gmax <= cfg.toleranceGrad()) {
        converged = true;
        reason = "gradient max-norm " + gmax + " <= tolerance_grad " + cfg.toleranceGrad();
        break;
      }
      if (it >= cfg.maxIter()) {
        break;
      }
      String note = "";
      double gg = Vectors.dot(g, g);
      boolean restart = it == 0 || sinceRestart >= restartEvery;
      if (!restart) {
        double ggPrev = Vectors.dot(gPrev, gPrev);
        double ggCross = Vectors.dot(g, gPrev);
        if (Math.abs(ggCross) >= 0.2 * gg) {
          restart = true;
          note = "restart (Powell)";
        } else {
          double beta = cfg.beta() == Beta.FLETCHER_REEVES ? gg / ggPrev : Math.max(0, (gg - ggCross) / ggPrev);
          for (int i = 0; i < n; i++) {
            d[i] = -g[i] + beta * d[i];
          }
          if (Vectors.dot(g, d) >= 0) {
            restart = true;
            note = "restart (not a descent direction)";
          } else if (beta == 0) {
            note = "restart (PR+ beta 0)";
            sinceRestart = 0;
          }
        }
      } else if (it > 0) {
        note = "restart (every " + restartEvery + ")";
      }
      if (restart) {
        for (int i = 0; i < n; i++) {
          d[i] = -g[i];
        }
        sinceRestart = 0;
      }
      double gtd = Vectors.dot(g, d);
      double t0;
      if (it == 0) {
        t0 = Math.min(1.0, 1.0 / Vectors.sumAbs(g));
      } else {
        t0 = 2 * (fx - fPrev) / gtd;
        t0 = t0 > 0 && Double.isFinite(t0) ? t0 : 1.0;
        if (restart) {
          t0 = Math.min(1.0, t0 * 1.01);
        }
      }
      System.arraycopy(g, 0, gPrev, 0, n);
      System.arraycopy(x, 0, xInit, 0, n);
      ls.search(f, xInit, t0, d, fx, gPrev, gtd, cfg.toleranceChange(), g);
      double t = ls.t;
      Vectors.axpy(t, d, x);
      fPrev = fx;
      fx = ls.f;
      it++;
      sinceRestart++;
      double ys = 0;
      double ss = 0;
      for (int i = 0; i < n; i++) {
        double si = t * d[i];
        ys += (g[i] - gPrev[i]) * si;
        ss += si * si;
      }
      listener.iteration(new FitListener.Iteration(it, fx, Vectors.maxAbs(g), Vectors.norm(g), Math.sqrt(ss),
          ys / ss, note, f.passes() - passes0));
      if (ss == 0) {
        // The line search found no lower point along d: a steepest-descent restart next, or the end if this was one.
        if (restart) {
          reason = "no progress: the line search found no lower point along -g";
          break;
        }
        sinceRestart = restartEvery;
      }
    }
    return new FitResult(converged, reason, it, fx, Vectors.maxAbs(g), f.passes() - passes0);
  }
}
