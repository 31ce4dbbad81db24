package io.streamtrain.replay;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.flink.training.SampleDeserializer;
import io.streamtrain.flink.training.SampleRecord;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * The rows a fit reads: a file source as a replay lays it out (its training rows, one pass), or a topic range read
 * on the client with a plain consumer (no group, nothing committed; start and end bounds resolved per partition as
 * a replay's, end exclusive), decoded with the replay's deserializer (Sample records or mapped events). Only the
 * fitted model id's samples count; a sample its feature space rejects is counted and skipped. Rows go into batches
 * of {@code batchRows}.
 */
public final class FitSamples {
  /** The batches, rows kept, and rows skipped (other model ids, rejected or undecodable). */
  public record Data(List<Batch> batches, long rows, long otherModels, long rejected) {}

  private FitSamples() {}

  public static Data read(FitSpec spec, KafkaSettings kafka) {
    FeatureSpace fs = spec.config().model().features();
    Collecting c = new Collecting(fs, spec.modelId(), spec.batchRows());
    ReplaySpec r = spec.replay();
    if (r.source().topic() == null) {
      ReplaySources.FileSamples f = ReplaySources.layout(r, new ArrayList<>());
      int train = f.trainRows();
      for (int i = 0; i < train && i < f.records().size(); i++) {
        c.collect(f.records().get(i));
      }
    } else {
      readTopic(r, kafka, c);
    }
    if (c.rows == 0) {
      throw new SpecException("source", r.source().topic() != null ? r.source().topic() : r.source().file(),
          "a range with samples of model " + spec.modelId() + " (found none; " + c.others + " of other ids, "
              + c.rejected + " rejected)");
    }
    return new Data(c.batches, c.rows, c.others, c.rejected);
  }

  private static void readTopic(ReplaySpec r, KafkaSettings kafka, Collecting c) {
    String topic = r.source().topic();
    SampleDeserializer de = new SampleDeserializer(r.input());
    try (KafkaConsumer<byte[], byte[]> consumer = Topics.follower(kafka)) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new SpecException("source.topic", topic, "an existing topic");
      }
      List<TopicPartition> parts = new ArrayList<>();
      infos.forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      Map<TopicPartition, Long> from = resolve(consumer, r.source().start(), parts, begin, end, true);
      Map<TopicPartition, Long> to = resolve(consumer, r.source().end(), parts, begin, end, false);
      List<TopicPartition> open = new ArrayList<>();
      for (TopicPartition tp : parts) {
        if (from.get(tp) < to.get(tp)) {
          open.add(tp);
        }
      }
      consumer.assign(open);
      open.forEach(tp -> consumer.seek(tp, from.get(tp)));
      long[] endOf = new long[parts.stream().mapToInt(TopicPartition::partition).max().orElse(0) + 1];
      to.forEach((tp, o) -> endOf[tp.partition()] = o);
      while (!open.isEmpty()) {
        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(500))) {
          if (rec.offset() < endOf[rec.partition()]) {
            try {
              de.deserialize(rec, c);
            } catch (java.io.IOException e) {
              c.rejected++;
            }
          }
        }
        open.removeIf(tp -> consumer.position(tp) >= to.get(tp));
        consumer.assign(open);
      }
    }
  }

  private static Map<TopicPartition, Long> resolve(KafkaConsumer<?, ?> consumer, ReplaySpec.Bound b,
      List<TopicPartition> parts, Map<TopicPartition, Long> begin, Map<TopicPartition, Long> end, boolean start) {
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartition tp : parts) {
      long dflt = start ? begin.get(tp) : end.get(tp);
      long v = switch (b.kind()) {
        case EARLIEST -> begin.get(tp);
        case LATEST -> end.get(tp);
        case OFFSETS -> b.offsets().getOrDefault(tp.partition(), dflt);
        case TIMESTAMP, TIMESTAMPS -> {
          Long ts = b.kind() == ReplaySpec.Bound.Kind.TIMESTAMP ? Long.valueOf(b.timestamp())
              : b.offsets().get(tp.partition());
          if (ts == null) {
            yield dflt;
          }
          OffsetAndTimestamp o = consumer.offsetsForTimes(Map.of(tp, ts)).get(tp);
          yield o == null ? end.get(tp) : o.offset();
        }
      };
      out.put(tp, Math.max(begin.get(tp), Math.min(v, end.get(tp))));
    }
    return out;
  }

  /** Keeps the fitted model's valid examples, copied into batches as they arrive (records are reused). */
  private static final class Collecting implements Collector<SampleRecord> {
    final FeatureSpace fs;
    final String modelId;
    final int batchRows;
    final List<Batch> batches = new ArrayList<>();
    long rows;
    long others;
    long rejected;

    Collecting(FeatureSpace fs, String modelId, int batchRows) {
      this.fs = fs;
      this.modelId = modelId;
      this.batchRows = batchRows;
    }

    @Override
    public void collect(SampleRecord rec) {
      if (rec.isRejected() || rec.isLagMarker() || rec.isChunk()) {
        rejected++;
        return;
      }
      Example e = rec.example;
      if (!modelId.equals(e.modelId())) {
        others++;
        return;
      }
      if (io.streamtrain.core.data.Validation.check(fs, e) != RejectReason.OK) {
        rejected++;
        return;
      }
      if (batches.isEmpty() || batches.get(batches.size() - 1).isFull()) {
        batches.add(new Batch(fs, batchRows));
      }
      batches.get(batches.size() - 1).add(e);
      rows++;
    }

    @Override
    public void close() {}
  }
}
