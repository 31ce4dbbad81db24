package io.streamtrain.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Where and from what a job command (train, serve) runs its job (a picocli mixin): a Flink cluster instead of the
 * embedded MiniCluster, the job jar for it, a savepoint to resume from, and where Ctrl-C puts a savepoint.
 */
public final class JobLaunchOptions {
  @Option(names = "--cluster", paramLabel = "HOST:PORT", description = "Submit to this Flink cluster's REST API")
  String cluster;

  @Option(names = "--jar", description = "Job jar for --cluster (default target/streamtrain-*-job.jar)")
  Path jar;

  @Option(names = "--from-savepoint", paramLabel = "PATH", description = "Resume from this savepoint or checkpoint")
  String fromSavepoint;

  @Option(names = "--savepoint-dir", paramLabel = "DIR",
      description = "On Ctrl-C, stop the job with a savepoint in DIR (embedded mode)")
  Path savepointDir;

  /**
   * The command that resumes from {@code savepoint}: {@code command}, the Kafka options given, the savepoint
   * directory, {@code extra}, then {@code --from-savepoint}; each argument quoted for a POSIX shell when needed.
   */
  String resumeCommand(List<String> command, KafkaOptions kafka, List<String> extra, String savepoint) {
    List<String> args = new ArrayList<>(command);
    if (kafka.bootstrap != null) {
      args.addAll(List.of("--bootstrap", kafka.bootstrap));
    }
    if (kafka.kafkaConfig != null) {
      args.addAll(List.of("--kafka-config", kafka.kafkaConfig.toString()));
    }
    if (savepointDir != null) {
      args.addAll(List.of("--savepoint-dir", savepointDir.toString()));
    }
    args.addAll(extra);
    args.addAll(List.of("--from-savepoint", savepoint));
    StringBuilder b = new StringBuilder();
    for (String a : args) {
      b.append(b.length() == 0 ? "" : " ").append(TrainCommand.shellQuote(a));
    }
    return b.toString();
  }
}
