package io.streamtrain.flink.serving;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.producer;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.Prediction;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.ScoreRequest;
import io.streamtrain.client.ModelClient;
import io.streamtrain.client.ModelVersions;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.loss.LogisticLoss;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpecs;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.SnapshotParts;
import io.streamtrain.io.Topics;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.ServeSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.TrainingRuns;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serve job against a real broker in MiniClusters: scoring a request stream while the training job publishes
 * versions, across a stop with a savepoint and a restart from it; and a model with no version yet (rejected, or
 * waiting), malformed requests and requests that do not fit their model.
 */
class ServeIT {
  static final int DIMS = 10;
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

  /** Request i's features: the same for the producer and the checks. */
  static double[] features(long i) {
    SplittableRandom r = new SplittableRandom(i * 7919 + 1);
    double[] x = new double[DIMS];
    for (int d = 0; d < DIMS; d++) {
      x[d] = r.nextDouble(-1, 1);
    }
    return x;
  }

  static ScoreRequest request(String id, String model, double[] x) {
    List<Double> dense = new ArrayList<>();
    for (double v : x) {
      dense.add(v);
    }
    return ScoreRequest.newBuilder().setRequestId(id).setModelId(model).setDense(dense)
        .setEventTime(Instant.ofEpochMilli(1_000L)).build();
  }

  static Map<String, Object> serveSpec(String name, String models, Map<String, Object> extra) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("topics", Map.of("requests", name + "-requests", "models", models, "predictions", name + "-predictions",
        "rejected", name + "-rejected"));
    m.put("checkpoint", Map.of("interval_ms", 300));
    m.put("source", Map.of("start", "earliest"));
    m.put("parallelism", 2);
    m.putAll(extra);
    return m;
  }

  static void compactedTopic(String bs, String topic) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bs))) {
      Topics.ensure(admin, Topics.TopicSpec.compacted(topic, 2));
    }
  }

  @Test
  void scoresWhileTrainingWithPublishedVersionsExactlyOnceAcrossASavepointRestart(@TempDir Path dir)
      throws Exception {
    String bs = broker.bootstrapServers();
    createTopics(bs, 2, "st-samples", "st-metrics", "st-rejected", "sv-requests", "sv-predictions", "sv-rejected");
    compactedTopic(bs, "st-models");
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("name", "st");
    t.put("model", Map.of("type", "logistic", "features", Map.of("dense", DIMS)));
    t.put("optimizer", Map.of("type", "sgd", "lr", 0.1));
    t.put("batching", Map.of("batch_size", 16, "shuffle_capacity", 64, "seed", 3));
    t.put("topics", Map.of("samples", "st-samples", "metrics", "st-metrics", "models", "st-models", "rejected",
        "st-rejected"));
    t.put("snapshots", Map.of("every_steps", 5));
    t.put("checkpoint", Map.of("interval_ms", 300));
    t.put("parallelism", 1);
    JobSpec trainSpec = JobSpec.fromMap(t);
    StreamExecutionEnvironment trainEnv = TrainingRuns.env(trainSpec, null);
    TrainingRuns.job(trainSpec, bs).build(trainEnv);
    // Requests that arrive before serve has read the first version wait (the default): every request counts.
    ServeSpec spec = ServeSpec.fromMap(serveSpec("sv", "st-models", Map.of()));
    AtomicBoolean samplesOn = new AtomicBoolean(true);
    AtomicBoolean requestsOn = new AtomicBoolean(true);
    AtomicInteger sent = new AtomicInteger();
    JobClient training = null;
    JobClient serve = null;
    Thread samples = null;
    Thread requests = null;
    try {
      training = trainEnv.executeAsync("st-training");
      // The training stream goes on all along the serving.
      SampleGenerator gen = Generators.create("hyperplane", Map.of("dims", DIMS, "speed", 0.001, "noise", 0.05), 7);
      samples = new Thread(() -> {
        while (samplesOn.get()) {
          produce(bs, "st-samples", "hp", gen, 80);
          pause(150);
        }
      }, "samples");
      samples.start();
      serve = ServeRuns.start(spec, bs, null);
      KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
      Awaitility.await("a first version").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300))
          .until(() -> !ModelSnapshots.read(kafka, "st-models", "hp"::equals, null, "test").isEmpty());
      requests = new Thread(() -> {
        try (KafkaProducer<byte[], byte[]> p = producer(bs)) {
          while (requestsOn.get()) {
            for (int k = 0; k < 10; k++) {
              int i = sent.getAndIncrement();
              ServeRuns.send(p, "sv-requests", request("q-" + i, "hp", features(i)));
            }
            p.flush();
            pause(20);
          }
        }
      }, "requests");
      requests.start();

      Awaitility.await("predictions before the stop").atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(500)).until(() -> readAll(bs, "sv-predictions").size() >= 400);
      String savepoint = serve.stopWithSavepoint(false, dir.resolve("sp").toUri().toString(),
          SavepointFormatType.CANONICAL).get();
      int atStop = sent.get();
      serve = ServeRuns.start(spec, bs, savepoint);
      Awaitility.await("requests sent while restarted").atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(200)).until(() -> sent.get() >= atStop + 1500);
      requestsOn.set(false);
      requests.join();
      int total = sent.get();
      Awaitility.await("every request predicted").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
          .until(() -> readAll(bs, "sv-predictions").size() >= total);
      samplesOn.set(false);
      samples.join();
      training.cancel().get();
      training = null;

      List<ConsumerRecord<byte[], byte[]>> predRecords = readAll(bs, "sv-predictions");
      List<Prediction> preds = decodeAll(predRecords, Prediction.class);
      // Exactly once across the stop and the restart (read_committed): every id once, nothing else.
      TreeMap<String, Integer> perId = new TreeMap<>();
      preds.forEach(p -> perId.merge(p.getRequestId(), 1, Integer::sum));
      assertThat(perId).hasSize(total);
      assertThat(perId.values()).allMatch(n -> n == 1);
      for (int i = 0; i < total; i++) {
        assertThat(perId).containsKey("q-" + i);
      }
      assertThat(decodeAll(readAll(bs, "sv-rejected"), RejectedSample.class)).isEmpty();

      // Every prediction names a version committed on the model topic before the prediction was written.
      List<ConsumerRecord<byte[], byte[]>> modelRecords = readAll(bs, "st-models");
      Map<Long, Long> headTime = new HashMap<>();
      List<ModelSnapshot> snaps = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : modelRecords) {
        ModelSnapshot s = SnapshotParts.decode(r.value());
        snaps.add(s);
        if (s.getPart() == 0) {
          headTime.merge(s.getVersion(), r.timestamp(), Math::min);
        }
      }
      TreeSet<Long> used = new TreeSet<>();
      for (int j = 0; j < preds.size(); j++) {
        long v = preds.get(j).getModelVersion();
        used.add(v);
        assertThat(headTime).containsKey(v);
        assertThat(headTime.get(v)).isLessThanOrEqualTo(predRecords.get(j).timestamp());
      }
      assertThat(used.size()).as("versions used " + used).isGreaterThanOrEqualTo(2);

      // Bit for bit: ModelClient with that version, and the core model with its parameters.
      Map<Long, ModelClient.Predictor> clients = new HashMap<>();
      Map<Long, SnapshotAssembler.Assembled> versions = new HashMap<>();
      for (long v : used) {
        SnapshotAssembler a = new SnapshotAssembler("hp"::equals, v);
        snaps.forEach(a::add);
        SnapshotAssembler.Assembled got = a.complete().get("hp");
        versions.put(v, got);
        clients.put(v, ModelClient.of(ModelVersions.of(got, null)).predictor("hp"));
        assertThat(preds.stream().filter(p -> p.getModelVersion() == v).findFirst().orElseThrow().getModelStep())
            .isEqualTo(got.head().getStep());
      }
      double[] viaClient = new double[1];
      double[] viaCore = new double[1];
      Map<Long, Model> cores = new HashMap<>();
      int distinct = 0;
      for (Prediction p : preds) {
        int i = Integer.parseInt(p.getRequestId().substring(2));
        double[] x = features(i);
        Example e = Example.dense(x, 0);
        SnapshotAssembler.Assembled a = versions.get(p.getModelVersion());
        clients.get(p.getModelVersion()).predict(e, viaClient);
        Model core = cores.computeIfAbsent(p.getModelVersion(), v -> ModelSpecs.fromSpec(
            new SpecReader("m", ModelSnapshots.modelSpec(a.head(), "m"))).newModel(1));
        core.predict(a.parameters(), ModelSnapshots.buffers(a.head()), e, viaCore);
        assertThat(p.getOutputs()).hasSize(1);
        long bits = Double.doubleToRawLongBits(p.getOutputs().get(0));
        assertThat(bits).isEqualTo(Double.doubleToRawLongBits(viaClient[0]));
        assertThat(bits).isEqualTo(Double.doubleToRawLongBits(viaCore[0]));
        // And the logistic model by hand: sigmoid(w . x + b), weights then bias.
        double[] w = a.parameters();
        double z = w[DIMS];
        for (int d = 0; d < DIMS; d++) {
          z += w[d] * x[d];
        }
        assertThat(p.getOutputs().get(0)).isCloseTo(LogisticLoss.sigmoid(z), offset(1e-12));
        assertThat(p.getModelType()).isEqualTo("logistic");
        assertThat(p.getEventTime()).isEqualTo(Instant.ofEpochMilli(1_000L));
        distinct += p.getOutputs().get(0) != 0.5 ? 1 : 0;
      }
      assertThat(distinct).isGreaterThan(total / 2);
    } finally {
      samplesOn.set(false);
      requestsOn.set(false);
      join(samples);
      join(requests);
      cancel(training);
      cancel(serve);
    }
  }

  @Test
  void rejectsMalformedRequestsUnfitRequestsAndModelsWithoutAVersion() throws Exception {
    String bs = broker.bootstrapServers();
    createTopics(bs, 2, "rj-requests", "rj-predictions", "rj-rejected");
    compactedTopic(bs, "rj-models");
    Map<String, Object> model = Map.of("type", "logistic", "features", Map.of("dense", 4));
    double[] w = {0.5, -1.25, 2.0, 0.125, -0.3};
    JobClient serve = null;
    try (KafkaProducer<byte[], byte[]> p = producer(bs)) {
      ServeRuns.publish(p, "rj-models", "m1", model, w, 3);
      serve = ServeRuns.start(ServeSpec.fromMap(serveSpec("rj", "rj-models", Map.of("no_model", "reject"))), bs,
          null);
      // Until serve has read the version, probes may be rejected; then the cases below are decided.
      int probe = 0;
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (predictions(bs, "rj-predictions").stream().noneMatch(x -> x.getRequestId().startsWith("probe"))) {
        assertThat(System.nanoTime()).as("serve scores a probe within 2 minutes").isLessThan(deadline);
        ServeRuns.send(p, "rj-requests", request("probe-" + probe++, "m1", new double[] {1, 0, 0, 0}));
        p.flush();
        pause(300);
      }
      double[] x = {0.25, 1.0, -0.5, 2.0};
      ServeRuns.send(p, "rj-requests", request("good", "m1", x));
      ServeRuns.send(p, "rj-requests", request("nomodel", "m2", x));
      ServeRuns.send(p, "rj-requests", request("short", "m1", new double[] {1.0, 2.0, 3.0}));
      ServeRuns.send(p, "rj-requests", request("nan", "m1", new double[] {1.0, Double.NaN, 3.0, 4.0}));
      p.send(new ProducerRecord<>("rj-requests", "m1".getBytes(), new byte[] {1, 2, 3, (byte) 0xff, 9}));
      p.flush();
      Awaitility.await("all decided").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300))
          .until(() -> rejected(bs, "rj-rejected").stream().filter(r -> !r.getMessage().contains("probe-")).count()
              >= 4 && predictions(bs, "rj-predictions").stream().anyMatch(q -> q.getRequestId().equals("good")));
      Prediction good = predictions(bs, "rj-predictions").stream().filter(q -> q.getRequestId().equals("good"))
          .findFirst().orElseThrow();
      assertThat(good.getModelVersion()).isEqualTo(3);
      assertThat(good.getModelStep()).isEqualTo(30);
      double z = w[4] + 0.5 * 0.25 - 1.25 * 1.0 + 2.0 * -0.5 + 0.125 * 2.0;
      assertThat(good.getOutputs().get(0)).isCloseTo(LogisticLoss.sigmoid(z), offset(1e-15));
      Map<String, String> reasons = new TreeMap<>();
      for (RejectedSample r : rejected(bs, "rj-rejected")) {
        if (r.getMessage().contains("probe-")) {
          continue;
        }
        String id = r.getReason().equals("UNDECODABLE") ? "garbage"
            : decodeRequest(r.getRaw().array()).getRequestId();
        reasons.put(id, r.getReason());
      }
      assertThat(reasons).containsExactlyInAnyOrderEntriesOf(Map.of("nomodel", "NO_MODEL_VERSION",
          "short", "DENSE_LENGTH_MISMATCH", "nan", "NON_FINITE_FEATURE", "garbage", "UNDECODABLE"));
      assertThat(serve.getJobStatus().get().isGloballyTerminalState()).isFalse();
    } finally {
      cancel(serve);
    }
  }

  @Test
  void waitingRequestsAreScoredWhenTheFirstVersionArrivesUpToTheBound() throws Exception {
    String bs = broker.bootstrapServers();
    createTopics(bs, 2, "wt-requests", "wt-predictions", "wt-rejected");
    compactedTopic(bs, "wt-models");
    Map<String, Object> model = Map.of("type", "softmax", "classes", 3, "features", Map.of("dense", 2));
    JobClient serve = null;
    try (KafkaProducer<byte[], byte[]> p = producer(bs)) {
      serve = ServeRuns.start(ServeSpec.fromMap(serveSpec("wt", "wt-models", Map.of("no_model", "wait",
          "wait_max", 5))), bs, null);
      for (int i = 0; i < 7; i++) {
        ServeRuns.send(p, "wt-requests", request("w-" + i, "m3", new double[] {i * 0.5, 1.0 - i}));
      }
      p.flush();
      Awaitility.await("two over the bound").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300))
          .until(() -> rejected(bs, "wt-rejected").size() >= 2);
      assertThat(predictions(bs, "wt-predictions")).isEmpty();
      double[] w = {0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.01, 0.02, 0.03};
      ServeRuns.publish(p, "wt-models", "m3", model, w, 1);
      Awaitility.await("the waiting five").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300))
          .until(() -> predictions(bs, "wt-predictions").size() >= 5);
      List<Prediction> preds = predictions(bs, "wt-predictions");
      List<RejectedSample> rej = rejected(bs, "wt-rejected");
      assertThat(preds).hasSize(5);
      assertThat(rej).hasSize(2).allMatch(r -> r.getReason().equals("WAIT_LIMIT"));
      TreeSet<String> ids = new TreeSet<>();
      preds.forEach(q -> ids.add(q.getRequestId()));
      rej.forEach(r -> ids.add(decodeRequest(r.getRaw().array()).getRequestId()));
      assertThat(ids).hasSize(7);
      SnapshotAssembler.Assembled a = ModelSnapshots.read(KafkaSettings.ofBootstrap(bs), "wt-models",
          "m3"::equals, null, "test").get("m3");
      ModelClient.Predictor client = ModelClient.of(ModelVersions.of(a, null)).predictor("m3");
      double[] out = new double[3];
      for (Prediction q : preds) {
        int i = Integer.parseInt(q.getRequestId().substring(2));
        assertThat(q.getModelVersion()).isEqualTo(1);
        assertThat(client.predict(Example.dense(new double[] {i * 0.5, 1.0 - i}, 0), out)).isEqualTo(1);
        assertThat(q.getOutputs()).hasSize(3);
        for (int k = 0; k < 3; k++) {
          assertThat(Double.doubleToRawLongBits(q.getOutputs().get(k))).isEqualTo(Double.doubleToRawLongBits(out[k]));
        }
        assertThat(q.getOutputs().stream().mapToDouble(Double::doubleValue).sum())
            .isCloseTo(1.0, offset(1e-12));
      }
    } finally {
      cancel(serve);
    }
  }

  static List<Prediction> predictions(String bs, String topic) throws Exception {
    return decodeAll(readAll(bs, topic), Prediction.class);
  }

  static List<RejectedSample> rejected(String bs, String topic) throws Exception {
    return decodeAll(readAll(bs, topic), RejectedSample.class);
  }

  static ScoreRequest decodeRequest(byte[] raw) {
    try {
      return new org.apache.avro.specific.SpecificDatumReader<>(ScoreRequest.class)
          .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(raw, null));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void join(Thread t) throws InterruptedException {
    if (t != null) {
      t.join(60_000);
    }
  }

  static void cancel(JobClient job) {
    if (job != null) {
      try {
        job.cancel().get();
      } catch (Exception e) {
        // already finished or failed: nothing to stop
      }
    }
  }
}
