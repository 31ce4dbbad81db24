package io.streamtrain.core.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * f(x, y) = x^2 - y^2 + y^4 / 2: a saddle at the origin (Hessian diag(2, -2)) and minima at (0, +-1) with
 * f = -1/2. Plain Newton (solve H p = -g) is attracted to the saddle; Newton-CG meets d'Hd < 0 in its CG
 * solve and steps along that direction to the trust-region boundary, and from the saddle itself its Lanczos check
 * finds lambda_min = -2 and steps along the eigenvector.
 */
class SaddleTest {
  static final Objective SADDLE = new Objective() {
    @Override
    public int dimension() {
      return 2;
    }

    @Override
    public double valueAndGradient(double[] p, double[] g) {
      double x = p[0];
      double y = p[1];
      g[0] = 2 * x;
      g[1] = -2 * y + 2 * y * y * y;
      return value(p);
    }

    @Override
    public double value(double[] p) {
      double x = p[0];
      double y = p[1];
      return x * x - y * y + 0.5 * y * y * y * y;
    }

    @Override
    public void hessianVector(double[] p, double[] v, double[] out) {
      double y = p[1];
      out[0] = 2 * v[0];
      out[1] = (-2 + 6 * y * y) * v[1];
    }
  };

  @Test
  void plainNewtonConvergesToTheSaddle() {
    double x = 0.5;
    double y = 1e-3;
    for (int k = 0; k < 20; k++) {
      x -= 2 * x / 2;
      y -= (-2 * y + 2 * y * y * y) / (-2 + 6 * y * y);
    }
    assertThat(Math.abs(x) + Math.abs(y)).isLessThan(1e-15);
  }

  @Test
  void newtonCgLeavesTheSaddleAlongNegativeCurvature() {
    double[] p = {0.5, 1e-3};
    List<FitListener.Iteration> its = new ArrayList<>();
    FitResult res = new NewtonCg(NewtonCg.Config.defaults()).minimize(p, SADDLE, its::add);
    assertThat(res.converged()).as(res.reason()).isTrue();
    assertThat(p[0]).isCloseTo(0.0, within(1e-9));
    assertThat(p[1]).isCloseTo(1.0, within(1e-9));
    assertThat(res.loss()).isCloseTo(-0.5, within(1e-15));
    FitListener.Iteration neg = its.stream().filter(i -> i.note().startsWith("negative curvature")).findFirst()
        .orElseThrow(() -> new AssertionError("no negative curvature reported: " + its));
    // The CG direction there is along y, where the curvature is -2 + 6 y^2 ~ -2.
    assertThat(neg.curvature()).isCloseTo(-2.0, within(1e-3));
    // Before that step the iterate sits at the saddle's level (f ~ 0: x shrinks, y stays ~1e-3); the step along
    // the negative-curvature direction is the one that drops f well below it, towards a minimum.
    int k = its.indexOf(neg);
    double before = k == 0 ? SADDLE.value(new double[] {0.5, 1e-3}) : its.get(k - 1).loss();
    assertThat(Math.abs(before)).isLessThan(1e-4 + 0.25);
    assertThat(before).isGreaterThan(-1e-4);
    assertThat(its.get(k).loss()).isLessThan(-0.1);
  }

  @Test
  void fromTheSaddleItselfTheLanczosCheckFindsTheWayOut() {
    double[] p = {0.0, 0.0};
    List<FitListener.Iteration> its = new ArrayList<>();
    FitResult res = new NewtonCg(NewtonCg.Config.defaults()).minimize(p, SADDLE, its::add);
    assertThat(res.converged()).as(res.reason()).isTrue();
    assertThat(its.get(0).note()).startsWith("saddle: lambda_min -2.0");
    assertThat(Math.abs(p[0])).isLessThan(1e-9);
    assertThat(Math.abs(p[1])).isCloseTo(1.0, within(1e-9));
    assertThat(res.loss()).isCloseTo(-0.5, within(1e-15));

    double[] q = {0.0, 0.0};
    NewtonCg.Config noCheck = new NewtonCg.Config(1e-7, 100, 250, 1.0, 1e6, 1e-4, 0, 1e-6);
    FitResult stuck = new NewtonCg(noCheck).minimize(q, SADDLE, FitListener.NONE);
    assertThat(stuck.converged()).isTrue();
    assertThat(q).containsExactly(0.0, 0.0);
  }
}
