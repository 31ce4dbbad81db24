package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Samples whose named fields were hashed for another width (buffered in checkpointed batcher state when a restart
 * changed hash_bits) are counted as rejected and reported, and the rest of their batch trains: the job does not
 * fail on them (it would on every restart).
 */
class StaleHashTest {
  @Test
  void samplesHashedForAnotherWidthAreRejectedNotFatal() throws Exception {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("name", "stale");
    spec.put("model", Map.of("type", "logistic", "features", Map.of("hash_bits", 12)));
    spec.put("optimizer", Map.of("type", "adagrad", "lr", 0.1));
    spec.put("batching", Map.of("batch_size", 4));
    spec.put("metrics", Map.of("every_batches", 1));
    MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
    MiniBatch b = new MiniBatch(4);
    b.reset("m", 0);
    for (int i = 0; i < 4; i++) {
      Example e = new Example().setModelId("m").setEventTime(10L + i).setLabel(i % 2);
      e.addCategorical("site", "s" + i);
      // Two of the four were hashed under an older configuration of 10 bits.
      e.hashNamedFields(FeatureSpace.of(0, 0, i < 2 ? 10 : 12), hasher);
      b.append(e);
    }
    try (var h = TrainerFunctionTest.harness(spec)) {
      h.open();
      h.processElement(b, 13L);
      List<TrainingMetrics> out = TrainerFunctionTest.outputs(h).metrics();
      assertThat(out).hasSize(1);
      TrainingMetrics m = out.get(0);
      assertThat(m.getRejectedSamples()).isEqualTo(2L);
      assertThat(m.getSamplesSeen()).isEqualTo(2L);
      assertThat(m.getEvents()).extracting(TrainingEvent::getType).contains("stale_hashed_samples");
      assertThat(m.getEvents().stream().filter(e -> e.getType().equals("stale_hashed_samples")).findFirst()
          .orElseThrow().getMessage()).contains("10 bits").contains("hash_bits 12");
    }
  }
}
