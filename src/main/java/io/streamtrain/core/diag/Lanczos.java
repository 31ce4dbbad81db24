package io.streamtrain.core.diag;

import io.streamtrain.core.random.Xoshiro256;
import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Extreme eigenpairs of a symmetric operator known only through matrix-vector products (here Hessian-vector
 * products), by the Lanczos iteration with full reorthogonalization (Golub and Van Loan, Matrix Computations,
 * 4th ed., algorithms 10.1.1 and section 10.3.1; Ghorbani, Krishnan and Xiao 2019 use it for neural-network
 * Hessians). m steps build an orthonormal Krylov basis Q and the tridiagonal T = Q^T A Q; the eigenvalues of T
 * (Ritz values, computed with EJML's symmetric eigensolver) approximate A's extreme eigenvalues first, and the
 * Ritz vectors Q s their eigenvectors, with residual ||A y - theta y|| = beta_m |s_m|. Full reorthogonalization
 * (applied twice, "twice is enough") keeps Q orthonormal in floating point, so no spurious copies of converged
 * eigenvalues appear. When the Krylov space becomes invariant (beta ~ 0) the iteration stops early: its Ritz
 * values are then exact eigenvalues. The instance owns the basis (m+1 vectors of length n) and reuses it.
 */
public final class Lanczos {
  private final int n;
  private final int maxSteps;
  private final double[][] q;
  private final double[] alpha;
  private final double[] beta;
  private final double[] w;
  private final Xoshiro256 rng = new Xoshiro256(0);

  /** The most steps one iteration can take (the constructor's, at most n). */
  public int maxSteps() {
    return maxSteps;
  }

  public Lanczos(int n, int maxSteps) {
    if (n < 1 || maxSteps < 1) {
      throw new IllegalArgumentException("need n >= 1 and maxSteps >= 1, got " + n + ", " + maxSteps);
    }
    this.n = n;
    this.maxSteps = Math.min(maxSteps, n);
    this.q = new double[this.maxSteps + 1][n];
    this.alpha = new double[this.maxSteps];
    this.beta = new double[this.maxSteps];
    this.w = new double[n];
  }

  /**
   * The result of one run: the {@code pairs} largest and smallest Ritz pairs (fewer when the space is smaller),
   * their residual norms, and {@code condition}, the spread over the positive part: lambda_max over the smallest
   * positive Ritz value (all Ritz values count, not only the reported pairs; values below 1e-9 max|theta| count
   * as zero), NaN when lambda_max is not positive.
   */
  public record Result(
      int steps,
      double[] largest,
      double[][] largestVectors,
      double[] largestResiduals,
      double[] smallest,
      double[][] smallestVectors,
      double[] smallestResiduals,
      double condition) {

    public double lambdaMax() {
      return largest[0];
    }

    public double lambdaMin() {
      return smallest[0];
    }
  }

  private double[] lastRitz = new double[0];

  /** All Ritz values of the last run, ascending. */
  public double[] ritzValues() {
    return lastRitz.clone();
  }

  /**
   * Runs up to {@code steps} Lanczos steps on {@code op} from a Gaussian start vector seeded by {@code seed}
   * and returns the {@code pairs} largest and smallest Ritz pairs.
   */
  public Result run(LinearOperator op, int steps, long seed, int pairs) {
    begin(steps, seed);
    while (!done()) {
      iterate(op);
    }
    return result(pairs);
  }

  // The iteration in progress (begin / iterate / result), so a probe can spread its matrix-vector products over
  // several training steps; everything here is written by write() and restored by read().
  private int m;
  private int k;
  private double anorm;
  private boolean finished = true;

  /** Starts an iteration of up to {@code steps} steps from a Gaussian start vector seeded by {@code seed}. */
  public void begin(int steps, long seed) {
    m = Math.min(steps, maxSteps);
    rng.reseed(seed);
    double[] q0 = q[0];
    for (int i = 0; i < n; i++) {
      q0[i] = rng.nextGaussian();
    }
    scale(q0, 1.0 / norm(q0));
    k = 0;
    anorm = 0;
    finished = false;
  }

  /** Whether the iteration begun last has finished (its step budget used or its Krylov space invariant). */
  public boolean done() {
    return finished;
  }

  /** Steps (matrix-vector products) done so far in the current iteration. */
  public int stepsDone() {
    return k;
  }

  /** One Lanczos step: one product with {@code op}, reorthogonalization, and the next basis vector. */
  public void iterate(LinearOperator op) {
    if (finished) {
      throw new IllegalStateException("no Lanczos iteration in progress");
    }
    int j = k;
    double[] qj = q[j];
    op.apply(qj, w);
    double a = dot(qj, w);
    alpha[j] = a;
    k = j + 1;
    // Two passes of classical Gram-Schmidt against the whole basis (this also removes the three-term
    // recurrence's alpha_j q_j and beta_{j-1} q_{j-1} components).
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 0; i <= j; i++) {
        axpy(-dot(q[i], w), q[i], w);
      }
    }
    double b = norm(w);
    beta[j] = b;
    anorm = Math.max(anorm, Math.abs(a) + b);
    if (j == m - 1) {
      finished = true;
      return;
    }
    if (b <= 1e-12 * Math.max(anorm, Double.MIN_NORMAL)) {
      // Invariant Krylov subspace: its Ritz values are exact eigenvalues.
      beta[j] = 0;
      finished = true;
      return;
    }
    double[] next = q[j + 1];
    for (int i = 0; i < n; i++) {
      next[i] = w[i] / b;
    }
  }

  /** The Ritz pairs of the finished iteration. */
  public Result result(int pairs) {
    if (!finished || k == 0) {
      throw new IllegalStateException("the Lanczos iteration has not finished");
    }
    return ritz(k, Math.min(pairs, k));
  }

  /** The iteration's state (step budget, steps done, norm estimate, coefficients and basis so far). */
  public void write(java.io.DataOutput out) throws java.io.IOException {
    out.writeBoolean(finished);
    out.writeInt(m);
    out.writeInt(k);
    out.writeDouble(anorm);
    for (int i = 0; i < k; i++) {
      out.writeDouble(alpha[i]);
      out.writeDouble(beta[i]);
    }
    int vectors = finished ? k : k + 1;
    for (int i = 0; i < vectors; i++) {
      io.streamtrain.core.optim.StateIo.writeValues(out, q[i]);
    }
  }

  /** Restores what {@link #write} wrote (an instance of the same size). */
  public void read(java.io.DataInput in) throws java.io.IOException {
    finished = in.readBoolean();
    m = in.readInt();
    k = in.readInt();
    if (m < 0 || m > maxSteps || k < 0 || k > m) {
      throw new java.io.IOException("Lanczos state with " + k + " of " + m + " steps; this probe allows "
          + maxSteps);
    }
    anorm = in.readDouble();
    for (int i = 0; i < k; i++) {
      alpha[i] = in.readDouble();
      beta[i] = in.readDouble();
    }
    int vectors = finished ? k : k + 1;
    for (int i = 0; i < vectors; i++) {
      io.streamtrain.core.optim.StateIo.readValues(in, q[i]);
    }
  }

  private Result ritz(int k, int pairs) {
    DMatrixRMaj t = new DMatrixRMaj(k, k);
    for (int i = 0; i < k; i++) {
      t.set(i, i, alpha[i]);
      if (i + 1 < k) {
        t.set(i, i + 1, beta[i]);
        t.set(i + 1, i, beta[i]);
      }
    }
    EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(k, true, true);
    if (!eig.decompose(t)) {
      throw new IllegalStateException("tridiagonal eigendecomposition failed");
    }
    Integer[] order = new Integer[k];
    double[] theta = new double[k];
    for (int i = 0; i < k; i++) {
      order[i] = i;
      theta[i] = eig.getEigenvalue(i).getReal();
    }
    // Sort indices by eigenvalue with a total order (ties by index) so results never depend on solver order.
    Arrays.sort(order, (x, y) -> {
      int c = Double.compare(theta[x], theta[y]);
      return c != 0 ? c : Integer.compare(x, y);
    });
    lastRitz = new double[k];
    for (int i = 0; i < k; i++) {
      lastRitz[i] = theta[order[i]];
    }
    double[] largest = new double[pairs];
    double[][] largestVec = new double[pairs][];
    double[] largestRes = new double[pairs];
    double[] smallest = new double[pairs];
    double[][] smallestVec = new double[pairs][];
    double[] smallestRes = new double[pairs];
    double lastBeta = beta[k - 1];
    for (int p = 0; p < pairs; p++) {
      int hi = order[k - 1 - p];
      int lo = order[p];
      largest[p] = theta[hi];
      smallest[p] = theta[lo];
      DMatrixRMaj sHi = eig.getEigenVector(hi);
      DMatrixRMaj sLo = eig.getEigenVector(lo);
      largestVec[p] = ritzVector(sHi, k);
      smallestVec[p] = ritzVector(sLo, k);
      largestRes[p] = Math.abs(lastBeta * sHi.get(k - 1, 0)) / vecNorm(sHi, k);
      smallestRes[p] = Math.abs(lastBeta * sLo.get(k - 1, 0)) / vecNorm(sLo, k);
    }
    // Ritz values within rounding of zero (flat directions, e.g. of an over-parameterized model) are not part of
    // the positive spectrum: without this cut the condition estimate would be lambda_max / 1e-16.
    double zero = 1e-9 * Math.max(Math.abs(lastRitz[0]), Math.abs(lastRitz[k - 1]));
    double minPos = Double.POSITIVE_INFINITY;
    for (double v : lastRitz) {
      if (v > zero && v < minPos) {
        minPos = v;
      }
    }
    double cond = lastRitz[k - 1] > 0 ? lastRitz[k - 1] / minPos : Double.NaN;
    return new Result(k, largest, largestVec, largestRes, smallest, smallestVec, smallestRes, cond);
  }

  private double[] ritzVector(DMatrixRMaj s, int k) {
    double[] y = new double[n];
    for (int j = 0; j < k; j++) {
      axpy(s.get(j, 0), q[j], y);
    }
    double nn = norm(y);
    if (nn > 0) {
      scale(y, 1.0 / nn);
    }
    return y;
  }

  private static double vecNorm(DMatrixRMaj s, int k) {
    double acc = 0;
    for (int j = 0; j < k; j++) {
      acc += s.get(j, 0) * s.get(j, 0);
    }
    return Math.sqrt(acc);
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static double norm(double[] a) {
    return Math.sqrt(dot(a, a));
  }

  static void axpy(double c, double[] x, double[] y) {
    for (int i = 0; i < x.length; i++) {
      y[i] += c * x[i];
    }
  }

  static void scale(double[] a, double c) {
    for (int i = 0; i < a.length; i++) {
      a[i] *= c;
    }
  }
}
