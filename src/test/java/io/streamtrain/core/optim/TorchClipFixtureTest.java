package io.streamtrain.core.optim;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.SpecReader;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Both clippers against torch.nn.utils.clip_grad_norm_ / clip_grad_value_ in float64: norm 2 and inf, several
 * tensors and one, vectors from far below to far above the threshold (1e-2 to 1e6 scale) and all zeros; the
 * clipped gradients and the returned pre-clip total norm must agree within {@link Fixtures#REL}.
 */
class TorchClipFixtureTest {
  private static final List<Map<String, Object>> CASES = Fixtures.cases("clip.json");

  @TestFactory
  Stream<DynamicTest> matchesTorch() {
    return CASES.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> check(c)));
  }

  private static void check(Map<String, Object> c) {
    SpecReader r = Fixtures.reader(c);
    Clipping clipping = Clipping.fromSpec(r.child("clip"));
    double[][] grads = r.requireDoubleMatrix("gradients");
    double[][] expected = r.requireDoubleMatrix("expected");
    double[] norms = r.requireDoubleArray("expected_total_norm");
    int[] split = r.getIntArray("param_split", null);
    Chain chain = Transforms.chain(clipping.transform(split));
    for (int i = 0; i < grads.length; i++) {
      double[] g = grads[i].clone();
      ChainState st = chain.init(g.length);
      assertThat(Chain.update(g, st, null)).isTrue();
      Fixtures.assertClose(g, expected[i], c.get("name") + " vector " + i);
      double norm =
          clipping instanceof Clipping.Norm
              ? st.find(ClipByGlobalNorm.State.class).totalNorm()
              : ClipByGlobalNorm.totalNorm(grads[i], split, 2.0);
      assertThat(Fixtures.close(norm, norms[i])).as("total norm %s vs torch %s", norm, norms[i]).isTrue();
    }
  }
}
