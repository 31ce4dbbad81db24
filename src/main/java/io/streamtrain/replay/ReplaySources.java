package io.streamtrain.replay;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.flink.training.SampleDeserializer;
import io.streamtrain.flink.training.SampleRecord;
import io.streamtrain.io.CsvSampleReader;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.LibsvmSampleReader;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.ReaderOptions;
import io.streamtrain.io.SampleReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * The replayed samples: a bounded KafkaSource over a topic range (start and end as earliest/latest, one
 * timestamp, or offsets per partition, end exclusive; partitions without an offset start at the earliest and end
 * at the latest offset), or the samples of a CSV/LIBSVM file read on the client, for users without Kafka
 * history. Nothing is committed: a replay never moves a consumer group.
 */
public final class ReplaySources {
  private ReplaySources() {}

  public static KafkaSource<SampleRecord> kafka(ReplaySpec spec, KafkaSettings kafka) {
    ReplaySpec.Source s = spec.source();
    Properties props = kafka.toProperties(Map.of(
        "max.poll.records", "5000",
        "max.partition.fetch.bytes", String.valueOf(8 << 20),
        "enable.auto.commit", "false"));
    return KafkaSource.<SampleRecord>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setProperties(props)
        .setTopics(s.topic())
        .setGroupId("streamtrain-replay-" + spec.name())
        .setDeserializer(new SampleDeserializer())
        .setStartingOffsets(initializer(s.topic(), s.start(), OffsetResetStrategy.EARLIEST))
        .setBounded(initializer(s.topic(), s.end(), OffsetResetStrategy.LATEST))
        .build();
  }

  static OffsetsInitializer initializer(String topic, ReplaySpec.Bound b, OffsetResetStrategy missing) {
    return switch (b.kind()) {
      case "earliest" -> OffsetsInitializer.earliest();
      case "latest" -> OffsetsInitializer.latest();
      case "timestamp" -> OffsetsInitializer.timestamp(b.timestamp());
      case "offsets" -> {
        Map<TopicPartition, Long> m = new HashMap<>();
        b.offsets().forEach((p, o) -> m.put(new TopicPartition(topic, p), o));
        yield OffsetsInitializer.offsets(m, missing);
      }
      case "timestamps" -> new PerPartitionTimestamps(topic, b.offsets(), missing);
      default -> throw new IllegalStateException(b.kind());
    };
  }

  /**
   * Offsets from a timestamp per partition (the first record at or after it, as Kafka's offsetsForTimes); a
   * partition whose records are all older gets its end offset; partitions not listed start at the earliest (for a
   * start bound) or end at the latest (for an end bound).
   */
  static final class PerPartitionTimestamps implements OffsetsInitializer {
    private static final long serialVersionUID = 1L;
    private final String topic;
    private final Map<Integer, Long> times;
    private final OffsetResetStrategy missing;

    PerPartitionTimestamps(String topic, Map<Integer, Long> times, OffsetResetStrategy missing) {
      this.topic = topic;
      this.times = new HashMap<>(times);
      this.missing = missing;
    }

    @Override
    public Map<TopicPartition, Long> getPartitionOffsets(java.util.Collection<TopicPartition> partitions,
        PartitionOffsetsRetriever retriever) {
      Map<TopicPartition, Long> query = new HashMap<>();
      java.util.List<TopicPartition> unlisted = new java.util.ArrayList<>();
      for (TopicPartition tp : partitions) {
        Long t = tp.topic().equals(topic) ? times.get(tp.partition()) : null;
        if (t != null) {
          query.put(tp, t);
        } else {
          unlisted.add(tp);
        }
      }
      Map<TopicPartition, Long> out = new HashMap<>();
      Map<TopicPartition, Long> ends = retriever.endOffsets(partitions);
      if (!query.isEmpty()) {
        retriever.offsetsForTimes(query).forEach((tp, ot) -> out.put(tp, ot == null ? ends.get(tp) : ot.offset()));
      }
      if (!unlisted.isEmpty()) {
        out.putAll(missing == OffsetResetStrategy.EARLIEST ? retriever.beginningOffsets(unlisted)
            : ends.entrySet().stream().filter(e -> unlisted.contains(e.getKey()))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
      }
      return out;
    }

    @Override
    public OffsetResetStrategy getAutoOffsetResetStrategy() {
      return missing;
    }
  }

  /** Reads every sample of the spec's file (in file order) as source records; malformed lines are reported. */
  public static List<SampleRecord> file(ReplaySpec spec, List<String> malformed) {
    ReplaySpec.Source s = spec.source();
    SpecReader o = new SpecReader("source", s.fileOptions());
    Path f = s.file();
    String name = f.getFileName().toString().toLowerCase(Locale.ROOT).replaceAll("\\.gz$", "");
    String dflt = name.endsWith(".svm") || name.endsWith(".libsvm") || name.endsWith(".svmlight") ? "libsvm" : "csv";
    String format = o.getEnum("format", dflt, List.of("csv", "libsvm"));
    ReaderOptions opts = ReaderOptions.defaults()
        .withModelId(o.getString("model_id", "default"))
        .withTime(o.getLong("start_time", ReaderOptions.DEFAULT_START_TIME), o.getLong("time_step_ms", 1));
    SampleReader.MalformedListener listener = (line, why) -> {
      if (malformed.size() < 20) {
        malformed.add(f + ":" + line + ": " + why);
      }
    };
    List<SampleRecord> out = new ArrayList<>();
    MutableSample m = new MutableSample();
    try (SampleReader r = format.equals("csv")
        ? new CsvSampleReader(f, CsvSampleReader.Columns.defaults().withLabel(o.getString("label", null)), opts,
            listener)
        : new LibsvmSampleReader(f, false, opts, listener)) {
      while (r.next(m)) {
        SampleRecord rec = new SampleRecord();
        SampleDeserializer.toExample(m, rec.example);
        rec.timestamp = rec.example.eventTime();
        out.add(rec);
      }
    } catch (IOException e) {
      throw new SpecException("source.file", f, "readable: " + e.getMessage());
    }
    return out;
  }
}
