package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.producer;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.TrainingRuns;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training from a topic of JSON events of the user's own shape (nested fields, a list of items, a string country,
 * a millisecond timestamp) through {@code input: {format: json, mapping: ...}} gives the parameters of training on
 * the equivalent Sample topic, bit for bit; events that are not JSON or do not map go to the rejected topic as
 * UNMAPPABLE with the path, and the job goes on.
 */
class JsonEventsIT {
  static final int N = 2400;
  static KafkaBroker broker;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.builder().build().start();
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  static Map<String, Object> spec(String name, String samples) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 2, "hash_bits", 14), "init", "zeros"));
    m.put("optimizer", Map.of("type", "ftrl", "lr", 0.1));
    m.put("batching", Map.of("batch_size", 16, "shuffle_capacity", 128, "seed", 5));
    m.put("topics", Map.of("samples", samples, "metrics", name + "-metrics", "models", name + "-models", "rejected",
        name + "-rejected"));
    m.put("snapshots", Map.of("every_steps", 25));
    m.put("checkpoint", Map.of("interval_ms", 500));
    m.put("parallelism", 1);
    m.put("source", Map.of("bounded", true));
    return m;
  }

  @Test
  void jsonEventsTrainExactlyLikeTheEquivalentSamples() throws Exception {
    String bs = broker.bootstrapServers();
    createTopics(bs, 1, "je-json", "je-samples", "je-a-metrics", "je-a-rejected", "je-b-metrics", "je-b-rejected");
    ObjectMapper json = new ObjectMapper();
    SampleCodec codec = new SampleCodec();
    SplittableRandom r = new SplittableRandom(17);
    byte[] key = "ctr".getBytes(StandardCharsets.UTF_8);
    try (KafkaProducer<byte[], byte[]> p = producer(bs)) {
      for (int i = 0; i < N; i++) {
        long ts = 1_764_745_500_000L + 37_000L * i;
        double price = Math.round(r.nextDouble() * 10_000) / 100.0;
        String country = new String[] {"FR", "de", "It", "ES"}[r.nextInt(4)];
        List<String> items = new ArrayList<>();
        for (int k = r.nextInt(4); k > 0; k--) {
          items.add("i" + r.nextInt(300));
        }
        int visits = r.nextInt(50);
        boolean clicked = (items.contains("i7") || country.equals("FR")) ? r.nextInt(10) < 7 : r.nextInt(10) < 2;
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("tenant", "ctr");
        event.put("ts", ts);
        event.put("clicked", clicked);
        event.put("price", price);
        event.put("user", Map.of("geo", Map.of("country", country), "visits", visits));
        event.put("items", items);
        p.send(new ProducerRecord<>("je-json", key, json.writeValueAsBytes(event)));

        // The same sample, built by hand.
        MutableSample s = new MutableSample();
        s.modelId = "ctr";
        s.eventTime = ts;
        s.addDense(price);
        s.addDense(Instant.ofEpochMilli(ts).atOffset(ZoneOffset.UTC).getHour());
        s.addCategorical("country", country.toLowerCase(Locale.ROOT));
        for (String it : items) {
          s.addCategorical("item", it);
        }
        s.addNumeric("visits", Math.log1p(visits));
        s.setBinaryLabel(clicked);
        p.send(new ProducerRecord<>("je-samples", key, codec.encode(s)));
      }
      // Two events that do not make samples: not JSON, and no label.
      p.send(new ProducerRecord<>("je-json", key, "{\"tenant\": \"ctr\", \"price\":".getBytes(StandardCharsets.UTF_8)));
      p.send(new ProducerRecord<>("je-json", key,
          "{\"tenant\": \"ctr\", \"ts\": 1, \"price\": 1.0, \"user\": {}}".getBytes(StandardCharsets.UTF_8)));
      p.flush();
    }

    JobSpec samples = JobSpec.fromMap(spec("je-a", "je-samples"));
    Map<String, Object> events = spec("je-b", "je-json");
    events.put("input", Map.of("format", "json", "mapping", Map.of(
        "model_id", Map.of("field", "tenant"),
        "label", Map.of("field", "clicked"),
        "event_time", Map.of("field", "ts"),
        "dense", List.of("price", Map.of("field", "ts", "transform", "hour_of_day")),
        "categorical", List.of(Map.of("field", "user.geo.country", "name", "country", "transform", "lower"),
            Map.of("field", "items", "name", "item")),
        "numeric", List.of(Map.of("field", "user.visits", "name", "visits", "transform", "log1p")))));
    TrainingRuns.runBounded(samples, bs, "je-a");
    TrainingRuns.runBounded(JobSpec.fromMap(events), bs, "je-b");

    KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
    SnapshotAssembler.Assembled a = ModelSnapshots.read(kafka, "je-a-models", "ctr"::equals, null, "t").get("ctr");
    SnapshotAssembler.Assembled b = ModelSnapshots.read(kafka, "je-b-models", "ctr"::equals, null, "t").get("ctr");
    assertThat(a.version()).isGreaterThanOrEqualTo(5);
    assertThat(b.version()).isEqualTo(a.version());
    assertThat(b.head().getStep()).isEqualTo(a.head().getStep()).isEqualTo(N / 16);
    assertThat(bits(b.parameters())).isEqualTo(bits(a.parameters()));
    assertThat(java.util.Arrays.stream(a.parameters()).filter(x -> x != 0.0).count()).isGreaterThan(100);

    List<RejectedSample> rejected = decodeAll(readAll(bs, "je-b-rejected"), RejectedSample.class);
    assertThat(rejected).hasSize(2).allMatch(x -> x.getReason().equals(SampleDeserializer.UNMAPPABLE));
    assertThat(rejected.get(0).getMessage()).contains("not a JSON event");
    assertThat(rejected.get(1).getMessage()).contains("clicked: missing (the label field)");
    assertThat(decodeAll(readAll(bs, "je-a-rejected"), RejectedSample.class)).isEmpty();
  }

  static long[] bits(double[] d) {
    long[] out = new long[d.length];
    for (int i = 0; i < d.length; i++) {
      out[i] = Double.doubleToRawLongBits(d[i]);
    }
    return out;
  }
}
