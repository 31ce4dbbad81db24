package io.streamtrain.flink.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.flink.training.TrainerSlot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * A trainer slot as the savepoint stores it (through its Flink serializer) becomes the holdout model: the model
 * section of the stored configuration, the parameters and batch-norm buffers of the state, and a snapshot version
 * only when no step was taken after that snapshot.
 */
class SavepointModelsTest {
  private static Map<String, Object> config() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", Map.of("type", "mlp", "layers", List.of(3, 4, 1), "activation", "tanh", "head", "logistic",
        "batch_norm", true, "seed", 5));
    m.put("optimizer", Map.of("type", "adam", "lr", 0.01));
    return m;
  }

  private static TrainerSlot stored(TrainerSlot slot) throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(256);
    new TrainerSlot.Serializer().serialize(slot, out);
    return new TrainerSlot.Serializer().deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
  }

  @Test
  void modelSectionFromTheStoredConfigurationParametersAndBuffersFromTheState() throws Exception {
    Map<String, Object> cfg = config();
    TrainerState s = new ModelTrainer(TrainingConfig.fromSpec(new SpecReader("", cfg))).newState("m1");
    assertThat(s.buffers).isNotEmpty();
    for (int i = 0; i < s.params.length; i++) {
      s.params[i] = 0.25 * i - 1;
    }
    for (int i = 0; i < s.buffers.length; i++) {
      s.buffers[i] = 1.5 + i;
    }
    s.step = 40;
    s.version = 4;
    s.lastSnapshotStep = 40;
    HoldoutModel r = SavepointModels.resolved(stored(new TrainerSlot(TrainerSlot.canonicalJson(cfg), s)), "m1");
    assertThat(r.model()).isEqualTo(cfg.get("model"));
    assertThat(r.params()).isEqualTo(s.params).isNotSameAs(s.params);
    assertThat(r.buffers()).isEqualTo(s.buffers);
    assertThat(r.version()).isEqualTo(4L);
    assertThat(r.name()).isEqualTo("m1-savepoint-step40");

    // Steps after the last published snapshot: these parameters were never published under any version.
    s.step = 43;
    r = SavepointModels.resolved(stored(new TrainerSlot(TrainerSlot.canonicalJson(cfg), s)), "m1");
    assertThat(r.version()).isNull();
    assertThat(r.name()).isEqualTo("m1-savepoint-step43");
  }
}
