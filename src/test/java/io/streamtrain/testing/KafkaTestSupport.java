package io.streamtrain.testing;

import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.gen.SampleGenerator;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Producing samples to and reading Avro records from a real broker in tests. */
public final class KafkaTestSupport {
  private KafkaTestSupport() {}

  public static void createTopics(String bootstrap, int partitions, String... topics) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      List<NewTopic> list = new ArrayList<>();
      for (String t : topics) {
        list.add(new NewTopic(t, partitions, (short) 1));
      }
      admin.createTopics(list).all().get();
      awaitLeaders(admin, partitions, 60_000, topics);
    }
  }

  /** Waits until every partition of the topics has a leader (after a topic creation or a broker restart). */
  public static void awaitLeaders(String bootstrap, int partitions, String... topics) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      awaitLeaders(admin, partitions, 120_000, topics);
    }
  }

  private static void awaitLeaders(Admin admin, int partitions, long timeoutMs, String... topics) {
    for (String t : topics) {
      io.streamtrain.io.Topics.awaitLeaders(admin, t, partitions, timeoutMs);
    }
  }

  public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("linger.ms", "5");
    p.put("acks", "all");
    // Idempotence with retries: a NOT_LEADER right after topic creation is retried without loss or reordering.
    p.put("enable.idempotence", "true");
    p.put("max.in.flight.requests.per.connection", "5");
    p.put("delivery.timeout.ms", "120000");
    // Metadata and the idempotent producer's id can take a while right after a broker restart on a loaded machine.
    p.put("max.block.ms", "120000");
    return new KafkaProducer<>(p);
  }

  /**
   * Produces {@code n} samples of {@code gen} for {@code modelId}, keyed by the model id (so one model's
   * samples keep their order in one partition), and returns their encoded values in order.
   */
  public static List<byte[]> produce(String bootstrap, String topic, String modelId, SampleGenerator gen, int n) {
    List<byte[]> values = new ArrayList<>(n);
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> p = producer(bootstrap)) {
      byte[] key = modelId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      for (int i = 0; i < n; i++) {
        gen.next(s);
        s.modelId = modelId;
        byte[] v = codec.encode(s);
        values.add(v);
        p.send(new ProducerRecord<>(topic, key, v), (md, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          }
        });
      }
      p.flush();
    }
    if (failure.get() != null) {
      // A lost send would make every count in the test wrong: fail here, naming the cause.
      throw new IllegalStateException("producing test samples to " + topic + " failed", failure.get());
    }
    return values;
  }

  /** Reads every record of {@code topic} (all partitions, from the start) with read_committed isolation. */
  public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    return readAll(p, topic);
  }

  /** As {@link #readAll(String, String)}, with these client settings (e.g. a secured listener's). */
  public static List<ConsumerRecord<byte[], byte[]>> readAll(Properties clientSettings, String topic) {
    Properties p = new Properties();
    p.putAll(clientSettings);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", "false");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(topic, Duration.ofSeconds(30)).forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!caughtUp(c, end, Set.copyOf(parts)) && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  private static boolean caughtUp(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end, Set<TopicPartition> parts) {
    for (TopicPartition tp : parts) {
      if (c.position(tp) < end.get(tp)) {
        return false;
      }
    }
    return true;
  }

  public static <T extends SpecificRecord> List<T> decodeAll(List<ConsumerRecord<byte[], byte[]>> records,
      Class<T> type) throws IOException {
    SpecificDatumReader<T> reader = new SpecificDatumReader<>(type);
    List<T> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      out.add(reader.read(null, DecoderFactory.get().binaryDecoder(r.value(), null)));
    }
    return out;
  }
}
