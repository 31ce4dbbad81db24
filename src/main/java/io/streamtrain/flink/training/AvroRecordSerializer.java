package io.streamtrain.flink.training;

import io.streamtrain.io.AvroBytes;
import io.streamtrain.io.Schemas;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Writes a streamtrain Avro record to Kafka: Avro binary value, the model id as key (so the compacted model topic
 * keeps the latest snapshot per model, and one model's records stay in one partition in order), and the
 * {@code streamtrain.schema} header naming the schema for consumers. Optionally a partition chooser (the parts of
 * a model snapshot follow their head's partition, see SnapshotParts) and a size bound: a record larger than the
 * producer's {@code max.request.size} (or the topic's {@code max.message.bytes}) would fail asynchronously with
 * RecordTooLargeException and restart the job forever, so it is caught here first and either shrunk (a handler may drop a payload) or fails the job without
 * restarts, with an error that names the setting.
 */
public final class AvroRecordSerializer<T extends SpecificRecord> implements KafkaRecordSerializationSchema<T> {
  private static final long serialVersionUID = 1L;
  private final String topic;
  private final Class<T> type;
  private final SerializableKey<T> key;
  private transient AvroBytes<T> bytes;
  private transient List<Header> headers;
  private SerializablePartition<T> partition;
  private int maxRecordBytes = Integer.MAX_VALUE;
  private String limitSetting = "max.request.size";
  private SerializableShrink<T> shrink;

  /** A serializable key extractor. */
  public interface SerializableKey<T> extends Function<T, String>, java.io.Serializable {}

  /** Chooses the partition of a record among {@code numPartitions}; null leaves it to the producer. */
  public interface SerializablePartition<T> extends java.io.Serializable {
    Integer partition(T element, int numPartitions);
  }

  /** Makes an oversized record smaller (e.g. drops a raw payload), or returns null when it cannot. */
  public interface SerializableShrink<T> extends java.io.Serializable {
    T shrink(T element, int recordBytes, int maxRecordBytes);
  }

  public AvroRecordSerializer(String topic, Class<T> type, SerializableKey<T> key) {
    this.topic = topic;
    this.type = type;
    this.key = key;
  }

  /** Records go to the partition {@code p} chooses. */
  public AvroRecordSerializer<T> withPartition(SerializablePartition<T> p) {
    this.partition = p;
    return this;
  }

  /**
   * Records (key, value and headers) above {@code maxRecordBytes}, the producer's max.request.size less Kafka's
   * record overhead, go to {@code shrink} when given, else fail the job without restarts naming max.request.size.
   */
  public AvroRecordSerializer<T> withMaxRecordBytes(int maxRecordBytes, SerializableShrink<T> shrink) {
    return withMaxRecordBytes(maxRecordBytes, "max.request.size", shrink);
  }

  /** As above, the bound coming from {@code setting} (named in the error), e.g. the topic's max.message.bytes. */
  public AvroRecordSerializer<T> withMaxRecordBytes(int maxRecordBytes, String setting, SerializableShrink<T> shrink) {
    this.maxRecordBytes = maxRecordBytes;
    this.limitSetting = setting;
    this.shrink = shrink;
    return this;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
    if (bytes == null) {
      bytes = new AvroBytes<>(type);
      headers = List.of(Schemas.header(element.getSchema()));
    }
    String k = key.apply(element);
    byte[] keyBytes = k == null ? null : k.getBytes(StandardCharsets.UTF_8);
    byte[] value = bytes.encode(element);
    int size = recordBytes(keyBytes, value);
    if (size > maxRecordBytes) {
      T smaller = shrink == null ? null : shrink.shrink(element, size, maxRecordBytes);
      value = smaller == null ? null : bytes.encode(smaller);
      if (value == null || recordBytes(keyBytes, value) > maxRecordBytes) {
        throw tooLarge(topic, type.getSimpleName(), k, size, maxRecordBytes, limitSetting);
      }
    }
    Integer p = null;
    if (partition != null) {
      int[] parts = context.getPartitionsForTopic(topic);
      p = parts.length == 0 ? null : partition.partition(element, parts.length);
    }
    // The Kafka timestamp is the producer's clock, never the event time the record carries: Flink's element
    // timestamp can be Long.MAX_VALUE (records emitted at end of input), which Kafka refuses, and a replay of
    // old events stamped with their event time would fall straight to the topic's time-based retention.
    return new ProducerRecord<>(topic, p, null, keyBytes, value, headers);
  }

  private int recordBytes(byte[] key, byte[] value) {
    int n = value.length + (key == null ? 0 : key.length);
    for (Header h : headers) {
      n += h.key().length() + (h.value() == null ? 0 : h.value().length);
    }
    return n;
  }

  /**
   * The error for a record no setting in effect lets through. {@link SuppressRestartsException}: retrying cannot
   * help (the same record comes again after every restart), so the job fails once with this message instead of
   * restarting in a loop.
   */
  static RuntimeException tooLarge(String topic, String type, String key, int size, int max, String setting) {
    return new SuppressRestartsException(new IllegalStateException("a " + type + " record of " + size
        + " bytes for topic " + topic + " (key " + (key == null ? "none" : key.replace('\0', '/'))
        + ") exceeds the " + max + " bytes that " + setting + " allows (less " + MAX_RECORD_OVERHEAD
        + " bytes of Kafka record overhead); raise max.request.size in the Kafka client settings"
        + " (conf/kafka.properties) and the topic's max.message.bytes (broker default: message.max.bytes)"
        + " together, or make the record smaller"));
  }


  /** Bytes Kafka adds to a record's key, value and headers, rounded up (batch header 61, record header 21). */
  public static final int MAX_RECORD_OVERHEAD = 128;

  /** The record bound for a producer whose client settings are {@code props} (default max.request.size 1 MiB). */
  public static int maxRecordBytes(java.util.Properties props) {
    String v = props.getProperty("max.request.size");
    long max = v == null ? 1024 * 1024 : Long.parseLong(v.trim());
    return (int) Math.max(0, Math.min(Integer.MAX_VALUE, max - MAX_RECORD_OVERHEAD));
  }
}
