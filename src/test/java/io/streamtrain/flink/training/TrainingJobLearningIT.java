package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.data.ShuffleBuffer;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.train.Batching;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.core.data.ExampleCodec;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The training job learns, keeps models apart, and computes exactly what the core computes: with a real in-JVM
 * broker and a MiniCluster at parallelism 2, an MLP [2, 16, 1] (tanh, logistic head) learns the concentric-circles
 * stream to near-perfect progressive accuracy while a logistic model on the very same stream stays near chance;
 * three models keyed by id train side by side in one job; and every snapshot each model publishes holds, bit for
 * bit, the parameters of the same samples fed to the core directly (the batcher's draws reproduced with the same
 * seed, shuffle buffer and trainer).
 */
class TrainingJobLearningIT {
  static final int N = 12_000;
  static final int B = 32;
  static final int K = 256;
  static final long SEED = 7;
  private static KafkaBroker broker;

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

  @Test
  void mlpLearnsCirclesLogisticCannotAndEverySnapshotEqualsTheCoreBitForBit() throws Exception {
    String p = "circ-";
    createTopics(broker.bootstrapServers(), 2, p + "samples", p + "metrics", p + "models", p + "rejected");
    // The MLP and the logistic model see the very same stream (generator seed 11); a second MLP another one.
    Map<String, List<byte[]>> produced = new LinkedHashMap<>();
    produced.put("mlp-circles", produce(broker.bootstrapServers(), p + "samples", "mlp-circles",
        Generators.create("circles", Map.of(), 11), N));
    produced.put("lin-circles", produce(broker.bootstrapServers(), p + "samples", "lin-circles",
        Generators.create("circles", Map.of(), 11), N));
    produced.put("mlp-other", produce(broker.bootstrapServers(), p + "samples", "mlp-other",
        Generators.create("circles", Map.of("factor", 0.3), 12), N));

    Map<String, Object> raw = TrainingJobIT.spec("circles-job", p,
        Map.of("type", "logistic", "features", Map.of("dense", 2)),
        Map.of("type", "adam", "lr", 0.02));
    raw.put("batching", Map.of("batch_size", B, "shuffle_capacity", K, "seed", SEED));
    raw.put("models", List.of(Map.of("match", "mlp-.*",
        "model", Map.of("type", "mlp", "layers", List.of(2, 16, 1), "activation", "tanh", "head", "logistic",
            "seed", 1))));
    JobSpec spec = JobSpec.fromMap(raw);
    run(spec);

    List<TrainingMetrics> metrics =
        decodeAll(readAll(broker.bootstrapServers(), p + "metrics"), TrainingMetrics.class);
    List<ModelSnapshot> snaps = decodeAll(readAll(broker.bootstrapServers(), p + "models"), ModelSnapshot.class);

    assertThat(TrainingJobIT.lastAccuracy(metrics, "mlp-circles")).isGreaterThanOrEqualTo(0.97);
    assertThat(TrainingJobIT.lastAccuracy(metrics, "mlp-other")).isGreaterThanOrEqualTo(0.97);
    assertThat(TrainingJobIT.lastAccuracy(metrics, "lin-circles")).isBetween(0.3, 0.7);

    for (Map.Entry<String, List<byte[]>> e : produced.entrySet()) {
      String id = e.getKey();
      List<ModelSnapshot> mine = snaps.stream().filter(s -> s.getModelId().equals(id)).toList();
      // Every 100 steps and the final one: 100, 200, 300, 375.
      assertThat(mine).extracting(ModelSnapshot::getStep).containsExactly(100L, 200L, 300L, (long) N / B);
      TrainingConfig cfg = spec.configs().get(spec.configIndex(id));
      Map<Long, long[]> expected = replayThroughTheCore(id, cfg, e.getValue());
      for (ModelSnapshot s : mine) {
        assertThat(bits(s.getParameters())).as("%s at step %d", id, s.getStep()).isEqualTo(expected.get(s.getStep()));
      }
      assertThat(mine.get(mine.size() - 1).getSamplesSeen()).isEqualTo(N);
    }
    // Same configuration, different data: the two MLPs ended in different places.
    assertThat(finalParams(snaps, "mlp-circles")).isNotEqualTo(finalParams(snaps, "mlp-other"));
  }

  static void run(JobSpec spec) throws Exception {
    org.apache.flink.configuration.Configuration conf = new org.apache.flink.configuration.Configuration();
    // A failure here is a bug to surface, not to retry (a restart would also replay, hiding nondeterminism).
    conf.setString("restart-strategy.type", "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
    TrainingJob.configure(env, spec);
    KafkaSettings kafka = KafkaSettings.ofBootstrap(broker.bootstrapServers());
    KafkaTrainingIo.job(spec, kafka).build(env);
    env.execute(spec.name());
  }

  /**
   * The independent path: decode the produced bytes, fill the same shuffle buffer with the batcher's seed for this
   * model, draw B whenever it is full and flush at the end, and train the core trainer on each draw. Returns the
   * parameter bits after every step that is a multiple of 100 and after the last one.
   */
  static Map<Long, long[]> replayThroughTheCore(String id, TrainingConfig cfg, List<byte[]> values)
      throws Exception {
    return replayThroughTheCore(id, cfg, values, null);
  }

  /** As above, the model starting from {@code initialParams} (a warm start; null: the initializer). */
  static Map<Long, long[]> replayThroughTheCore(String id, TrainingConfig cfg, List<byte[]> values,
      double[] initialParams) throws Exception {
    Batching batching = cfg.batching();
    ShuffleBuffer<Example> buffer = new ShuffleBuffer<>(batching.shuffleCapacity(),
        MiniBatcherFunction.seedFor(batching.seed(), id), ExampleCodec.INSTANCE);
    ModelTrainer trainer = new ModelTrainer(cfg);
    TrainerState state = trainer.newState(id);
    if (initialParams != null) {
      state.warmStart(initialParams, new double[0], 0);
    }
    SampleCodec codec = new SampleCodec();
    MutableSample wire = new MutableSample();
    Example example = new Example();
    Map<Long, long[]> out = new TreeMap<>();
    for (byte[] v : values) {
      SampleDeserializer.toExample(codec.decode(v, wire), example);
      buffer.add(example);
      if (buffer.isFull()) {
        trainOnDraw(buffer, batching.batchSize(), trainer, state, out);
      }
    }
    while (!buffer.isEmpty()) {
      trainOnDraw(buffer, batching.batchSize(), trainer, state, out);
    }
    out.put(state.step, bits(state.params));
    return out;
  }

  static void trainOnDraw(ShuffleBuffer<Example> buffer, int b, ModelTrainer trainer, TrainerState state,
      Map<Long, long[]> out) {
    int n = buffer.draw(b);
    List<Example> batch = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      batch.add(buffer.slot(buffer.size() + i));
    }
    trainer.train(state, batch);
    if (state.step % 100 == 0) {
      out.put(state.step, bits(state.params));
    }
  }

  static long[] finalParams(List<ModelSnapshot> snaps, String id) {
    return bits(snaps.stream().filter(s -> s.getModelId().equals(id)).reduce((a, b) -> b).orElseThrow()
        .getParameters());
  }

  static long[] bits(double[] a) {
    long[] b = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = Double.doubleToRawLongBits(a[i]);
    }
    return b;
  }

  static long[] bits(List<Double> a) {
    return a.stream().mapToLong(Double::doubleToRawLongBits).toArray();
  }
}
