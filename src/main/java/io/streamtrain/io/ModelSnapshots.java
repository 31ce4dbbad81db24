package io.streamtrain.io;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.avro.Buffer;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.core.SpecException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads published {@link ModelSnapshot}s from a model topic: the whole topic up to its end offsets at the time of
 * the call, with read_committed isolation (only snapshots of committed training transactions), assembling each
 * model's parts ({@link SnapshotParts}, {@link SnapshotAssembler}) and keeping per model id the latest complete
 * version or a given one. Records that do not decode as snapshots (of any schema version) are skipped. The accessors check a
 * snapshot's parameters against its CRC32C checksum and decode its model section; errors name the spec key the
 * caller passes. Used by holdout replays and by the training job's warm start.
 */
public final class ModelSnapshots {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ModelSnapshots() {}

  /**
   * Per model id accepted by {@code ids} (in id order), its complete, checksum-verified snapshot of {@code
   * version}, or its highest such version when {@code version} is null, assembled from its parts ({@link
   * SnapshotAssembler}). An absent topic, and a wanted version whose parameters fail their checksum, are errors
   * naming {@code key}.
   */
  public static Map<String, SnapshotAssembler.Assembled> read(KafkaSettings kafka, String topic,
      Predicate<String> ids, Long version, String key) {
    Properties p = kafka.toProperties(Map.of(
        "key.deserializer", ByteArrayDeserializer.class.getName(),
        "value.deserializer", ByteArrayDeserializer.class.getName(),
        "isolation.level", "read_committed",
        "enable.auto.commit", "false",
        // A mistyped topic stays absent (its metadata request would otherwise create it on brokers that allow it).
        "allow.auto.create.topics", "false"));
    SnapshotAssembler assembler = new SnapshotAssembler(ids, version);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = new ArrayList<>();
      var infos = c.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new SpecException(key, topic, "an existing model topic");
      }
      infos.forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!caughtUp(c, end)) {
        if (System.nanoTime() > deadline) {
          throw new SpecException(key, topic, "a model topic readable to its end within 120 s");
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          // Records that are not snapshots (of either schema version) are skipped.
          assembler.add(SnapshotParts.decode(r.value()));
        }
      }
    }
    for (String id : assembler.corruptModels()) {
      failIfCorrupt(assembler, id, key);
    }
    return assembler.complete();
  }

  /** Throws when the newest version of {@code modelId} seen (or the wanted one) failed its checksum. */
  public static void failIfCorrupt(SnapshotAssembler assembler, String modelId, String key) {
    Long bad = assembler.corruptVersion(modelId);
    if (bad != null) {
      throw new SpecException(key, modelId + " version " + bad,
          "a snapshot whose parameters match its checksum (this one is corrupt)");
    }
  }

  /** The parameters of a single-record snapshot, checked against its checksum. */
  public static double[] parameters(ModelSnapshot s, String key) {
    SnapshotAssembler a = new SnapshotAssembler(id -> true, s.getVersion());
    a.add(s);
    SnapshotAssembler.Assembled got = a.complete().get(s.getModelId());
    if (got == null) {
      throw new SpecException(key, s.getModelId() + " version " + s.getVersion(),
          "a snapshot whose parameters match its checksum (this one is corrupt or only one part of several)");
    }
    return got.parameters();
  }

  /** The snapshot's buffers (batch-norm statistics), concatenated in layout order. */
  public static double[] buffers(ModelSnapshot s) {
    List<Double> buf = new ArrayList<>();
    for (Buffer b : s.getBuffers()) {
      buf.addAll(b.getValues());
    }
    return buf.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** The model section the snapshot was trained with. */
  public static Map<String, Object> modelSpec(ModelSnapshot s, String key) {
    try {
      return JSON.readValue(s.getSpec().getModelJson(), new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (IOException e) {
      throw new SpecException(key, s.getSpec().getModelJson(), "a snapshot with a readable model_json");
    }
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
