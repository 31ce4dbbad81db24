package io.streamtrain.core.fit;

/**
 * torch.optim.LBFGS, step for step (torch 1.13 {@code torch/optim/lbfgs.py}, itself after Schmidt's minFunc):
 * each {@link #step} evaluates the objective, then runs up to {@code max_iter} iterations of the two-loop
 * recursion (Nocedal and Wright, Numerical Optimization, algorithm 7.4) on the last {@code history_size} curvature
 * pairs (s, y) with {@code y's > 1e-10}, initial inverse-Hessian scale {@code y's / y'y}, a first step of
 * {@code min(1, 1/|g|_1) * lr} on the very first iteration and {@code lr} afterwards, either fixed or refined by
 * {@link StrongWolfe}; and stops where torch stops (first-order optimality {@code max|g| <= tolerance_grad},
 * {@code g'd > -tolerance_change}, {@code max_iter}, {@code max_eval}, a step or loss change below
 * {@code tolerance_change}). The state (direction, step, history, scale, previous gradient, iteration count)
 * carries over between calls as torch's optimizer state does, so a sequence of steps traces torch's trajectory.
 *
 * <p>In float64 the trajectories agree with torch's to rounding (torch's reductions sum in another order); the
 * fixture test bounds the relative difference by 1e-10. Memory: 2 x history_size + 8 vectors of the parameter
 * dimension, the history allocated as it fills; a step allocates nothing after that.
 */
public final class Lbfgs {
  private final LbfgsConfig cfg;
  private final int n;
  private final double[] flatGrad;
  private final double[] prevFlatGrad;
  private final double[] d;
  private final double[] xInit;
  private final double[] al;
  private final double[] ro;
  private final double[][] oldDirs;
  private final double[][] oldStps;
  private double[] yTmp;
  private double[] sTmp;
  private final StrongWolfe wolfe;
  private int histStart;
  private int histLen;
  private double t;
  private double hDiag = 1;
  private long totalIter;
  private long funcEvals;
  private double lastLoss = Double.NaN;
  private IterationListener listener;

  /**
   * Told after every iteration of {@link #step}: the objective and gradient at the new point (the fixed-step
   * method's last iteration of a step has not evaluated them; it reports the previous ones), the step length
   * {@code |t| ||d||} and the secant curvature {@code y's / s's} of that step.
   */
  @FunctionalInterface
  public interface IterationListener {
    void iteration(double loss, double[] grad, double stepNorm, double curvature);
  }

  public Lbfgs(LbfgsConfig cfg, int n) {
    this.cfg = cfg;
    this.n = n;
    flatGrad = new double[n];
    prevFlatGrad = new double[n];
    d = new double[n];
    xInit = new double[n];
    al = new double[cfg.historySize()];
    ro = new double[cfg.historySize()];
    oldDirs = new double[cfg.historySize()][];
    oldStps = new double[cfg.historySize()][];
    yTmp = new double[n];
    sTmp = new double[n];
    wolfe = cfg.strongWolfe() ? new StrongWolfe(n) : null;
  }

  /** Sets (or with null removes) the per-iteration listener; it does not change the trajectory. */
  public void setListener(IterationListener l) {
    this.listener = l;
  }

  public LbfgsConfig config() {
    return cfg;
  }

  /** Iterations over all steps so far (torch's {@code state['n_iter']}). */
  public long iterations() {
    return totalIter;
  }

  /** Objective evaluations over all steps so far (torch's {@code state['func_evals']}). */
  public long functionEvaluations() {
    return funcEvals;
  }

  /** The objective at the current parameters as the last step knew it (after its last evaluation). */
  public double lastLoss() {
    return lastLoss;
  }

  /** The gradient matching {@link #lastLoss()} (read-only view of internal state). */
  public double[] lastGradient() {
    return flatGrad;
  }

  /** The curvature pairs held now (at most history_size). */
  public int historyLength() {
    return histLen;
  }

  /** The current inverse-Hessian scale y's / y'y (1 before the first accepted pair). */
  public double inverseHessianScale() {
    return hDiag;
  }

  /**
   * One {@code optimizer.step(closure)}: updates {@code params} in place and returns the objective at the
   * parameters it started from (torch returns {@code orig_loss}).
   */
  public double step(double[] params, Objective obj) {
    double origLoss = obj.valueAndGradient(params, flatGrad);
    double loss = origLoss;
    lastLoss = loss;
    int currentEvals = 1;
    funcEvals++;
    boolean optCond = Vectors.maxAbs(flatGrad) <= cfg.toleranceGrad();
    if (optCond) {
      return origLoss;
    }
    int nIter = 0;
    while (nIter < cfg.maxIter()) {
      nIter++;
      totalIter++;
      if (totalIter == 1) {
        for (int i = 0; i < n; i++) {
          d[i] = -flatGrad[i];
        }
        histLen = 0;
        hDiag = 1;
      } else {
        direction();
      }
      System.arraycopy(flatGrad, 0, prevFlatGrad, 0, n);
      double prevLoss = loss;

      t = totalIter == 1 ? Math.min(1.0, 1.0 / Vectors.sumAbs(flatGrad)) * cfg.lr() : cfg.lr();
      double gtd = Vectors.dot(flatGrad, d);
      if (gtd > -cfg.toleranceChange()) {
        break;
      }
      int lsEvals = 0;
      if (wolfe != null) {
        System.arraycopy(params, 0, xInit, 0, n);
        wolfe.search(obj, xInit, t, d, loss, flatGrad, gtd, cfg.toleranceChange(), flatGrad);
        loss = wolfe.f;
        t = wolfe.t;
        lsEvals = wolfe.evals;
        Vectors.axpy(t, d, params);
        optCond = Vectors.maxAbs(flatGrad) <= cfg.toleranceGrad();
      } else {
        Vectors.axpy(t, d, params);
        if (nIter != cfg.maxIter()) {
          loss = obj.valueAndGradient(params, flatGrad);
          optCond = Vectors.maxAbs(flatGrad) <= cfg.toleranceGrad();
          lsEvals = 1;
        }
      }
      lastLoss = loss;
      if (listener != null) {
        report(loss);
      }
      currentEvals += lsEvals;
      funcEvals += lsEvals;

      if (nIter == cfg.maxIter() || currentEvals >= cfg.maxEval() || optCond) {
        break;
      }
      if (maxAbsScaled(d, t) <= cfg.toleranceChange()) {
        break;
      }
      if (Math.abs(loss - prevLoss) < cfg.toleranceChange()) {
        break;
      }
    }
    return origLoss;
  }

  private void report(double loss) {
    double ys = 0;
    double ss = 0;
    for (int i = 0; i < n; i++) {
      double si = d[i] * t;
      ys += (flatGrad[i] - prevFlatGrad[i]) * si;
      ss += si * si;
    }
    listener.iteration(loss, flatGrad, Math.sqrt(ss), ys / ss);
  }

  private static double maxAbsScaled(double[] v, double s) {
    double m = 0;
    for (double x : v) {
      double a = Math.abs(x * s);
      if (a > m || Double.isNaN(a)) {
        m = a;
      }
    }
    return m;
  }

  /** Updates the history with the last step's pair and sets d to minus the two-loop product with the gradient. */
  private void direction() {
    double ys = 0;
    for (int i = 0; i < n; i++) {
      yTmp[i] = flatGrad[i] - prevFlatGrad[i];
      sTmp[i] = d[i] * t;
    }
    ys = Vectors.dot(yTmp, sTmp);
    if (ys > 1e-10) {
      int h = cfg.historySize();
      if (histLen == h) {
        histStart = (histStart + 1) % h;
        histLen--;
      }
      int slot = (histStart + histLen) % h;
      double[] freeY = oldDirs[slot];
      double[] freeS = oldStps[slot];
      oldDirs[slot] = yTmp;
      oldStps[slot] = sTmp;
      ro[slot] = 1.0 / ys;
      histLen++;
      yTmp = freeY != null ? freeY : new double[n];
      sTmp = freeS != null ? freeS : new double[n];
      hDiag = ys / Vectors.dot(oldDirs[slot], oldDirs[slot]);
    }
    int h = cfg.historySize();
    // q = -g, kept in d: torch's "one buffer" two-loop recursion.
    for (int i = 0; i < n; i++) {
      d[i] = -flatGrad[i];
    }
    for (int k = histLen - 1; k >= 0; k--) {
      int slot = (histStart + k) % h;
      al[k] = Vectors.dot(oldStps[slot], d) * ro[slot];
      Vectors.axpy(-al[k], oldDirs[slot], d);
    }
    for (int i = 0; i < n; i++) {
      d[i] *= hDiag;
    }
    for (int k = 0; k < histLen; k++) {
      int slot = (histStart + k) % h;
      double be = Vectors.dot(oldDirs[slot], d) * ro[slot];
      Vectors.axpy(al[k] - be, oldStps[slot], d);
    }
  }
}
