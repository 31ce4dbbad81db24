package io.streamtrain.flink.serving;

import io.streamtrain.flink.JobArgs;
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
    JobArgs a = JobArgs.parse(args);
    ServeSpec spec = ServeSpec.fromMap(a.specJson() != null ? JobSpecFiles.mapFromJson(a.specJson())
        : a.specFile() != null ? JobSpecFiles.readYaml(Path.of(a.specFile())) : new LinkedHashMap<>());
    KafkaSettings kafka = a.kafka();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(spec.parallelism());
    ServeJob.configure(env, spec);
    KafkaServeIo.job(spec, kafka).build(env);
    env.execute("streamtrain-serve-" + spec.name());
  }
}
