package io.streamtrain.flink.training;

import io.streamtrain.io.Schemas;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Writes a streamtrain Avro record to Kafka: Avro binary value, the model id as key (so the compacted model topic
 * keeps the latest snapshot per model, and one model's records stay in one partition in order), and the
 * {@code streamtrain.schema} header naming the schema for consumers.
 */
final class AvroRecordSerializer<T extends SpecificRecord> implements KafkaRecordSerializationSchema<T> {
  private static final long serialVersionUID = 1L;
  private final String topic;
  private final Class<T> type;
  private final SerializableKey<T> key;
  private transient SpecificDatumWriter<T> writer;
  private transient ByteArrayOutputStream buffer;
  private transient BinaryEncoder encoder;
  private transient List<Header> headers;

  /** A serializable key extractor. */
  interface SerializableKey<T> extends Function<T, String>, java.io.Serializable {}

  AvroRecordSerializer(String topic, Class<T> type, SerializableKey<T> key) {
    this.topic = topic;
    this.type = type;
    this.key = key;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
    if (writer == null) {
      writer = new SpecificDatumWriter<>(type);
      buffer = new ByteArrayOutputStream(1024);
      headers = List.of(Schemas.header(element.getSchema()));
    }
    buffer.reset();
    encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
    try {
      writer.write(element, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String k = key.apply(element);
    // The Kafka timestamp is the producer's clock, never the event time the record carries: Flink's element
    // timestamp can be Long.MAX_VALUE (records emitted at end of input), which Kafka refuses, and a replay of
    // old events stamped with their event time would fall straight to the topic's time-based retention.
    return new ProducerRecord<>(topic, null, null, k == null ? null : k.getBytes(StandardCharsets.UTF_8),
        buffer.toByteArray(), headers);
  }
}
