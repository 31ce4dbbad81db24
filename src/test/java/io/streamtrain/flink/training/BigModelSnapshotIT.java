package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.SnapshotParts;
import io.streamtrain.io.Topics;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.replay.ReplayOutcome;
import io.streamtrain.replay.ReplayRunner;
import io.streamtrain.replay.ReplaySpec;
import io.streamtrain.testing.TrainingRuns;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hashed logistic model of 2^20 + 1 parameters (8 MB of doubles) through a real broker that keeps Kafka's
 * default record limits (message.max.bytes 1048588, producer max.request.size 1 MiB): the training job publishes
 * every snapshot version as parts below those limits, the compacted model topic is actually compacted (small
 * segments, an eager cleaner) until the first version is gone, and then the latest version reads back bit for bit
 * equal to the core trainer fed the same samples in the same order, three ways: the model-topic reader, a warm
 * start, and a holdout replay (whose final model comes back through Flink's collect sink, 2 MB a result by
 * default).
 */
class BigModelSnapshotIT {
  static final int HASH_BITS = 20;
  static final int N = 240;
  static KafkaBroker broker;
  @TempDir static Path tmp;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.builder()
        // Kafka's defaults (the embedded broker raises the record limit to 16 MB otherwise): no size limit may
        // decide what a user can train.
        .serverProperty("message.max.bytes", "1048588")
        // An eager log cleaner so the test sees compaction within seconds; a small dedupe buffer for the test heap.
        .serverProperty("log.cleaner.backoff.ms", "200")
        .serverProperty("log.cleaner.dedupe.buffer.size", String.valueOf(16 << 20))
        .build()
        .start();
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  /** Click-style samples: three categorical fields of many values hashed into 2^20 slots, a label from one. */
  static SampleGenerator clicks(long seed) {
    return new SampleGenerator() {
      final SplittableRandom r = new SplittableRandom(seed);
      long i;

      @Override
      public void next(MutableSample s) {
        s.clear();
        s.eventTime = 1_000_000L + 1_000L * i;
        int ad = r.nextInt(50_000);
        s.addCategorical("ad", "a" + ad);
        s.addCategorical("site", "s" + r.nextInt(20_000));
        s.addCategorical("user", "u" + r.nextInt(100_000));
        s.setBinaryLabel(ad % 3 == 0);
        i++;
      }

      @Override
      public long index() {
        return i;
      }

      @Override
      public int dimensions() {
        return 0;
      }
    };
  }

  @Test
  void aTwoToTheTwentyModelPublishesSurvivesCompactionAndReadsBackBitIdentically() throws Exception {
    String bs = broker.bootstrapServers();
    String models = "big-models";
    createTopics(bs, 2, "big-samples", "big-metrics", "big-rejected");
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bs))) {
      // The job's compacted model topic, with Kafka's default max.message.bytes, rolled every 1 MB (the least
      // Kafka allows) and cleaned as soon as anything is dirty.
      Topics.ensure(admin, new Topics.TopicSpec(models, 2, (short) 1, Map.of(
          "cleanup.policy", "compact",
          "segment.bytes", String.valueOf(1 << 20),
          "min.cleanable.dirty.ratio", "0.01",
          "delete.retention.ms", "100")));
    }
    List<byte[]> values = produce(bs, "big-samples", "m", clicks(11), N);

    Map<String, Object> m = TrainingJobIT.spec("big", "big-",
        // Random initial weights: parameters that do not compress, so the 8 MB versions span many 1 MB segments
        // and the cleaner has closed segments to compact (zeros compress into the one active segment).
        Map.of("type", "logistic", "features", Map.of("hash_bits", HASH_BITS), "init", "normal"),
        Map.of("type", "sgd", "lr", 0.5));
    // B = 4 and 60 steps give versions at 20, 40
    // and 60 steps.
    m.put("batching", Map.of("batch_size", 4, "shuffle_capacity", 64, "seed", 7));
    m.put("snapshots", Map.of("every_steps", 20));
    m.put("checkpoint", Map.of("interval_ms", 2000));
    m.put("parallelism", 1);
    JobSpec spec = JobSpec.fromMap(m);
    run(spec, bs);

    TrainingConfig cfg = spec.configs().get(0);
    Map<Long, long[]> core = TrainingJobLearningIT.replayThroughTheCore("m", cfg, values);
    long lastStep = N / 4;
    long[] expected = core.get(lastStep);
    assertThat(expected).hasSize((1 << HASH_BITS) + 1);

    // Every record is a bounded part; all of a model's parts sit in its head's partition.
    List<ConsumerRecord<byte[], byte[]>> records = readAll(bs, models);
    int partition = SnapshotParts.partition("m", 2);
    for (ConsumerRecord<byte[], byte[]> r : records) {
      assertThat(r.value().length).isLessThan(600_000);
      assertThat(r.partition()).isEqualTo(partition);
    }
    ModelSnapshot anyPart = SnapshotParts.decode(records.get(0).value());
    assertThat(anyPart.getParts()).isEqualTo(17);

    // Compaction: wait until version 1 is gone entirely (its keys all have newer records).
    await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).until(() -> readAll(bs, models)
        .stream().map(r -> SnapshotParts.decode(r.value())).noneMatch(s -> s.getVersion() == 1));

    KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
    SnapshotAssembler.Assembled got = ModelSnapshots.read(kafka, models, "m"::equals, null, "test").get("m");
    assertThat(got.version()).isEqualTo(3);
    assertThat(got.head().getStep()).isEqualTo(lastStep);
    assertThat(bits(got.parameters())).isEqualTo(expected);

    // Warm start: a new job's model starts from exactly these parameters.
    Map<String, Object> w = new LinkedHashMap<>(m);
    w.put("name", "big-warm");
    w.put("warm_start", Map.of("topic", models));
    WarmStarts warm = WarmStarts.load(JobSpec.fromMap(w), kafka);
    assertThat(bits(warm.lookup("m", 0).params())).isEqualTo(expected);
    assertThat(warm.lookup("m", 0).sourceVersion()).isEqualTo(3);

    // Holdout: scored from the topic; the final model (the holdout's parameters) comes back whole.
    Map<String, Object> holdout = new LinkedHashMap<>();
    holdout.put("name", "big-holdout");
    holdout.put("mode", "holdout");
    holdout.put("source", Map.of("topic", "big-samples"));
    holdout.put("holdout", Map.of("model_id", "m", "topic", models));
    ReplayOutcome h = ReplayRunner.run(new ReplaySpec(holdout, Path.of(".")), kafka, x -> { });
    EvaluationResult last = h.results().stream().filter(io.streamtrain.flink.replay.EvaluationRecords::isFinal)
        .findFirst().orElseThrow();
    assertThat(last.getModelVersion()).isEqualTo(3);
    assertThat(last.getSamples()).isEqualTo(N);
    assertThat(bits(h.finals().get(0).params)).isEqualTo(expected);
  }

  /**
   * As `streamtrain train` runs a job (TrainCommand): hashmap state, checkpoints in files. The trainer state (8 MB)
   * is above the in-memory checkpoint storage's 5 MB limit that a bare local environment would use.
   */
  static void run(JobSpec spec, String bootstrap) throws Exception {
    org.apache.flink.configuration.Configuration conf = new org.apache.flink.configuration.Configuration();
    conf.setString("restart-strategy.type", "none");
    conf.set(org.apache.flink.configuration.StateBackendOptions.STATE_BACKEND, "hashmap");
    conf.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTS_DIRECTORY, tmp.toUri().toString());
    org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env =
        org.apache.flink.streaming.api.environment.StreamExecutionEnvironment.createLocalEnvironment(
            spec.parallelism(), conf);
    TrainingJob.configure(env, spec);
    TrainingRuns.job(spec, bootstrap).build(env);
    env.execute(spec.name());
  }

  static long[] bits(double[] d) {
    long[] b = new long[d.length];
    for (int i = 0; i < d.length; i++) {
      b[i] = Double.doubleToRawLongBits(d[i]);
    }
    return b;
  }
}
