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
    String specFile = null;
    String specJson = null;
    String bootstrap = null;
    String kafkaConfig = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--spec" -> specFile = args[++i];
        case "--spec-json" -> specJson = args[++i];
        case "--bootstrap" -> bootstrap = args[++i];
        case "--kafka-config" -> kafkaConfig = args[++i];
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; allowed: --spec FILE | --spec-json JSON, --bootstrap HOST:PORT, --kafka-config FILE");
      }
    }
    if ((specFile == null) == (specJson == null)) {
      throw new IllegalArgumentException("give exactly one of --spec FILE or --spec-json JSON");
    }
    JobSpec spec = specJson != null ? JobSpecFiles.fromJson(specJson) : JobSpecFiles.load(Path.of(specFile));
    KafkaSettings kafka = KafkaSettings.forCli(kafkaConfig == null ? null : Path.of(kafkaConfig), bootstrap);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(spec.parallelism());
    TrainingJob.configure(env, spec);
    KafkaTrainingIo.job(spec, kafka).build(env);
    env.execute("streamtrain-train-" + spec.name());
  }
}
