package io.streamtrain.flink.training;

import io.streamtrain.io.KafkaSettings;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.JobSpecFiles;
import java.nio.file.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Entry point of the job jar on a Flink cluster ({@code flink run -c io.streamtrain.flink.training.TrainingJobMain
 * streamtrain-*-job.jar --spec jobs/X.yaml --bootstrap HOST:PORT}, or the REST submission of {@code streamtrain
 * train --cluster}, which passes the spec inline with {@code --spec-json}). Only wires: spec, Kafka settings, job.
 */
public final class TrainingJobMain {
  private TrainingJobMain() {}

  public static void main(String[] args) throws Exception {
    io.streamtrain.flink.JobArgs a = io.streamtrain.flink.JobArgs.parse(args);
    if (a.specFile() == null && a.specJson() == null) {
      throw new IllegalArgumentException("give exactly one of --spec FILE or --spec-json JSON");
    }
    JobSpec spec = a.specJson() != null ? JobSpecFiles.fromJson(a.specJson())
        : JobSpecFiles.load(Path.of(a.specFile()));
    KafkaSettings kafka = a.kafka();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(spec.parallelism());
    TrainingJob.configure(env, spec);
    KafkaTrainingIo.job(spec, kafka).build(env);
    env.execute("streamtrain-train-" + spec.name());
  }
}
