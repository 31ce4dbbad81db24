package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.producer;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.RejectedSample;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.gen.ClickEvents;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.TrainingRuns;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delayed labels (input.labels): impressions on a features topic, clicks on a labels topic written later. The
 * joined samples, read back with read_committed from an exactly-once sink, are exactly the ones the stated rule
 * gives (computed here from the generated events: first click in [tf, tf + window] decided at the click, else a
 * negative at tf + window; per model in (decision time, feature time) order) on a live run that sees the clicks
 * arrive while it runs, and on a bounded run with failures injected after checkpoints (state restored). The
 * training job on the joined topics ends with the same parameters bit for bit with and without failures, and a
 * replay of the topics with the job's spec reproduces them. Both topics spread a model over two partitions.
 */
class DelayedLabelsIT {
  static final int N = 20_000;
  static final long T0 = 1_764_745_200_000L;
  static final long STEP = 100;
  static final long WINDOW = 5_000;
  static final long OUT_OF_ORDER = 10_000;
  /** Far-future events on every partition of both topics: they move a live run's watermark past every window. */
  static final long TICK = T0 + 365L * 24 * 3600 * 1000;

  @TempDir Path tmp;

  static Map<String, Object> spec(String name, boolean bounded) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 1, "hash_bits", 10), "init", "zeros"));
    m.put("optimizer", Map.of("type", "adam", "lr", 0.05));
    m.put("batching", Map.of("batch_size", 16, "shuffle_capacity", 64, "seed", 3));
    m.put("topics", Map.of("samples", "dl-features", "metrics", name + "-metrics", "models", name + "-models",
        "rejected", name + "-rejected"));
    m.put("snapshots", Map.of("every_steps", 200));
    m.put("checkpoint", Map.of("interval_ms", 50));
    m.put("parallelism", 2);
    m.put("source", Map.of("bounded", bounded));
    m.put("input", Map.of("format", "json",
        "mapping", Map.of("model_id", Map.of("field", "tenant"), "event_time", Map.of("field", "ts"),
            "dense", List.of("price"),
            "categorical", List.of(Map.of("field", "user.country", "name", "country")),
            "numeric", List.of(Map.of("field", "user.visits", "name", "visits", "transform", "log1p"))),
        "labels", Map.of("topic", "dl-clicks", "key", Map.of("features", "id", "labels", "impression_id"),
            "event_time", Map.of("field", "ts"), "window_ms", WINDOW, "out_of_orderness_ms", OUT_OF_ORDER)));
    return m;
  }

  /** The rule, stated directly: per tenant, "time label price" in (decision time, feature time) order. */
  static Map<String, List<String>> expected(ClickEvents ev) {
    Map<Long, Long> firstClick = new TreeMap<>();
    for (ClickEvents.Event c : ev.clicks()) {
      long tf = T0 + c.impression() * STEP;
      if (c.time() >= tf && c.time() <= tf + WINDOW) {
        firstClick.merge(c.impression(), c.time(), Math::min);
      }
    }
    Map<String, List<long[]>> decided = new TreeMap<>();
    for (ClickEvents.Event f : ev.impressions()) {
      Long click = firstClick.get(f.impression());
      decided.computeIfAbsent(f.tenant(), k -> new ArrayList<>())
          .add(new long[] {click != null ? click : f.time() + WINDOW, f.time(), click != null ? 1 : 0,
              Double.doubleToLongBits(f.price())});
    }
    Map<String, List<String>> out = new TreeMap<>();
    decided.forEach((tenant, l) -> {
      l.sort(Comparator.comparingLong((long[] a) -> a[0]).thenComparingLong(a -> a[1]));
      out.put(tenant, l.stream().map(a -> a[1] + " " + (double) a[2] + " " + Double.longBitsToDouble(a[3]))
          .toList());
    });
    return out;
  }

  /** The joined samples on {@code topic}, per model id in topic order (keyed by model id: one partition each). */
  static Map<String, List<String>> joined(String bs, String topic) throws Exception {
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    Map<String, List<String>> out = new TreeMap<>();
    for (var r : readAll(bs, topic)) {
      codec.decode(r.value(), s);
      if (s.modelId.startsWith("t-")) {
        out.computeIfAbsent(s.modelId, k -> new ArrayList<>()).add(s.eventTime + " " + s.label + " " + s.dense[0]);
      }
    }
    return out;
  }

  @Test
  void sameSamplesLiveAfterRecoveryAndOnReplay() throws Exception {
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      createTopics(bs, 2, "dl-features", "dl-clicks", "dl-live", "dl-fail", "dl-a-metrics", "dl-a-models",
          "dl-a-rejected", "dl-b-metrics", "dl-b-models", "dl-b-rejected");
      ClickEvents ev = new ClickEvents(N, 2, 11, T0, STEP, WINDOW, 8);
      Map<String, List<String>> want = expected(ev);
      // The determinism condition: within each topic no event is later than OUT_OF_ORDER behind an earlier one.
      assertThat(maxLateness(ev.impressions())).isLessThan(OUT_OF_ORDER);
      assertThat(maxLateness(ev.clicks())).isLessThan(OUT_OF_ORDER);
      long positives = want.values().stream().flatMap(List::stream).filter(x -> x.contains(" 1.0 ")).count();
      assertThat(positives).as("clicked in time").isBetween(N / 10L, N / 2L);
      assertThat(ev.clicks().size()).as("clicks, some late or doubled").isGreaterThan((int) positives);
      send(bs, "dl-features", ev.impressions(), "{\"id\": \"imp-x\", \"tenant\": \"t-0\", \"price\":",
          "{\"tenant\": \"t-0\", \"ts\": " + T0 + ", \"price\": 1.0}");

      // Live: the clicks arrive while the join runs; the far-future ticks then close every window.
      StreamExecutionEnvironment live = env(false);
      JobSpec liveSpec = JobSpec.fromMap(spec("dl-live", false));
      LabelJoinStream.kafka(liveSpec, KafkaSettings.ofBootstrap(bs)).build(live)
          .filter(r -> !r.isRejected()).sinkTo(sink(bs, "dl-live")).name("joined-sink");
      JobClient job = live.executeAsync("dl-live");
      try {
        send(bs, "dl-clicks", ev.clicks(), "not json", "{\"ts\": " + T0 + "}");
        ticks(bs);
        Awaitility.await("live joined samples").atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(2))
            .until(() -> joined(bs, "dl-live").values().stream().mapToInt(List::size).sum() >= N);
      } finally {
        job.cancel().get();
      }
      assertThat(joined(bs, "dl-live")).isEqualTo(want);

      // Bounded, failing twice after checkpoints: the join's state comes back from them.
      StreamExecutionEnvironment failing = env(true);
      JobSpec failSpec = JobSpec.fromMap(spec("dl-fail", true));
      LabelJoinStream.kafka(failSpec, KafkaSettings.ofBootstrap(bs)).build(failing)
          .filter(r -> !r.isRejected()).map(new FailAfterCheckpoint()).returns(SampleRecord.TYPE)
          .sinkTo(sink(bs, "dl-fail")).name("joined-sink");
      failing.execute("dl-fail");
      assertThat(FailAfterCheckpoint.FAILURES.get()).isEqualTo(2);
      assertThat(joined(bs, "dl-fail")).isEqualTo(want);

      // Training on the joined topics: a clean run, a run with failures between batcher and trainer, a replay.
      TrainingRuns.runBounded(JobSpec.fromMap(spec("dl-a", true)), bs, "dl-a");
      StreamExecutionEnvironment b = env(true);
      JobSpec bSpec = JobSpec.fromMap(spec("dl-b", true));
      TrainingRuns.job(bSpec, bs).withBatchInterceptor(s -> s.map(new FailureRecoveryIT.FaultInjector("dl",
          List.of(150, 400))).returns(MiniBatch.TYPE)).build(b);
      b.execute("dl-b");
      Path jobFile = tmp.resolve("dl-a.json");
      Files.writeString(jobFile, io.streamtrain.job.JobSpecFiles.toJson(JobSpec.fromMap(spec("dl-a", true))));
      Map<String, Object> replay = new LinkedHashMap<>();
      replay.put("name", "dl-replay");
      replay.put("source", Map.of("topic", "dl-features"));
      replay.put("configs", List.of(Map.of("name", "live", "job", jobFile.toString())));
      replay.put("output", Map.of("report", tmp.resolve("r.json").toString(), "charts", tmp.toString()));
      io.streamtrain.replay.ReplaySpec rs = new io.streamtrain.replay.ReplaySpec(replay, Path.of("."));
      KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
      var replayed = io.streamtrain.replay.ReplayRunner.run(rs, kafka, x -> { });

      for (String id : List.of("t-0", "t-1")) {
        SnapshotAssembler.Assembled a = ModelSnapshots.read(kafka, "dl-a-models", id::equals, null, "t").get(id);
        SnapshotAssembler.Assembled c = ModelSnapshots.read(kafka, "dl-b-models", id::equals, null, "t").get(id);
        assertThat(a.head().getStep()).as(id).isEqualTo(N / 2 / 16);
        assertThat(TrainingRuns.bits(c.parameters())).as(id + " after failures").isEqualTo(
            TrainingRuns.bits(a.parameters()));
        io.streamtrain.flink.replay.FinalModel r = replayed.finalModel("live", id);
        assertThat(r.steps).as(id + " replayed").isEqualTo(a.head().getStep());
        assertThat(TrainingRuns.bits(r.params)).as(id + " replayed").isEqualTo(TrainingRuns.bits(a.parameters()));
      }
      List<RejectedSample> rejected = decodeAll(readAll(bs, "dl-a-rejected"), RejectedSample.class);
      assertThat(rejected).extracting(RejectedSample::getReason).containsOnly(SampleDeserializer.UNMAPPABLE);
      assertThat(rejected).extracting(RejectedSample::getMessage).anyMatch(m -> m.contains("id: missing (the join key)"))
          .anyMatch(m -> m.contains("impression_id: missing (the join key)"))
          .anyMatch(m -> m.startsWith("the label event does not map: not an event of the labels' format"))
          .hasSize(4);
    }
  }

  /**
   * Throws twice: at the first sample past 4000 once a checkpoint of the attempt has completed (so the join's
   * state comes back from it), and at sample 12000 counted over all attempts (whatever the checkpoints).
   */
  static final class FailAfterCheckpoint implements MapFunction<SampleRecord, SampleRecord>, CheckpointListener {
    static final AtomicInteger SEEN = new AtomicInteger();
    static final AtomicInteger FAILURES = new AtomicInteger();
    private boolean checkpointed;

    @Override
    public SampleRecord map(SampleRecord r) throws InterruptedException {
      int n = SEEN.incrementAndGet();
      int f = FAILURES.get();
      if (f == 0 && !checkpointed && n >= 3000) {
        // On a fast machine the whole input can pass before the first checkpoint completes: slow down (between
        // records, so the checkpoint still runs) until one has, so the first failure restores the join's state.
        Thread.sleep(2);
      }
      // The first failure waits for a completed checkpoint (so the join's state is restored), but not past 16,000
      // samples: if no checkpoint has completed by then it fires anyway (a restart from the start, still a recovery).
      boolean due = f == 0 ? (checkpointed && n >= 4000) || n >= 16000 : f == 1 && n >= 12000;
      if (due && FAILURES.compareAndSet(f, f + 1)) {
        throw new IllegalStateException("injected failure " + (f + 1) + " at sample " + n);
      }
      return r;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      checkpointed = true;
    }
  }

  static StreamExecutionEnvironment env(boolean restarts) {
    Configuration conf = new Configuration();
    conf.setString("restart-strategy.type", restarts ? "fixed-delay" : "none");
    conf.setString("restart-strategy.fixed-delay.attempts", "10");
    conf.setString("restart-strategy.fixed-delay.delay", "200 ms");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
    TrainingJob.configure(env, JobSpec.fromMap(spec("dl-env", true)));
    return env;
  }

  static KafkaSink<SampleRecord> sink(String bs, String topic) {
    java.util.Properties p = new java.util.Properties();
    p.put("transaction.timeout.ms", KafkaTrainingIo.TRANSACTION_TIMEOUT_MS);
    return KafkaSink.<SampleRecord>builder().setBootstrapServers(bs).setKafkaProducerConfig(p)
        .setRecordSerializer(new AsSample(topic)).setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(topic + "-tx").build();
  }

  /** A joined sample as an Avro Sample record keyed by its model id. */
  static final class AsSample implements KafkaRecordSerializationSchema<SampleRecord> {
    private final String topic;
    private transient SampleCodec codec;
    private transient MutableSample scratch;

    AsSample(String topic) {
      this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(SampleRecord r, KafkaSinkContext ctx, Long timestamp) {
      if (codec == null) {
        codec = new SampleCodec();
        scratch = new MutableSample();
      }
      return new ProducerRecord<>(topic, r.example.modelId().getBytes(StandardCharsets.UTF_8),
          codec.encode(Rejections.toMutable(r.example, scratch)));
    }
  }

  static long maxLateness(List<ClickEvents.Event> sent) {
    long max = Long.MIN_VALUE;
    long worst = 0;
    for (ClickEvents.Event e : sent) {
      if (max != Long.MIN_VALUE) {
        worst = Math.max(worst, max - e.time());
      }
      max = Math.max(max, e.time());
    }
    return worst;
  }

  static void send(String bs, String topic, List<ClickEvents.Event> events, String... bad) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = producer(bs)) {
      for (ClickEvents.Event e : events) {
        p.send(new ProducerRecord<>(topic, e.key().getBytes(StandardCharsets.UTF_8), e.value()));
      }
      for (String b : bad) {
        p.send(new ProducerRecord<>(topic, b.getBytes(StandardCharsets.UTF_8)));
      }
      p.flush();
    }
  }

  static void ticks(String bs) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = producer(bs)) {
      for (int part = 0; part < 2; part++) {
        p.send(new ProducerRecord<>("dl-features", part, null, ("{\"id\": \"tick\", \"tenant\": \"tick\", \"ts\": "
            + TICK + ", \"price\": 0, \"user\": {}}").getBytes(StandardCharsets.UTF_8)));
        p.send(new ProducerRecord<>("dl-clicks", part, null, ("{\"impression_id\": \"tick\", \"ts\": " + TICK + "}")
            .getBytes(StandardCharsets.UTF_8)));
      }
      p.flush();
    }
  }
}
