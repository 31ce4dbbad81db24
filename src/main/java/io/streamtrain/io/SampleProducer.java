package io.streamtrain.io;

import io.streamtrain.avro.Sample;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes samples to a Kafka topic as Avro binary, fast: one reused {@link SampleCodec}, lz4 compression, large
 * batches with a short linger, idempotence (so retries keep the order within a partition) and acks=all. Each
 * record carries the {@value Schemas#HEADER}: Sample and {@value Schemas#FINGERPRINT_HEADER} headers; the sample key, when set, is the record key (so one
 * entity's samples share a partition). Send errors are kept and rethrown by {@link #flush()} or {@link #close()},
 * never swallowed. Client settings (bootstrap, security) come from {@link KafkaSettings}; the defaults here can be
 * overridden there.
 */
public final class SampleProducer implements AutoCloseable {
  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final SampleCodec codec = new SampleCodec();
  private final List<Header> headers = Schemas.headers(Sample.getClassSchema());
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private final Callback callback =
      (metadata, exception) -> {
        if (exception != null) {
          failure.compareAndSet(null, exception);
        }
      };
  private long sent;

  public SampleProducer(KafkaSettings settings, String topic) {
    this.topic = topic;
    Map<String, Object> defaults = new TreeMap<>();
    defaults.put(ProducerConfig.ACKS_CONFIG, "all");
    defaults.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    defaults.put(ProducerConfig.LINGER_MS_CONFIG, "10");
    defaults.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
    defaults.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(128L * 1024 * 1024));
    defaults.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(8 * 1024 * 1024));
    defaults.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    java.util.Properties p = new java.util.Properties();
    p.putAll(defaults);
    p.putAll(settings.clientProperties()); // the user's conf/ wins over our defaults
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Encodes and sends one sample (asynchronously; batched by the client). */
  public void send(MutableSample s) {
    Exception e = failure.get();
    if (e != null) {
      throw new IllegalStateException("sending to topic " + topic + " failed: " + e.getMessage(), e);
    }
    byte[] value = codec.encode(s);
    byte[] key = s.key == null ? null : s.key.getBytes(StandardCharsets.UTF_8);
    producer.send(new ProducerRecord<>(topic, null, null, key, value, headers), callback);
    sent++;
  }

  /** Sends a record whose value is an already encoded Sample (from {@link SampleCodec#encode}). */
  public void sendEncoded(byte[] key, byte[] value) {
    sendEncoded(null, key, value);
  }

  /** To a given partition (null: the key's, or spread when there is no key). */
  public void sendEncoded(Integer partition, byte[] key, byte[] value) {
    Exception e = failure.get();
    if (e != null) {
      throw new IllegalStateException("sending to topic " + topic + " failed: " + e.getMessage(), e);
    }
    producer.send(new ProducerRecord<>(topic, partition, null, key, value, headers), callback);
    sent++;
  }

  public long sent() {
    return sent;
  }

  /** Waits until everything sent so far is acknowledged; throws if any send failed. */
  public void flush() {
    producer.flush();
    Exception e = failure.get();
    if (e != null) {
      throw new IllegalStateException("sending to topic " + topic + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      flush();
    } finally {
      producer.close();
    }
  }
}
