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
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * Training from topics of events of the user's own shape (nested fields, a list of items, a string country, a
 * millisecond timestamp) through {@code input: {format: ..., mapping: ...}} gives the parameters of training on the
 * equivalent Sample topic, bit for bit, in each format: JSON, Avro binary with the writer schema from a file, and
 * Avro in the schema-registry wire format with the schema fetched by id from a registry over HTTP (basic auth,
 * the password from an environment placeholder). No registry server runs here (Confluent's is not on Maven
 * Central, Apicurio's is a Quarkus service): the registry is a real HTTP server answering with the Confluent REST
 * API's recorded response shape. Events that do not decode or map go to the rejected topic as UNMAPPABLE with the
 * path, and the job goes on. The Sample topic trains to the same parameters at parallelism 1 (source to trainer
 * chained in one thread) and 2 (through the keyBy).
 */
class EventTopicsIT {
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

  @TempDir static Path tmp;

  @Test
  @SuppressWarnings("unchecked")
  void eventsOfEveryFormatTrainExactlyLikeTheEquivalentSamples() throws Exception {
    String bs = broker.bootstrapServers();
    createTopics(bs, 1, "je-json", "je-avro", "je-reg", "je-samples", "je-a-metrics", "je-a-rejected",
        "je-b-metrics", "je-b-rejected", "je-c-metrics", "je-c-rejected", "je-d-metrics", "je-d-rejected",
        "je-e-metrics", "je-e-rejected");
    Schema clickSchema = new Schema.Parser().parse(CLICK_SCHEMA);
    Path avsc = tmp.resolve("click.avsc");
    Files.writeString(avsc, CLICK_SCHEMA);
    HttpServer registry = registry(clickSchema);
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
        // A plain string field (JSON: hashed from the parser's buffer as it is read; non-ASCII from its String).
        String site = new String[] {"news", "sport", "caf\u00e9", "a\"b", "\ud83d\ude00"}[r.nextInt(5)];
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("tenant", "ctr");
        event.put("ts", ts);
        event.put("clicked", clicked);
        event.put("price", price);
        event.put("user", Map.of("geo", Map.of("country", country), "visits", visits));
        event.put("items", items);
        event.put("site", site);
        p.send(new ProducerRecord<>("je-json", key, json.writeValueAsBytes(event)));
        GenericRecord rec = new GenericData.Record(clickSchema);
        rec.put("tenant", "ctr");
        rec.put("ts", ts);
        rec.put("clicked", clicked);
        rec.put("price", price);
        GenericRecord user = new GenericData.Record(clickSchema.getField("user").schema());
        GenericRecord geo = new GenericData.Record(user.getSchema().getField("geo").schema());
        geo.put("country", country);
        user.put("geo", geo);
        user.put("visits", visits);
        rec.put("user", user);
        rec.put("items", items);
        rec.put("site", site);
        byte[] body = avro(rec);
        p.send(new ProducerRecord<>("je-avro", key, body));
        p.send(new ProducerRecord<>("je-reg", key, ByteBuffer.allocate(5 + body.length).put((byte) 0)
            .putInt(SCHEMA_ID).put(body).array()));

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
        s.addCategorical("site", site);
        s.addNumeric("visits", Math.log1p(visits));
        s.setBinaryLabel(clicked);
        p.send(new ProducerRecord<>("je-samples", key, codec.encode(s)));
      }
      // Two events that do not make samples: not JSON, and no label.
      p.send(new ProducerRecord<>("je-json", key, "{\"tenant\": \"ctr\", \"price\":".getBytes(StandardCharsets.UTF_8)));
      p.send(new ProducerRecord<>("je-json", key,
          "{\"tenant\": \"ctr\", \"ts\": 1, \"price\": 1.0, \"user\": {}}".getBytes(StandardCharsets.UTF_8)));
      // Registry framing: a schema id the registry does not know, and a record without the magic byte.
      p.send(new ProducerRecord<>("je-reg", key, new byte[] {0, 0, 0, 0, 99, 2}));
      p.send(new ProducerRecord<>("je-reg", key, "{}".getBytes(StandardCharsets.UTF_8)));
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
            Map.of("field", "items", "name", "item"), "site"),
        "numeric", List.of(Map.of("field", "user.visits", "name", "visits", "transform", "log1p")))));
    Map<String, Object> mapping = (Map<String, Object>) ((Map<String, Object>) events.get("input")).get("mapping");
    Map<String, Object> avroEvents = spec("je-c", "je-avro");
    avroEvents.put("input", Map.of("format", "avro", "schema", avsc.toString(), "mapping", mapping));
    Map<String, Object> regEvents = spec("je-d", "je-reg");
    regEvents.put("input", Map.of("format", "avro_registry", "mapping", mapping, "registry", Map.of(
        "url", "http://localhost:" + registry.getAddress().getPort(), "username", "trainer",
        "password", "${env:PATH}")));
    try {
      TrainingRuns.runBounded(samples, bs, "je-a");
      TrainingRuns.runBounded(JobSpec.fromMap(events), bs, "je-b");
      TrainingRuns.runBounded(JobSpec.fromMap(avroEvents), bs, "je-c");
      TrainingRuns.runBounded(JobSpec.fromMap(regEvents), bs, "je-d");
      // The Sample topic again at parallelism 2: through the keyBy instead of the one chained thread.
      Map<String, Object> p2 = spec("je-e", "je-samples");
      p2.put("parallelism", 2);
      TrainingRuns.runBounded(JobSpec.fromMap(p2), bs, "je-e");
    } finally {
      registry.stop(0);
    }
    assertThat(REGISTRY_CALLS.get()).as("each schema id fetched once per reader, then cached").isBetween(2, 4);

    KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
    SnapshotAssembler.Assembled a = ModelSnapshots.read(kafka, "je-a-models", "ctr"::equals, null, "t").get("ctr");
    SnapshotAssembler.Assembled b = ModelSnapshots.read(kafka, "je-b-models", "ctr"::equals, null, "t").get("ctr");
    assertThat(a.version()).isGreaterThanOrEqualTo(5);
    assertThat(b.version()).isEqualTo(a.version());
    assertThat(b.head().getStep()).isEqualTo(a.head().getStep()).isEqualTo(N / 16);
    assertThat(TrainingRuns.bits(b.parameters())).isEqualTo(TrainingRuns.bits(a.parameters()));
    for (String job : List.of("je-c", "je-d", "je-e")) {
      SnapshotAssembler.Assembled c = ModelSnapshots.read(kafka, job + "-models", "ctr"::equals, null, "t").get("ctr");
      assertThat(c.version()).as(job).isEqualTo(a.version());
      assertThat(TrainingRuns.bits(c.parameters())).as(job).isEqualTo(TrainingRuns.bits(a.parameters()));
    }
    List<RejectedSample> regRejected = decodeAll(readAll(bs, "je-d-rejected"), RejectedSample.class);
    assertThat(regRejected).hasSize(2).allMatch(x -> x.getReason().equals(SampleDeserializer.UNMAPPABLE));
    assertThat(regRejected.get(0).getMessage()).contains("schema id 99").contains("HTTP 404");
    assertThat(regRejected.get(1).getMessage()).contains("not in the schema-registry wire format");
    assertThat(decodeAll(readAll(bs, "je-c-rejected"), RejectedSample.class)).isEmpty();
    assertThat(java.util.Arrays.stream(a.parameters()).filter(x -> x != 0.0).count()).isGreaterThan(100);

    // A replay of the JSON topic with the job's spec (its input section comes with it) reproduces the job.
    Path jobFile = tmp.resolve("je-b.yaml");
    Files.writeString(jobFile, io.streamtrain.job.JobSpecFiles.toJson(JobSpec.fromMap(events)));
    Map<String, Object> replay = new LinkedHashMap<>();
    replay.put("name", "je-replay");
    replay.put("source", Map.of("topic", "je-json"));
    replay.put("configs", List.of(Map.of("name", "live", "job", jobFile.toString())));
    replay.put("output", Map.of("report", tmp.resolve("r.json").toString(), "charts", tmp.toString()));
    io.streamtrain.replay.ReplaySpec rs = new io.streamtrain.replay.ReplaySpec(replay, Path.of("."));
    assertThat(rs.input().format()).isEqualTo("json");
    io.streamtrain.replay.ReplayOutcome out = io.streamtrain.replay.ReplayRunner.run(rs, kafka, x -> { });
    io.streamtrain.flink.replay.FinalModel replayed = out.finalModel("live", "ctr");
    assertThat(replayed.steps).isEqualTo(b.head().getStep());
    assertThat(TrainingRuns.bits(replayed.params)).isEqualTo(TrainingRuns.bits(b.parameters()));
    // The two events that do not map belong to no model (as in the job: they go straight to the rejected output).
    assertThat(replayed.rejected).isZero();

    List<RejectedSample> rejected = decodeAll(readAll(bs, "je-b-rejected"), RejectedSample.class);
    assertThat(rejected).hasSize(2).allMatch(x -> x.getReason().equals(SampleDeserializer.UNMAPPABLE));
    assertThat(rejected.get(0).getMessage()).contains("not an event of the input format");
    assertThat(rejected.get(1).getMessage()).contains("clicked: missing (the label field)");
    assertThat(decodeAll(readAll(bs, "je-a-rejected"), RejectedSample.class)).isEmpty();
  }

  static final int SCHEMA_ID = 7;
  static final java.util.concurrent.atomic.AtomicInteger REGISTRY_CALLS = new java.util.concurrent.atomic.AtomicInteger();
  static final String CLICK_SCHEMA = """
      {"type": "record", "name": "Click", "namespace": "com.example.events", "fields": [
        {"name": "tenant", "type": "string"},
        {"name": "ts", "type": "long"},
        {"name": "clicked", "type": "boolean"},
        {"name": "price", "type": "double"},
        {"name": "user", "type": {"type": "record", "name": "User", "fields": [
          {"name": "geo", "type": {"type": "record", "name": "Geo", "fields": [{"name": "country", "type": "string"}]}},
          {"name": "visits", "type": "int"}]}},
        {"name": "items", "type": {"type": "array", "items": "string"}},
        {"name": "site", "type": "string"}]}""";

  /**
   * A schema registry's REST answers for GET /schemas/ids/{id} (Confluent's API: {"schema": "..."}; 404 with an
   * error body for an unknown id), behind HTTP basic auth; counts the lookups.
   */
  static HttpServer registry(Schema schema) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    String expectedAuth = "Basic " + Base64.getEncoder().encodeToString(
        ("trainer:" + System.getenv("PATH")).getBytes(StandardCharsets.UTF_8));
    server.createContext("/schemas/ids/", ex -> {
      REGISTRY_CALLS.incrementAndGet();
      String id = ex.getRequestURI().getPath().substring("/schemas/ids/".length());
      int status;
      String body;
      if (!expectedAuth.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        status = 401;
        body = "{\"error_code\": 401, \"message\": \"Unauthorized\"}";
      } else if (id.equals(String.valueOf(SCHEMA_ID))) {
        status = 200;
        body = new ObjectMapper().writeValueAsString(Map.of("schema", schema.toString()));
      } else {
        status = 404;
        body = "{\"error_code\": 40403, \"message\": \"Schema " + id + " not found\"}";
      }
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
      ex.sendResponseHeaders(status, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    server.start();
    return server;
  }

  static byte[] avro(GenericRecord r) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, e);
    e.flush();
    return out.toByteArray();
  }
}
