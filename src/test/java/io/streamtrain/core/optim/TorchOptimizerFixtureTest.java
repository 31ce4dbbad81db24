package io.streamtrain.core.optim;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.SpecReader;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every optimizer configuration against torch.optim 1.13 in float64: several parameter tensors flattened into
 * one vector, 30 steps with zero and 1e6-scale gradients, lr (and momentum / beta1) set mid-run, clipping in
 * front for some cases. Each element of each step must agree within {@link Fixtures#REL} (floor {@link
 * Fixtures#ABS}).
 */
class TorchOptimizerFixtureTest {
  private static final List<Map<String, Object>> CASES = Fixtures.cases("optimizers.json");

  @Test
  void fixturesCoverEveryPresetWithEnoughSteps() {
    assertThat(CASES).extracting(c -> (Object) ((Map<?, ?>) c.get("optimizer")).get("type"))
        .contains((Object) "sgd", "adagrad", "rmsprop", "adam", "adamw");
    assertThat(CASES).allSatisfy(c -> assertThat((List<?>) c.get("gradients")).hasSizeGreaterThanOrEqualTo(25));
  }

  @TestFactory
  Stream<DynamicTest> matchesTorch() {
    return CASES.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> check(c)));
  }

  @SuppressWarnings("unchecked")
  private static void check(Map<String, Object> c) {
    SpecReader r = Fixtures.reader(c);
    OptimizerSpec spec = Optimizers.fromSpec(r.child("optimizer"));
    if (r.has("clip")) {
      spec = spec.withClipping(Clipping.fromSpec(r.child("clip")));
    }
    Optimizer opt = spec.create(r.getIntArray("param_split", null));
    double[] p = r.requireDoubleArray("params");
    double[][] grads = r.requireDoubleMatrix("gradients");
    double[][] expected = r.requireDoubleMatrix("expected");
    List<Object> lrs = (List<Object>) c.get("lr_schedule");
    List<Object> moms = (List<Object>) c.get("momentum_schedule");
    double[] norms = r.getDoubleArray("expected_total_norm", null);
    for (int t = 0; t < grads.length; t++) {
      if (lrs != null && lrs.get(t) != null) {
        opt.setLr(((Number) lrs.get(t)).doubleValue());
      }
      if (moms != null && moms.get(t) != null) {
        opt.setMomentum(((Number) moms.get(t)).doubleValue());
      }
      opt.step(p, grads[t].clone());
      Fixtures.assertClose(p, expected[t], c.get("name") + " step " + (t + 1));
      if (norms != null) {
        assertThat(Fixtures.close(opt.lastGradNorm(), norms[t]))
            .as("total norm at step %d: %s vs torch %s", t + 1, opt.lastGradNorm(), norms[t])
            .isTrue();
      }
    }
    assertThat(opt.stepCount()).isEqualTo(grads.length);
  }
}
