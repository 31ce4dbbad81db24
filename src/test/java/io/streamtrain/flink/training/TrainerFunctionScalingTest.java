package io.streamtrain.flink.training;

import static io.streamtrain.flink.training.TrainerFunctionTest.render;
import static io.streamtrain.flink.training.TrainerFunctionTest.withoutWallClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpecs;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.flink.training.TrainerFunctionTest.Outputs;
import io.streamtrain.io.ModelSnapshots;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Input scaling through the operator, with a drift watch on: the scaling statistics travel in the snapshot's
 * buffers (group input_scaling), a model rebuilt from the snapshot alone (as serving does) predicts what the
 * trainer's evaluation predicts, and checkpoints restore to identical reports and snapshots.
 */
class TrainerFunctionScalingTest {
  static Map<String, Object> spec() {
    Map<String, Object> m = TrainerFunctionDriftTest.spec(Map.of("detector", "ddm", "reaction",
        Map.of("type", "boost_lr", "factor", 2.0, "steps", 5)));
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 2), "scaling", Map.of("mode", "running")));
    m.put("optimizer", Map.of("type", "sgd", "lr", 0.5));
    return m;
  }

  /** The drift test's input with x scaled by 1e3 and y by 1e-3 (and x shifted). */
  static List<MiniBatch> input() {
    List<MiniBatch> out = new ArrayList<>();
    for (MiniBatch b : TrainerFunctionDriftTest.input()) {
      MiniBatch c = new MiniBatch(b.size());
      c.reset(b.modelId, 0);
      for (int i = 0; i < b.size(); i++) {
        Example e = b.get(i);
        double[] d = e.denseValues();
        c.append(new Example().setModelId(e.modelId()).setEventTime(e.eventTime())
            .setDense(new double[] {d[0] * 1e3 + 500, d[1] * 1e-3}, 2).setLabel(e.label()));
      }
      out.add(c);
    }
    return out;
  }

  @Test
  void statisticsTravelInSnapshotsAndRestoreIdentically() throws Exception {
    List<MiniBatch> in = input();
    Outputs expected = TrainerFunctionDriftTest.run(spec(), in);
    ModelSnapshot last = TrainerFunctionTest.last(expected.snapshots(), "m-a");
    assertThat(last.getBuffers()).anySatisfy(b -> assertThat(b.getName()).isEqualTo("input_scaling"));
    double[] buffers = ModelSnapshots.buffers(last);
    assertThat(buffers[0]).isEqualTo(80.0 * TrainerFunctionDriftTest.B); // every sample of m-a counted
    assertThat(buffers[1]).isCloseTo(500, within(100.0)); // mean of x near its shift
    // serving: the model from the snapshot's own spec, its parameters and buffers
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = TrainerSlot.JSON.readValue(last.getSpec().getModelJson(), Map.class);
    Model m = ModelSpecs.fromSpec(new io.streamtrain.core.SpecReader("model", spec)).newModel(1);
    double[] params = last.getParameters().stream().mapToDouble(Double::doubleValue).toArray();
    double[] out = new double[1];
    Example probe = new Example().setDense(new double[] {1500.0, 0.002}, 2);
    m.predict(params, buffers, probe, out);
    double z = params[2] + params[0] * (1500.0 - buffers[1]) / Math.sqrt(buffers[3] / buffers[0])
        + params[1] * (0.002 - buffers[2]) / Math.sqrt(buffers[4] / buffers[0]);
    assertThat(out[0]).isCloseTo(1 / (1 + Math.exp(-z)), within(1e-12));
    // the model learned the scaled concept (accuracy is in the reports)
    assertThat(reachedAccuracy(expected, "m-a", 0.9)).isTrue();
    assertRestoresIdentically(spec(), in, expected, 5, 2 * TrainerFunctionDriftTest.FLIP + 7);
  }

  /** True when some report of {@code model} shows a progressive accuracy above {@code level}. */
  static boolean reachedAccuracy(Outputs out, String model, double level) {
    return out.metrics().stream().filter(r -> r.getModelId().equals(model)).anyMatch(r ->
        r.getDiagnostics().getValues().stream().anyMatch(v -> v.getName().equals("progressive_accuracy")
            && v.getValue() > level));
  }

  /** A run restored from a checkpoint at each cut gives the uninterrupted run's reports and snapshots. */
  static void assertRestoresIdentically(Map<String, Object> spec, List<MiniBatch> in, Outputs expected, int... cuts)
      throws Exception {
    for (int cut : cuts) {
      Outputs got = TrainerFunctionDriftTest.restoredAt(spec, spec, in, cut);
      assertThat(render(withoutWallClock(got.metrics()))).as("metrics, restored at %d", cut)
          .isEqualTo(render(withoutWallClock(expected.metrics())));
      assertThat(render(got.snapshots())).as("snapshots, restored at %d", cut).isEqualTo(render(expected.snapshots()));
    }
  }
}
