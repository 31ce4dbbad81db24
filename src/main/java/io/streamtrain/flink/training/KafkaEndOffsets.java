package io.streamtrain.flink.training;

import io.streamtrain.io.KafkaSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * End offsets of the samples topic from a Kafka Admin client built from the same client settings as the job's
 * source ({@link KafkaSettings#clientProperties()}: bootstrap, TLS and SASL apply alike), with the source's
 * isolation level: under {@code read_committed} the end is the last stable offset, which is as far as the source
 * can read. One short {@code listOffsets} request per probe, bounded by a timeout, on the probe thread.
 */
public final class KafkaEndOffsets implements EndOffsets {
  private static final long serialVersionUID = 1L;
  /** A probe that takes longer is abandoned; the next one tries again (the figure is informational). */
  static final long REQUEST_TIMEOUT_MS = 10_000;

  private final String topic;
  private final TreeMap<String, String> clientProperties;
  private final String clientIdPrefix;

  public KafkaEndOffsets(String topic, KafkaSettings kafka, String clientIdPrefix) {
    this.topic = topic;
    this.clientProperties = new TreeMap<>(kafka.clientProperties());
    this.clientIdPrefix = clientIdPrefix;
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public Reader open(int subtask) {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put("client.id", clientIdPrefix + "-lag-" + subtask);
    p.put("request.timeout.ms", String.valueOf(REQUEST_TIMEOUT_MS));
    p.put("default.api.timeout.ms", String.valueOf(REQUEST_TIMEOUT_MS));
    // Consumer-only keys (isolation.level, max.poll.records, ...) are not Admin settings: leave them out so the
    // Admin client does not log each one as unused.
    Map<String, Object> admin = new HashMap<>();
    for (String k : p.stringPropertyNames()) {
      if (!k.equals("isolation.level")) {
        admin.put(k, p.getProperty(k));
      }
    }
    String iso = clientProperties.getOrDefault("isolation.level", "read_uncommitted").toLowerCase(Locale.ROOT);
    IsolationLevel level = iso.equals("read_committed") ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED;
    Admin client = Admin.create(admin);
    return new Reader() {
      @Override
      public long[] endOffsets(int[] partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int part : partitions) {
          request.put(new TopicPartition(topic, part), OffsetSpec.latest());
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result =
            client.listOffsets(request, new ListOffsetsOptions(level)).all()
                .get(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        long[] out = new long[partitions.length];
        for (int i = 0; i < partitions.length; i++) {
          var info = result.get(new TopicPartition(topic, partitions[i]));
          out[i] = info == null ? -1 : info.offset();
        }
        return out;
      }

      @Override
      public void close() {
        client.close(Duration.ofSeconds(2));
      }
    };
  }
}
