package io.streamtrain.core.diag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.random.Xoshiro256;
import org.junit.jupiter.api.Test;

/**
 * Lanczos against quadratics with chosen spectra: A = Q diag(lambda) Q^T with a random orthogonal Q, so the
 * exact eigenpairs are known by construction (no eigensolver involved on the reference side).
 */
class LanczosTest {

  /** A random orthogonal matrix (modified Gram-Schmidt on Gaussian columns), rows are basis vectors. */
  static double[][] orthogonal(int n, long seed) {
    Xoshiro256 rng = new Xoshiro256(seed);
    double[][] q = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        q[i][j] = rng.nextGaussian();
      }
      for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < i; k++) {
          Lanczos.axpy(-Lanczos.dot(q[k], q[i]), q[k], q[i]);
        }
      }
      Lanczos.scale(q[i], 1.0 / Lanczos.norm(q[i]));
    }
    return q;
  }

  /** out = sum_k lambda_k (q_k . v) q_k. */
  static LinearOperator quadratic(double[][] q, double[] lambda) {
    return (v, out) -> {
      java.util.Arrays.fill(out, 0);
      for (int k = 0; k < lambda.length; k++) {
        Lanczos.axpy(lambda[k] * Lanczos.dot(q[k], v), q[k], out);
      }
    };
  }

  @Test
  void fullKrylovSpaceRecoversTheExtremeEigenpairsOfAChosenSpectrum() {
    int n = 60;
    double[] lambda = new double[n];
    for (int i = 0; i < n; i++) {
      lambda[i] = 1.0 + i * 0.5; // 1 .. 30.5
    }
    lambda[0] = -3.0;
    lambda[1] = -0.25;
    lambda[n - 1] = 1000.0;
    lambda[n - 2] = 400.0;
    double[][] q = orthogonal(n, 11);
    Lanczos.Result r = new Lanczos(n, n).run(quadratic(q, lambda), n, 5, 2);
    assertThat(r.largest()[0]).isCloseTo(1000.0, within(1e-6 * 1000.0));
    assertThat(r.largest()[1]).isCloseTo(400.0, within(1e-6 * 400.0));
    assertThat(r.smallest()[0]).isCloseTo(-3.0, within(1e-6 * 3.0));
    assertThat(r.smallest()[1]).isCloseTo(-0.25, within(1e-6 * 0.25));
    // Eigenvectors: aligned (up to sign) with the constructed ones.
    assertThat(Math.abs(Lanczos.dot(r.largestVectors()[0], q[n - 1]))).isCloseTo(1.0, within(1e-9));
    assertThat(Math.abs(Lanczos.dot(r.smallestVectors()[0], q[0]))).isCloseTo(1.0, within(1e-9));
    // Condition over the positive part: 1000 / 1 (the smallest positive eigenvalue is lambda[2] = 2).
    assertThat(r.condition()).isCloseTo(1000.0 / 2.0, within(1e-6 * 500));
  }

  @Test
  void fewStepsConvergeToWellSeparatedExtremesWithSmallResiduals() {
    int n = 300;
    double[] lambda = new double[n];
    Xoshiro256 rng = new Xoshiro256(3);
    for (int i = 0; i < n; i++) {
      lambda[i] = 1.0 + 9.0 * rng.nextDouble(); // bulk in [1, 10]
    }
    lambda[7] = 100.0;
    lambda[8] = 50.0;
    lambda[9] = -20.0;
    double[][] q = orthogonal(n, 12);
    LinearOperator a = quadratic(q, lambda);
    Lanczos.Result r = new Lanczos(n, 40).run(a, 40, 9, 1);
    assertThat(r.steps()).isEqualTo(40);
    assertThat(r.lambdaMax()).isCloseTo(100.0, within(1e-6 * 100));
    assertThat(r.lambdaMin()).isCloseTo(-20.0, within(1e-6 * 20));
    // The reported residual equals the true one ||A y - theta y||.
    double[] y = r.largestVectors()[0];
    double[] ay = new double[n];
    a.apply(y, ay);
    Lanczos.axpy(-r.lambdaMax(), y, ay);
    assertThat(Lanczos.norm(ay)).isLessThan(1e-5);
    assertThat(r.largestResiduals()[0]).isCloseTo(Lanczos.norm(ay), within(1e-8));
  }

  @Test
  void invariantSubspaceStopsEarlyWithExactEigenvalues() {
    // Three distinct eigenvalues: the Krylov space has dimension 3 whatever the start vector.
    int n = 12;
    double[] lambda = new double[n];
    for (int i = 0; i < n; i++) {
      lambda[i] = i < 4 ? 2.0 : i < 8 ? -1.0 : 0.5;
    }
    double[][] q = orthogonal(n, 13);
    Lanczos.Result r = new Lanczos(n, 10).run(quadratic(q, lambda), 10, 1, 3);
    assertThat(r.steps()).isEqualTo(3);
    assertThat(r.largest()).containsExactly(new double[] {2.0, 0.5, -1.0}, within(1e-12));
  }

  @Test
  void sameSeedSameResult() {
    int n = 30;
    double[] lambda = new double[n];
    for (int i = 0; i < n; i++) {
      lambda[i] = i - 5;
    }
    double[][] q = orthogonal(n, 14);
    Lanczos l = new Lanczos(n, 10);
    double a = l.run(quadratic(q, lambda), 10, 42, 1).lambdaMax();
    double b = new Lanczos(n, 10).run(quadratic(q, lambda), 10, 42, 1).lambdaMax();
    assertThat(a).isEqualTo(b);
  }
}
