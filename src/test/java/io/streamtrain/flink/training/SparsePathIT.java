package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sparse path through the real thing: a click-style logistic model over 2^20 hashed slots (FTRL) trained by
 * the job from a real in-JVM broker in a MiniCluster. Its first report names the sparse path, it learns (the
 * progressive loss falls well below the first batches'), and its final published snapshot, 2^20 + 1 parameters,
 * equals bit for bit the parameters of the same samples fed to the core directly.
 */
class SparsePathIT {
  static final int N = 24_000;
  static final int BITS = 20;
  private static KafkaBroker broker;
  @TempDir static Path checkpoints;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBroker.startTemporary();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  /** Clicks: 8 categorical fields (cardinalities 5 to 5000); the label depends on three of them. */
  static SampleGenerator clicks(long seed) {
    return new SampleGenerator() {
      private final Xoshiro256 g = new Xoshiro256(seed);
      private long index;

      @Override
      public void next(MutableSample s) {
        s.clear();
        int[] card = {5, 20, 50, 100, 300, 1000, 3000, 5000};
        long[] v = new long[card.length];
        for (int f = 0; f < card.length; f++) {
          v[f] = Math.floorMod(g.nextLong(), (long) card[f]);
          s.addCategorical("f" + f, Long.toString(v[f]));
        }
        double z = (v[0] - 2) * 0.8 + (v[2] % 5 == 0 ? 1.5 : -0.5) + (v[5] % 7 == 0 ? 2.0 : 0.0);
        s.setBinaryLabel(g.nextDouble() < 1 / (1 + Math.exp(-z)));
        s.eventTime = 1_700_000_000_000L + index;
        index++;
      }

      @Override
      public long index() {
        return index;
      }

      @Override
      public int dimensions() {
        return 0;
      }
    };
  }

  @Test
  void hashedFtrlModelLearnsOnTheSparsePathAndItsSnapshotEqualsTheCore() throws Exception {
    String p = "sparse-";
    createTopics(broker.bootstrapServers(), 2, p + "samples", p + "metrics", p + "models", p + "rejected");
    List<byte[]> produced = produce(broker.bootstrapServers(), p + "samples", "ctr", clicks(3), N);
    Map<String, Object> raw = TrainingJobIT.spec("sparse-job", p,
        Map.of("type", "logistic", "features", Map.of("hash_bits", BITS), "init", "zeros"),
        Map.of("type", "ftrl", "lr", 0.1, "beta", 0.01, "l1", 0.001));
    raw.put("batching", Map.of("batch_size", 16, "shuffle_capacity", 256, "seed", 5));
    raw.put("metrics", Map.of("every_batches", 50));
    raw.put("snapshots", Map.of("every_steps", 100_000));
    JobSpec spec = JobSpec.fromMap(raw);
    assertThat(spec.configs().get(0).trainingPath().sparse()).isTrue();
    run(spec);

    List<TrainingMetrics> metrics = decodeAll(readAll(broker.bootstrapServers(), p + "metrics"),
        TrainingMetrics.class);
    List<TrainingEvent> first = metrics.get(0).getEvents();
    assertThat(first).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo("training_path");
      assertThat(e.getMessage()).startsWith("sparse");
    });
    // Learned: the last reports' loss is well below the best constant prediction's (the label entropy) and below
    // the first report's.
    SampleGenerator again = clicks(3);
    MutableSample s = new MutableSample();
    int positives = 0;
    for (int i = 0; i < N; i++) {
      again.next(s);
      positives += Boolean.TRUE.equals(s.labelValue()) ? 1 : 0;
    }
    double rate = (double) positives / N;
    double entropy = -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate));
    double early = metrics.get(0).getLossMean();
    double late = metrics.get(metrics.size() - 1).getLossMean();
    assertThat(late).isLessThan(early).isLessThan(entropy - 0.08);

    TrainingConfig cfg = spec.configs().get(0);
    Map<Long, long[]> expected = TrainingJobLearningIT.replayThroughTheCore("ctr", cfg, produced);
    long lastStep = N / 16;
    assertThat(expected).containsKey(lastStep);
    SnapshotAssembler.Assembled last = ModelSnapshots.read(KafkaSettings.ofBootstrap(broker.bootstrapServers()),
        p + "models", "ctr"::equals, null, "test").get("ctr");
    assertThat(last.head().getStep()).isEqualTo(lastStep);
    assertThat(last.parameters()).hasSize((1 << BITS) + 1);
    assertThat(TrainingJobLearningIT.bits(last.parameters())).isEqualTo(expected.get(lastStep));
    // FTRL's l1 keeps most of the 2^20 slots exactly zero: only features seen with enough evidence have weight.
    long nonZero = java.util.Arrays.stream(last.parameters()).filter(v -> v != 0).count();
    assertThat(nonZero).isBetween(10L, 10_000L);
  }

  /** As `streamtrain train` runs a job: hashmap state, checkpoints in files (the state is above 5 MB). */
  static void run(JobSpec spec) throws Exception {
    Configuration conf = new Configuration();
    conf.setString("restart-strategy.type", "none");
    conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
    TrainingJob.configure(env, spec);
    KafkaTrainingIo.job(spec, KafkaSettings.ofBootstrap(broker.bootstrapServers())).build(env);
    env.execute(spec.name());
  }
}
