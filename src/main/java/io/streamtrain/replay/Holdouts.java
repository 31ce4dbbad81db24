package io.streamtrain.replay;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.avro.Buffer;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.core.SpecException;
import io.streamtrain.flink.replay.SavepointModels;
import io.streamtrain.io.KafkaSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Finds the model a holdout replay scores: a {@link ModelSnapshot} of a model id (a given version, or the latest)
 * read from the model topic with read_committed isolation and checked against its CRC32C checksum, parameters
 * from a JSON file ({@code {"parameters": [...], "buffers": [...]}}) with the model section from the spec, or the
 * trainer state of a model id in a training job's savepoint ({@link SavepointModels}).
 */
public final class Holdouts {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The model to score: its model section, parameters, buffers, snapshot version (null when the parameters are
   * not a published snapshot) and the name it is reported under.
   */
  public record Resolved(Map<String, Object> model, double[] params, double[] buffers, Long version, String name) {}

  private Holdouts() {}

  public static Resolved resolve(ReplaySpec.Holdout h, KafkaSettings kafka) {
    if (h.topic() != null) {
      return fromTopic(h, kafka);
    }
    return h.savepoint() != null ? SavepointModels.read(h.savepoint(), h.modelId()) : fromFile(h);
  }

  static Resolved fromFile(ReplaySpec.Holdout h) {
    try {
      Map<String, Object> m = JSON.readValue(Files.readAllBytes(h.paramsFile()),
          new TypeReference<LinkedHashMap<String, Object>>() {});
      double[] params = io.streamtrain.core.SpecReader.toDoubleArray("holdout.params_file.parameters",
          m.get("parameters"));
      double[] buffers = m.containsKey("buffers")
          ? io.streamtrain.core.SpecReader.toDoubleArray("holdout.params_file.buffers", m.get("buffers"))
          : new double[0];
      return new Resolved(h.model(), params, buffers, null, h.modelId() + "-file");
    } catch (IOException e) {
      throw new SpecException("holdout.params_file", h.paramsFile(), "a readable JSON file: " + e.getMessage());
    }
  }

  static Resolved fromTopic(ReplaySpec.Holdout h, KafkaSettings kafka) {
    Properties p = kafka.toProperties(Map.of(
        "key.deserializer", ByteArrayDeserializer.class.getName(),
        "value.deserializer", ByteArrayDeserializer.class.getName(),
        "isolation.level", "read_committed",
        "enable.auto.commit", "false"));
    SpecificDatumReader<ModelSnapshot> reader = new SpecificDatumReader<>(ModelSnapshot.class);
    ModelSnapshot best = null;
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = new ArrayList<>();
      var infos = c.partitionsFor(h.topic(), Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new SpecException("holdout.topic", h.topic(), "an existing model topic");
      }
      infos.forEach(pi -> parts.add(new TopicPartition(h.topic(), pi.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!caughtUp(c, end) && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          ModelSnapshot s;
          try {
            s = reader.read(null, DecoderFactory.get().binaryDecoder(r.value(), null));
          } catch (IOException | RuntimeException e) {
            continue;
          }
          if (!s.getModelId().equals(h.modelId())) {
            continue;
          }
          boolean wanted = h.version() == null ? best == null || s.getVersion() > best.getVersion()
              : s.getVersion() == h.version();
          if (wanted) {
            best = s;
          }
        }
      }
    }
    if (best == null) {
      throw new SpecException("holdout", h.modelId() + (h.version() == null ? "" : " version " + h.version()),
          "a model id (and version) published on topic " + h.topic());
    }
    double[] params = best.getParameters().stream().mapToDouble(Double::doubleValue).toArray();
    if (io.streamtrain.io.ParameterChecksum.of(params) != best.getChecksum()) {
      throw new SpecException("holdout", h.modelId() + " version " + best.getVersion(),
          "a snapshot whose parameters match its checksum (this one is corrupt)");
    }
    List<Double> buf = new ArrayList<>();
    for (Buffer b : best.getBuffers()) {
      buf.addAll(b.getValues());
    }
    Map<String, Object> model = h.model();
    if (model == null) {
      try {
        model = JSON.readValue(best.getSpec().getModelJson(), new TypeReference<LinkedHashMap<String, Object>>() {});
      } catch (IOException e) {
        throw new SpecException("holdout", best.getSpec().getModelJson(), "a snapshot with a readable model_json");
      }
    }
    return new Resolved(model, params, buf.stream().mapToDouble(Double::doubleValue).toArray(), best.getVersion(),
        h.modelId() + "-v" + best.getVersion());
  }

  private static boolean caughtUp(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (c.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
