package io.streamtrain.core.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpecs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A real model's saddle: a tanh MLP [2, 3, 1] with a logistic head and all parameters zero, on balanced data with
 * label x1 > 0 (x1 in {-1, -0.5, 0.5, 1}, x2 in {-1, 1}). There every gradient is exactly zero (the output weights
 * are zero, so are the hidden activations, and the mean label is 1/2), yet the point is a strict saddle: for each
 * hidden unit j the Hessian block over (W2_j, W1_j1) is [[l2, c], [c, l2]] with c = mean((1/2 - y) tanh'(0) x1) =
 * -0.375, so lambda_min = l2 - 0.375 in closed form. torch's L-BFGS stops at once (its first-order test passes);
 * Newton-CG's Lanczos check finds lambda_min, steps along its eigenvector and trains the model.
 */
class MlpSaddleTest {
  static final double L2 = 0.001;

  static ModelObjective objective() {
    Model m = ModelSpecs.fromSpec(new SpecReader("model", Map.of("type", "mlp", "layers", List.of(2, 3, 1),
        "activation", "tanh", "head", "logistic", "l2", L2)), 2).newModel(8);
    Batch b = m.newBatch(8);
    for (double x1 : new double[] {-1, -0.5, 0.5, 1}) {
      for (double x2 : new double[] {-1, 1}) {
        b.addDense(new double[] {x1, x2}, 0, x1 > 0 ? 1.0 : 0.0, 1.0);
      }
    }
    return new ModelObjective(m, List.of(b));
  }

  @Test
  void zeroIsACriticalPointThatLbfgsAcceptsAndNewtonCgLeaves() {
    ModelObjective f = objective();
    int n = f.dimension();
    double[] g = new double[n];
    double f0 = f.valueAndGradient(new double[n], g);
    assertThat(f0).isCloseTo(Math.log(2), within(1e-15));
    assertThat(Vectors.maxAbs(g)).isEqualTo(0.0);

    double[] x = new double[n];
    FitResult lb = new LbfgsMinimizer(new LbfgsConfig(1, 100, 125, 1e-7, 1e-9, 10, true)).minimize(x, f,
        FitListener.NONE);
    assertThat(lb.iterations()).isZero();
    assertThat(x).containsOnly(0.0);

    List<FitListener.Iteration> its = new ArrayList<>();
    FitResult nt = new NewtonCg(NewtonCg.Config.defaults()).minimize(x, f, its::add);
    assertThat(its.get(0).note()).startsWith("saddle: lambda_min");
    assertThat(its.get(0).curvature()).isCloseTo(L2 - 0.375, within(1e-9));
    assertThat(its.get(0).loss()).isLessThan(f0);
    assertThat(nt.converged()).as(nt.reason()).isTrue();
    assertThat(nt.loss()).isLessThan(0.2);
  }
}
