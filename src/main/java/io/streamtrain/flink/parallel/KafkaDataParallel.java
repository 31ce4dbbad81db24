package io.streamtrain.flink.parallel;

import io.streamtrain.flink.training.DataParallel;
import io.streamtrain.flink.training.KafkaTrainingIo;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.job.JobSpec;

/**
 * The data-parallel graph whose round loop goes through Kafka: the rounds topic ({@code <job name>-rounds}, one
 * partition, created if missing) and the samples topic's partition count, asked once when the job is built. Found by
 * {@link DataParallel#load} (META-INF/services).
 */
public final class KafkaDataParallel implements DataParallel {
  @Override
  public Graph kafka(JobSpec spec, KafkaSettings kafka) {
    ParallelGraph.Rounds rounds = rounds(spec, kafka);
    int partitions = samplePartitions(spec, kafka);
    return (env, s, validated, snapshots, rejected) ->
        ParallelGraph.build(env, s, validated, rounds, partitions, snapshots, rejected);
  }

  /**
   * The data-parallel loop through Kafka: a new run id for every job built (a restart of the same job keeps it; a
   * job started afresh skips what earlier runs left in the topic).
   */
  static ParallelGraph.Rounds rounds(JobSpec spec, KafkaSettings kafka) {
    String topic = KafkaTrainingIo.roundsTopic(spec);
    try (org.apache.kafka.clients.admin.Admin admin =
        org.apache.kafka.clients.admin.Admin.create(kafka.toProperties(java.util.Map.of()))) {
      if (io.streamtrain.io.Topics.describe(admin, topic).isEmpty()) {
        io.streamtrain.io.Topics.ensure(admin, io.streamtrain.io.Topics.TopicSpec.of(topic, 1));
      }
    }
    String run = java.util.UUID.randomUUID().toString();
    return new ParallelGraph.Rounds(
        RoundsTopic.source(topic, run, "streamtrain-" + spec.name() + "-rounds", kafka,
            spec.bounded()),
        RoundsTopic.sink(topic, run, spec.name() + "-rounds", kafka,
            KafkaTrainingIo.producerProperties(kafka)));
  }

  /** The samples topic's partition count (a data-parallel job's workers own whole partitions). */
  static int samplePartitions(JobSpec spec, KafkaSettings kafka) {
    try (org.apache.kafka.clients.admin.Admin admin =
        org.apache.kafka.clients.admin.Admin.create(kafka.toProperties(java.util.Map.of()))) {
      return io.streamtrain.io.Topics.describe(admin, spec.topics().samples())
          .orElseThrow(() -> new IllegalArgumentException("samples topic '" + spec.topics().samples()
              + "' does not exist: a data-parallel job needs it to assign partitions to workers"))
          .partitions().size();
    }
  }
}
