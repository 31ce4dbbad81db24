package io.streamtrain.replay;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.core.SpecException;
import io.streamtrain.flink.replay.HoldoutModel;
import io.streamtrain.flink.replay.SavepointModels;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.SnapshotAssembler;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Finds the model a holdout replay scores: a {@link ModelSnapshot} of a model id (a given version, or the latest)
 * read from the model topic with read_committed isolation, assembled from its parts and checked against its
 * CRC32C checksum, parameters from a JSON file ({@code {"parameters": [...], "buffers": [...]}}) with the model
 * section from the spec, or the trainer state of a model id in a training job's savepoint ({@link SavepointModels}).
 */
public final class Holdouts {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Holdouts() {}

  public static HoldoutModel resolve(ReplaySpec.Holdout h, KafkaSettings kafka) {
    if (h.topic() != null) {
      return fromTopic(h, kafka);
    }
    return h.savepoint() != null ? SavepointModels.read(h.savepoint(), h.modelId()) : fromFile(h);
  }

  static HoldoutModel fromFile(ReplaySpec.Holdout h) {
    try {
      Map<String, Object> m = JSON.readValue(Files.readAllBytes(h.paramsFile()),
          new TypeReference<LinkedHashMap<String, Object>>() {});
      double[] params = io.streamtrain.core.SpecReader.toDoubleArray("holdout.params_file.parameters",
          m.get("parameters"));
      double[] buffers = m.containsKey("buffers")
          ? io.streamtrain.core.SpecReader.toDoubleArray("holdout.params_file.buffers", m.get("buffers"))
          : new double[0];
      return new HoldoutModel(h.model(), params, buffers, null, h.modelId() + "-file");
    } catch (IOException e) {
      throw new SpecException("holdout.params_file", h.paramsFile(), "a readable JSON file: " + e.getMessage());
    }
  }

  static HoldoutModel fromTopic(ReplaySpec.Holdout h, KafkaSettings kafka) {
    SnapshotAssembler.Assembled found = ModelSnapshots.read(kafka, h.topic(), h.modelId()::equals, h.version(),
        "holdout.topic").get(h.modelId());
    if (found == null) {
      throw new SpecException("holdout", h.modelId() + (h.version() == null ? "" : " version " + h.version()),
          "a model id (and version) published on topic " + h.topic());
    }
    ModelSnapshot best = found.head();
    double[] params = found.parameters();
    Map<String, Object> model = h.model() != null ? h.model() : ModelSnapshots.modelSpec(best, "holdout");
    return new HoldoutModel(model, params, ModelSnapshots.buffers(best), best.getVersion(),
        h.modelId() + "-v" + best.getVersion());
  }
}
