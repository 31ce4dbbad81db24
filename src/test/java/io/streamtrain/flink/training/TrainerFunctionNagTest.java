package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.flink.training.TrainerFunctionTest.Outputs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The nag optimizer through the operator, with a drift watch that raises its learning rate: on inputs scaled by
 * 1e3 and 1e-3 (and shifted) it learns the concept with nag's default learning rate, and checkpoints taken at any
 * batch (its scales, norms and counts are part of the optimizer state) restore to identical reports and snapshots.
 */
class TrainerFunctionNagTest {
  static Map<String, Object> spec() {
    Map<String, Object> m = TrainerFunctionDriftTest.spec(Map.of("detector", "ddm", "reaction",
        Map.of("type", "boost_lr", "factor", 2.0, "steps", 5)));
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 2)));
    m.put("optimizer", Map.of("type", "nag"));
    return m;
  }

  @Test
  void learnsRawScalesAndRestoresIdentically() throws Exception {
    List<MiniBatch> in = TrainerFunctionScalingTest.input();
    Outputs expected = TrainerFunctionDriftTest.run(spec(), in);
    assertThat(TrainerFunctionScalingTest.reachedAccuracy(expected, "m-a", 0.9)).isTrue();
    TrainerFunctionScalingTest.assertRestoresIdentically(spec(), in, expected, 3,
        2 * TrainerFunctionDriftTest.FLIP + 7);
  }
}
