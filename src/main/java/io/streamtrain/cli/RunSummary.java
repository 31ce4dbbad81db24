package io.streamtrain.cli;

import io.streamtrain.avro.DiagnosticValue;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.KafkaSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What one bounded {@code train} run did, per model: samples trained, steps, final (smoothed) loss, progressive
 * accuracy, snapshots published and samples rejected by reason. Read back from the job's own output topics
 * (read_committed), from the end offsets they had before the run started, so earlier runs on the same topics do
 * not count; the topics are the record of what the job did, so the summary needs nothing from inside the job.
 */
final class RunSummary {
  /** One model's line. {@code progressiveAccuracy} is null for models without that figure (regression). */
  record ModelRow(String modelId, long samples, long steps, double finalLoss, Double progressiveAccuracy,
      long snapshots, Map<String, Long> rejected) {
    long rejectedTotal() {
      return rejected.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** Rejections whose sample could not be decoded carry no model id; they are listed under this name. */
  static final String NO_MODEL = "(no model id)";

  private final Map<String, ModelRow> rows;

  private RunSummary(Map<String, ModelRow> rows) {
    this.rows = rows;
  }

  List<ModelRow> rows() {
    return new ArrayList<>(rows.values());
  }

  /** The current end offsets of {@code topics} (read_committed), to read a run's output from afterwards. */
  static Map<TopicPartition, Long> endOffsets(KafkaSettings kafka, List<String> topics) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(kafka)) {
      List<TopicPartition> parts = new ArrayList<>();
      for (String t : topics) {
        c.partitionsFor(t, Duration.ofSeconds(30)).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
      }
      // Assigned first: a read_committed consumer warns about every partition it asks the end of unassigned.
      c.assign(parts);
      return sorted(c.endOffsets(parts, Duration.ofSeconds(30)));
    }
  }

  private static Map<TopicPartition, Long> sorted(Map<TopicPartition, Long> m) {
    Map<TopicPartition, Long> out = new TreeMap<>(
        java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
    out.putAll(m);
    return out;
  }

  /** Reads the run's reports, snapshots and rejections: everything after {@code from} (partitions not in it: all). */
  static RunSummary read(KafkaSettings kafka, String metrics, String models, String rejected,
      Map<TopicPartition, Long> from) throws IOException {
    List<TrainingMetrics> reports = readAfter(kafka, metrics, from, TrainingMetrics.class);
    List<ModelSnapshot> snaps = readAfter(kafka, models, from, ModelSnapshot.class);
    List<RejectedSample> rejects = readAfter(kafka, rejected, from, RejectedSample.class);
    Map<String, TrainingMetrics> last = new TreeMap<>();
    Map<String, long[]> accuracy = new TreeMap<>();
    for (TrainingMetrics m : reports) {
      last.merge(m.getModelId(), m, (a, b) -> a.getSamplesSeen() >= b.getSamplesSeen() ? a : b);
      Double acc = progressiveAccuracy(m);
      if (acc != null && m.getSamplesInReport() > 0) {
        // Each report's accuracy covers its own interval; weighting by the interval's samples gives the run's.
        long[] sums = accuracy.computeIfAbsent(m.getModelId(), k -> new long[2]);
        sums[0] += Math.round(acc * m.getSamplesInReport());
        sums[1] += m.getSamplesInReport();
      }
    }
    // Distinct versions, not records: a snapshot published as several records (a large model) counts once.
    Map<String, java.util.Set<Long>> versions = new TreeMap<>();
    for (ModelSnapshot s : snaps) {
      versions.computeIfAbsent(s.getModelId(), k -> new java.util.HashSet<>()).add(s.getVersion());
    }
    Map<String, Long> snapshotCount = new TreeMap<>();
    versions.forEach((k, v) -> snapshotCount.put(k, (long) v.size()));
    Map<String, Map<String, Long>> reasons = new TreeMap<>();
    for (RejectedSample r : rejects) {
      reasons.computeIfAbsent(r.getModelId() == null ? NO_MODEL : r.getModelId(), k -> new TreeMap<>())
          .merge(r.getReason(), 1L, Long::sum);
    }
    java.util.Set<String> ids = new java.util.TreeSet<>(last.keySet());
    ids.addAll(reasons.keySet());
    ids.addAll(snapshotCount.keySet());
    Map<String, ModelRow> rows = new TreeMap<>();
    for (String id : ids) {
      TrainingMetrics m = last.get(id);
      long[] acc = accuracy.get(id);
      rows.put(id, new ModelRow(id, m == null ? 0 : m.getSamplesSeen(), m == null ? 0 : m.getStep(),
          m == null ? Double.NaN : m.getLossSmoothed(), acc == null || acc[1] == 0 ? null : (double) acc[0] / acc[1],
          snapshotCount.getOrDefault(id, 0L), reasons.getOrDefault(id, Map.of())));
    }
    return new RunSummary(rows);
  }

  /** The progressive (test-then-train) accuracy a report carries, or null (regression, or no diagnostics). */
  static Double progressiveAccuracy(TrainingMetrics m) {
    if (m.getDiagnostics() == null) {
      return null;
    }
    for (DiagnosticValue v : m.getDiagnostics().getValues()) {
      if (v.getName().equals("progressive_accuracy")) {
        return v.getValue();
      }
    }
    return null;
  }

  /** The models this run saw (the undecodable records, which belong to no model, left out). */
  List<ModelRow> models() {
    return rows.values().stream().filter(r -> !r.modelId().equals(NO_MODEL)).toList();
  }

  /** Records that could not be decoded to a sample of any model, by reason (empty when there were none). */
  Map<String, Long> undecodable() {
    ModelRow r = rows.get(NO_MODEL);
    return r == null ? Map.of() : r.rejected();
  }

  /** The models that had samples but trained on none of them. */
  List<ModelRow> nothingTrained() {
    return models().stream().filter(r -> r.samples() == 0).toList();
  }

  String table() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-16s %10s %8s %12s %12s %10s %10s  %s%n", "model", "samples", "steps",
        "final loss", "progr. acc", "snapshots", "rejected", "rejected by reason"));
    for (ModelRow r : rows.values()) {
      b.append(String.format(Locale.ROOT, "%-16s %10d %8d %12s %12s %10d %10d  %s%n", r.modelId(), r.samples(),
          r.steps(), Double.isNaN(r.finalLoss()) ? "-" : String.format(Locale.ROOT, "%.4f", r.finalLoss()),
          r.progressiveAccuracy() == null ? "-" : String.format(Locale.ROOT, "%.4f", r.progressiveAccuracy()),
          r.snapshots(), r.rejectedTotal(), r.rejected().isEmpty() ? "-" : r.rejected()));
    }
    b.append("(final loss: the smoothed training loss of the last report; progr. acc: test-then-train accuracy over"
        + " the whole run)").append(System.lineSeparator());
    return b.toString();
  }

  private static KafkaConsumer<byte[], byte[]> consumer(KafkaSettings kafka) {
    return new KafkaConsumer<>(kafka.toProperties(Map.of("isolation.level", "read_committed",
        "enable.auto.commit", "false")), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static <T extends SpecificRecord> List<T> readAfter(KafkaSettings kafka, String topic,
      Map<TopicPartition, Long> from, Class<T> type) throws IOException {
    SpecificDatumReader<T> reader = new SpecificDatumReader<>(type);
    List<T> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = consumer(kafka)) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
      c.assign(parts);
      for (TopicPartition tp : parts) {
        c.seek(tp, from.getOrDefault(tp, 0L));
      }
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new CliException("could not read topic " + topic + " to its end within 60 s for the run summary");
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          out.add(reader.read(null, DecoderFactory.get().binaryDecoder(r.value(), null)));
        }
      }
    }
    return out;
  }
}
