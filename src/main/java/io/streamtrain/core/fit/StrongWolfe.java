package io.streamtrain.core.fit;

/**
 * torch.optim.LBFGS's line search ({@code _strong_wolfe} with {@code _cubic_interpolate}, torch 1.13, themselves
 * ported from the Lua torch/optim lswolfe.lua and polyinterp.lua): a bracketing phase that extrapolates with
 * safeguarded cubic interpolation, then a zoom phase that shrinks the bracket until the strong Wolfe conditions
 * {@code f(x + t d) <= f + c1 t g'd} and {@code |g(x + t d)'d| <= -c2 g'd} hold (Nocedal and Wright, Numerical
 * Optimization, algorithms 3.5 and 3.6), with torch's constants c1 = 1e-4, c2 = 0.9, at most 25 evaluations
 * counted as torch counts them, and its insufficient-progress rule. Every branch follows torch's order so the
 * same evaluations happen at the same points. Scratch is allocated once per dimension.
 */
final class StrongWolfe {
  static final double C1 = 1e-4;
  static final double C2 = 0.9;
  static final int MAX_LS = 25;

  private final double[] trial;
  private final double[] g0;
  private final double[] gNew;
  private final double[] gPrev;
  private final double[][] bg;
  private final double[] bt = new double[2];
  private final double[] bf = new double[2];
  private final double[] bgtd = new double[2];

  /** The result of the last {@link #search}: the step, its value and the evaluations it spent. */
  double t;
  double f;
  int evals;

  private final double c2;

  StrongWolfe(int n) {
    this(n, C2);
  }

  /** With another curvature constant c2 (nonlinear CG needs c2 < 1/2 for Fletcher-Reeves to descend). */
  StrongWolfe(int n, double c2) {
    this.c2 = c2;
    trial = new double[n];
    g0 = new double[n];
    gNew = new double[n];
    gPrev = new double[n];
    bg = new double[][] {new double[n], new double[n]};
  }

  private double eval(Objective obj, double[] x, double step, double[] d) {
    Vectors.along(x, step, d, trial);
    return obj.valueAndGradient(trial, gNew);
  }

  private void setBracket(int k, double tk, double fk, double[] gk, double gtdk) {
    bt[k] = tk;
    bf[k] = fk;
    System.arraycopy(gk, 0, bg[k], 0, gk.length);
    bgtd[k] = gtdk;
  }

  /**
   * Searches along {@code d} from {@code x} (value {@code f0}, gradient {@code g}, directional derivative
   * {@code gtd < 0}) starting at step {@code t0}; neither {@code x} nor {@code d} is modified. Sets
   * {@link #t}, {@link #f}, {@link #evals} and writes the gradient at the chosen point into {@code gOut}
   * (which may be {@code g}).
   */
  void search(Objective obj, double[] x, double t0, double[] d, double f0, double[] g, double gtd,
      double toleranceChange, double[] gOut) {
    double dNorm = Vectors.maxAbs(d);
    System.arraycopy(g, 0, g0, 0, g.length);
    double step = t0;
    double fNew = eval(obj, x, step, d);
    int n = 1;
    double gtdNew = Vectors.dot(gNew, d);

    double tPrev = 0;
    double fPrev = f0;
    System.arraycopy(g0, 0, gPrev, 0, g0.length);
    double gtdPrev = gtd;
    boolean done = false;
    boolean single = false;
    int lsIter = 0;
    while (lsIter < MAX_LS) {
      if (fNew > f0 + C1 * step * gtd || (lsIter > 1 && fNew >= fPrev)) {
        setBracket(0, tPrev, fPrev, gPrev, gtdPrev);
        setBracket(1, step, fNew, gNew, gtdNew);
        break;
      }
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        setBracket(0, step, fNew, gNew, gtdNew);
        single = true;
        done = true;
        break;
      }
      if (gtdNew >= 0) {
        setBracket(0, tPrev, fPrev, gPrev, gtdPrev);
        setBracket(1, step, fNew, gNew, gtdNew);
        break;
      }
      double minStep = step + 0.01 * (step - tPrev);
      double maxStep = step * 10;
      double tmp = step;
      step = cubicInterpolate(tPrev, fPrev, gtdPrev, step, fNew, gtdNew, minStep, maxStep);
      tPrev = tmp;
      fPrev = fNew;
      System.arraycopy(gNew, 0, gPrev, 0, gNew.length);
      gtdPrev = gtdNew;
      fNew = eval(obj, x, step, d);
      n++;
      gtdNew = Vectors.dot(gNew, d);
      lsIter++;
    }
    if (lsIter == MAX_LS) {
      // torch leaves the bracket's directional derivatives unset here; the zoom loop below does not run.
      setBracket(0, 0, f0, g0, Double.NaN);
      setBracket(1, step, fNew, gNew, gtdNew);
    }

    boolean insufProgress = false;
    int low = single || bf[0] <= bf[1] ? 0 : 1;
    int high = 1 - low;
    while (!done && lsIter < MAX_LS) {
      if (Math.abs(bt[1] - bt[0]) * dNorm < toleranceChange) {
        break;
      }
      step = cubicInterpolate(bt[0], bf[0], bgtd[0], bt[1], bf[1], bgtd[1]);
      double bMax = Math.max(bt[0], bt[1]);
      double bMin = Math.min(bt[0], bt[1]);
      double eps = 0.1 * (bMax - bMin);
      if (Math.min(bMax - step, step - bMin) < eps) {
        if (insufProgress || step >= bMax || step <= bMin) {
          step = Math.abs(step - bMax) < Math.abs(step - bMin) ? bMax - eps : bMin + eps;
          insufProgress = false;
        } else {
          insufProgress = true;
        }
      } else {
        insufProgress = false;
      }
      fNew = eval(obj, x, step, d);
      n++;
      gtdNew = Vectors.dot(gNew, d);
      lsIter++;
      if (fNew > f0 + C1 * step * gtd || fNew >= bf[low]) {
        setBracket(high, step, fNew, gNew, gtdNew);
        low = bf[0] <= bf[1] ? 0 : 1;
        high = 1 - low;
      } else {
        if (Math.abs(gtdNew) <= -c2 * gtd) {
          done = true;
        } else if (gtdNew * (bt[high] - bt[low]) >= 0) {
          setBracket(high, bt[low], bf[low], bg[low], bgtd[low]);
        }
        setBracket(low, step, fNew, gNew, gtdNew);
      }
    }
    t = bt[low];
    f = bf[low];
    evals = n;
    System.arraycopy(bg[low], 0, gOut, 0, gOut.length);
  }

  /** {@link #cubicInterpolate(double, double, double, double, double, double, double, double)} within [x1, x2]. */
  static double cubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2) {
    return x1 <= x2 ? cubicInterpolate(x1, f1, g1, x2, f2, g2, x1, x2)
        : cubicInterpolate(x1, f1, g1, x2, f2, g2, x2, x1);
  }

  /**
   * The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clamped to [lo, hi]; the
   * midpoint of the bounds when the cubic has no real minimizer (torch's {@code _cubic_interpolate}).
   */
  static double cubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2,
      double lo, double hi) {
    double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
    double d2Square = d1 * d1 - g1 * g2;
    if (d2Square >= 0) {
      double d2 = Math.sqrt(d2Square);
      double minPos = x1 <= x2
          ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
          : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
      return Math.min(Math.max(minPos, lo), hi);
    }
    return (lo + hi) / 2.0;
  }
}
