package io.streamtrain.flink.serving;

import io.streamtrain.io.KafkaSettings;
import io.streamtrain.job.JobSpecFiles;
import io.streamtrain.job.ServeSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Entry point of the job jar for the serve job on a Flink cluster ({@code flink run -c
 * io.streamtrain.flink.serving.ServeJobMain streamtrain-*-job.jar [--spec FILE] --bootstrap HOST:PORT}, or the
 * REST submission of {@code streamtrain serve --cluster}, which passes the spec inline with {@code --spec-json}).
 * Only wires: spec, Kafka settings, job.
 */
public final class ServeJobMain {
  private ServeJobMain() {}

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
    ServeSpec spec = ServeSpec.fromMap(specJson != null ? JobSpecFiles.mapFromJson(specJson)
        : specFile != null ? JobSpecFiles.readYaml(Path.of(specFile)) : new LinkedHashMap<>());
    KafkaSettings kafka = KafkaSettings.forCli(kafkaConfig == null ? null : Path.of(kafkaConfig), bootstrap);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(spec.parallelism());
    ServeJob.configure(env, spec);
    KafkaServeIo.job(spec, kafka).build(env);
    env.execute("streamtrain-serve-" + spec.name());
  }
}
