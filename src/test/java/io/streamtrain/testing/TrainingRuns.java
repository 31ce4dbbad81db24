package io.streamtrain.testing;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.flink.training.KafkaTrainingIo;
import io.streamtrain.flink.training.TrainingJob;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.job.JobSpec;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** Running the training job in tests: environments, reference runs, and reading what came out. */
public final class TrainingRuns {
  private TrainingRuns() {}

  /** A local environment for {@code spec}; restarts off (a failure fails the test), optionally from a savepoint. */
  public static StreamExecutionEnvironment env(JobSpec spec, String savepoint) {
    Configuration conf = new Configuration();
    conf.setString("restart-strategy.type", "none");
    if (savepoint != null) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
    TrainingJob.configure(env, spec);
    return env;
  }

  /** The job graph of {@code spec} against the broker, on {@code env}. */
  public static TrainingJob job(JobSpec spec, String bootstrap) {
    KafkaSettings kafka = KafkaSettings.ofBootstrap(bootstrap);
    return KafkaTrainingIo.job(spec, kafka);
  }

  /** Runs a bounded spec to its end, restarts off. */
  public static void runBounded(JobSpec spec, String bootstrap, String name) throws Exception {
    StreamExecutionEnvironment env = env(spec, null);
    job(spec, bootstrap).build(env);
    env.execute(name);
  }

  /** The snapshot with the highest version (of {@code modelId}, or of any model when null). */
  public static ModelSnapshot lastSnapshot(List<ModelSnapshot> snapshots, String modelId) {
    return snapshots.stream()
        .filter(s -> modelId == null || s.getModelId().equals(modelId))
        .max(Comparator.comparingLong(ModelSnapshot::getVersion))
        .orElseThrow();
  }

  /** Raw bits of each parameter, for bit-for-bit comparisons. */
  /** The raw bits of each value (bit-for-bit comparisons that tell NaN payloads and -0.0 apart). */
  public static long[] bits(double[] params) {
    long[] out = new long[params.length];
    for (int i = 0; i < params.length; i++) {
      out[i] = Double.doubleToRawLongBits(params[i]);
    }
    return out;
  }

  public static long[] bits(List<Double> params) {
    return params.stream().mapToLong(Double::doubleToRawLongBits).toArray();
  }

  /** True once the consumer group's committed offsets reached the end of every partition of {@code topic}. */
  public static boolean committedToEnd(String bootstrap, String group, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      var parts = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (var p : parts) {
        latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
      }
      for (var e : admin.listOffsets(latest).all().get().entrySet()) {
        var c = committed.get(e.getKey());
        if ((c == null ? 0 : c.offset()) < e.getValue().offset()) {
          return false;
        }
      }
      return true;
    }
  }
}
