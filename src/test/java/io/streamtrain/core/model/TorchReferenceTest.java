package io.streamtrain.core.model;

import static io.streamtrain.core.model.TestData.assertClose;
import static io.streamtrain.core.model.TestData.flat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One batch through each model family against torch float64 (scripts/fixtures/gen_model_fixtures.py): the
 * objective, its gradient (autograd), the Hessian-vector product (double backward), batch-norm running
 * statistics after one training step and evaluation-mode predictions.
 */
class TorchReferenceTest {
  static final double REL = 1e-9;

  static Stream<Arguments> cases() {
    return TestData.list(TestData.fixture("/fixtures/model/single_batch.json"), "cases").stream()
        .map(c -> Arguments.of(c.get("name"), c));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesTorch(String name, Map<String, Object> c) {
    SpecReader r = TestData.reader(name, c);
    double[][] x = r.requireDoubleMatrix("X");
    double[] y = r.requireDoubleArray("y");
    double[] w = r.requireDoubleArray("w");
    ModelSpec spec = ModelSpecs.fromSpec(r.child("model"), x[0].length);
    Model m = spec.newModel();
    Batch b = TestData.denseBatch(m, x, y, w);
    double[] p = flat(m.layout(), c.get("params"), "params");
    double[] v = flat(m.layout(), c.get("v"), "v");
    double[] pBefore = p.clone();

    double[] grad = new double[m.numParams()];
    double loss = m.lossAndGradient(p, b, grad);
    assertThat(loss).as(name + " loss").isCloseTo(r.requireDouble("loss"), within(REL * Math.abs(r.requireDouble("loss"))));
    assertThat(m.loss(p, b)).isEqualTo(loss);
    assertClose(name + " grad", grad, flat(m.layout(), c.get("grad"), "grad"), REL, 1e-3);

    double[] hv = new double[m.numParams()];
    m.hessianVectorProduct(p, b, v, hv);
    assertClose(name + " hvp", hv, flat(m.layout(), c.get("hvp"), "hvp"), REL, 1e-3);
    assertThat(p).as("params untouched").containsExactly(pBefore);

    double[] bufs = new double[m.numBuffers()];
    if (c.containsKey("buffers")) {
      bufs = flat(m.bufferLayout(), c.get("buffers"), "buffers");
      m.updateBuffers(p, b, bufs);
      assertClose(name + " running stats", bufs, flat(m.bufferLayout(), c.get("buffers_after_update"), "after"), REL, 1e-3);
    }
    double[] pred = new double[x.length * m.outputDim()];
    m.predict(p, bufs, b, pred);
    assertClose(name + " predictions", pred, r.requireDoubleArray("eval_predictions"), REL, 1e-3);
    if (c.get("eval_loss") != null) {
      double el = r.requireDouble("eval_loss");
      assertThat(m.evalLoss(p, bufs, b)).isCloseTo(el, within(REL * Math.abs(el)));
    }
  }
}
