package io.streamtrain.core.fit;

import io.streamtrain.core.diag.Lanczos;

/**
 * Hessian-free Newton: a trust-region method whose steps come from truncated conjugate gradient on exact
 * Hessian-vector products (Steihaug-Toint CG, Nocedal and Wright, Numerical Optimization, 2nd ed., algorithm 7.2,
 * inside the trust-region framework of algorithm 4.1). CG on {@code H p = -g} stops at the forcing tolerance
 * {@code ||r|| <= min(0.5, sqrt(||g||)) ||g||} (superlinear convergence, N&amp;W 7.1), at the trust-region
 * boundary, or when a direction d has {@code d'Hd <= 0}: then the step follows that negative-curvature direction
 * to the boundary, which is what moves the iterate off a saddle where plain Newton (solving H p = -g) is attracted
 * to it. The radius follows the ratio of actual to predicted reduction (shrink to ||p|| / 4 below 1/4, double at
 * the boundary above 3/4; accept above {@code eta}).
 *
 * <p>Where the gradient test passes, a second-order check runs {@code lanczos_steps} Lanczos steps on the Hessian
 * (the diagnostics' {@link Lanczos}): if the smallest Ritz value is below {@code -negative_curvature} times the
 * largest magnitude, the point is a saddle, and the method steps the radius along the Ritz vector (the sign with
 * the lower objective) instead of stopping. Scratch: 7 vectors plus the Lanczos basis when checking.
 */
public final class NewtonCg implements Minimizer {
  /**
   * @param toleranceGrad stop when the gradient's max-norm is at most this
   * @param maxIter outer (Newton) iterations
   * @param maxCg CG iterations per Newton step
   * @param initialRadius first trust-region radius
   * @param maxRadius largest radius
   * @param eta smallest reduction ratio that accepts a step
   * @param lanczosSteps steps of the saddle check at a first-order point; 0 turns it off
   * @param negativeCurvature relative threshold of that check
   */
  public record Config(double toleranceGrad, int maxIter, int maxCg, double initialRadius, double maxRadius,
      double eta, int lanczosSteps, double negativeCurvature) {
    public static Config defaults() {
      return new Config(1e-7, 100, 250, 1.0, 1e6, 1e-4, 20, 1e-6);
    }
  }

  private final Config cfg;

  public NewtonCg(Config cfg) {
    this.cfg = cfg;
  }

  @Override
  public String name() {
    return "newton_cg";
  }

  /** What the last CG solve ended on. */
  private enum Exit { CONVERGED, BOUNDARY, NEGATIVE_CURVATURE, MAX_CG }

  private double[] z;
  private double[] r;
  private double[] d;
  private double[] hd;
  private double[] p;
  private double[] trial;
  private double[] gTrial;
  private Exit exit;
  private double predicted;
  private double minRayleigh;
  private int cgIters;

  @Override
  public FitResult minimize(double[] x, Objective f0, FitListener listener) {
    CountingObjective f = f0 instanceof CountingObjective c ? c : new CountingObjective(f0);
    long passes0 = f.passes();
    int n = f.dimension();
    z = new double[n];
    r = new double[n];
    d = new double[n];
    hd = new double[n];
    p = new double[n];
    trial = new double[n];
    gTrial = new double[n];
    double[] g = new double[n];
    double fx = f.valueAndGradient(x, g);
    double radius = cfg.initialRadius();
    int it = 0;
    int saddleSteps = 0;
    String reason = "max_iter " + cfg.maxIter() + " reached";
    boolean converged = false;
    while (it < cfg.maxIter()) {
      double gmax = Vectors.maxAbs(g);
      String note;
      if (gmax <= cfg.toleranceGrad()) {
        double lambda = cfg.lanczosSteps() > 0 ? saddleDirection(x, f, n) : Double.NaN;
        if (!(lambda < 0)) {
          converged = true;
          reason = "gradient max-norm " + gmax + " <= tolerance_grad " + cfg.toleranceGrad()
              + (cfg.lanczosSteps() > 0 ? ", no negative curvature found (lambda_min " + minRayleigh + ")" : "");
          break;
        }
        // p = radius * v, the sign with the lower objective; predicted reduction from the quadratic model.
        for (int i = 0; i < n; i++) {
          trial[i] = x[i] + radius * p[i];
        }
        double plus = f.value(trial);
        for (int i = 0; i < n; i++) {
          trial[i] = x[i] - radius * p[i];
        }
        double minus = f.value(trial);
        double sign = plus <= minus ? 1 : -1;
        for (int i = 0; i < n; i++) {
          p[i] *= sign * radius;
        }
        predicted = -(Vectors.dot(g, p) + 0.5 * lambda * radius * radius);
        minRayleigh = lambda;
        exit = Exit.NEGATIVE_CURVATURE;
        cgIters = 0;
        saddleSteps++;
        note = "saddle: lambda_min " + lambda + ", step along its eigenvector";
      } else {
        steihaug(x, g, f, radius, n);
        note = exit == Exit.NEGATIVE_CURVATURE ? "negative curvature" : exit.name().toLowerCase().replace('_', ' ');
        note += ", cg " + cgIters;
      }
      Vectors.along(x, 1.0, p, trial);
      double fNew = f.valueAndGradient(trial, gTrial);
      double pNorm = Vectors.norm(p);
      double rho = (fx - fNew) / predicted;
      it++;
      if (!(rho >= 0.25)) {
        radius = 0.25 * pNorm;
      } else if (rho > 0.75 && pNorm >= 0.999 * radius) {
        radius = Math.min(2 * radius, cfg.maxRadius());
      }
      boolean accept = rho > cfg.eta();
      if (accept) {
        System.arraycopy(trial, 0, x, 0, n);
        System.arraycopy(gTrial, 0, g, 0, n);
        fx = fNew;
      } else {
        note += ", rejected (ratio " + rho + ")";
      }
      listener.iteration(new FitListener.Iteration(it, fx, Vectors.maxAbs(g), Vectors.norm(g),
          accept ? pNorm : 0.0, minRayleigh, note, f.passes() - passes0));
      if (radius < 1e-14 * Math.max(1.0, Vectors.norm(x))) {
        reason = "no progress: trust radius " + radius + " below rounding";
        break;
      }
    }
    return new FitResult(converged, reason + (saddleSteps > 0 ? " (" + saddleSteps + " saddle steps)" : ""), it, fx,
        Vectors.maxAbs(g), f.passes() - passes0);
  }

  /**
   * The Lanczos check at a first-order point: returns the smallest Ritz value and leaves its unit vector in p
   * when it is clearly negative; NaN otherwise. minRayleigh gets the smallest Ritz value.
   */
  private double saddleDirection(double[] x, Objective f, int n) {
    Lanczos lz = new Lanczos(n, cfg.lanczosSteps());
    Lanczos.Result res = lz.run((v, out) -> f.hessianVector(x, v, out), cfg.lanczosSteps(), 1L, 1);
    double lmin = res.lambdaMin();
    double scale = Math.max(Math.abs(res.lambdaMax()), Math.abs(lmin));
    minRayleigh = lmin;
    if (lmin < -cfg.negativeCurvature() * scale) {
      double[] v = res.smallestVectors()[0];
      double nv = Vectors.norm(v);
      for (int i = 0; i < n; i++) {
        p[i] = v[i] / nv;
      }
      return lmin;
    }
    return Double.NaN;
  }

  /** Steihaug-Toint CG for min_p g'p + p'Hp/2 within ||p|| <= radius; sets p, exit, predicted, minRayleigh. */
  private void steihaug(double[] x, double[] g, Objective f, double radius, int n) {
    java.util.Arrays.fill(z, 0.0);
    System.arraycopy(g, 0, r, 0, n);
    for (int i = 0; i < n; i++) {
      d[i] = -g[i];
    }
    double gNorm = Vectors.norm(g);
    double eps = Math.min(0.5, Math.sqrt(gNorm)) * gNorm;
    double rr = Vectors.dot(r, r);
    double model = 0; // m(z) - m(0) = g'z + z'Hz/2, tracked through the iteration
    minRayleigh = Double.POSITIVE_INFINITY;
    exit = Exit.MAX_CG;
    cgIters = 0;
    for (int j = 0; j < cfg.maxCg(); j++) {
      cgIters++;
      f.hessianVector(x, d, hd);
      double dHd = Vectors.dot(d, hd);
      double dd = Vectors.dot(d, d);
      minRayleigh = Math.min(minRayleigh, dHd / dd);
      if (dHd <= 0) {
        double tau = toBoundary(z, d, radius);
        model += tau * Vectors.dot(r, d) + 0.5 * tau * tau * dHd;
        Vectors.along(z, tau, d, p);
        exit = Exit.NEGATIVE_CURVATURE;
        predicted = -model;
        return;
      }
      double alpha = rr / dHd;
      double zNext2 = 0;
      for (int i = 0; i < n; i++) {
        double zi = z[i] + alpha * d[i];
        zNext2 += zi * zi;
      }
      if (Math.sqrt(zNext2) >= radius) {
        double tau = toBoundary(z, d, radius);
        model += tau * Vectors.dot(r, d) + 0.5 * tau * tau * dHd;
        Vectors.along(z, tau, d, p);
        exit = Exit.BOUNDARY;
        predicted = -model;
        return;
      }
      // Along d from z: m changes by alpha r'd + alpha^2 d'Hd / 2 = -alpha rr / 2 (r'd = -rr for CG directions).
      model += alpha * Vectors.dot(r, d) + 0.5 * alpha * alpha * dHd;
      Vectors.axpy(alpha, d, z);
      Vectors.axpy(alpha, hd, r);
      double rrNext = Vectors.dot(r, r);
      if (Math.sqrt(rrNext) < eps) {
        exit = Exit.CONVERGED;
        break;
      }
      double beta = rrNext / rr;
      rr = rrNext;
      for (int i = 0; i < n; i++) {
        d[i] = -r[i] + beta * d[i];
      }
    }
    System.arraycopy(z, 0, p, 0, n);
    predicted = -model;
  }

  /** The tau >= 0 with ||z + tau d|| = radius (z inside the region). */
  private static double toBoundary(double[] z, double[] d, double radius) {
    double a = Vectors.dot(d, d);
    double b = 2 * Vectors.dot(z, d);
    double c = Vectors.dot(z, z) - radius * radius;
    double disc = Math.sqrt(Math.max(0, b * b - 4 * a * c));
    // The positive root, in the form that avoids cancellation when b > 0.
    return b > 0 ? (-2 * c) / (b + disc) : (-b + disc) / (2 * a);
  }
}
