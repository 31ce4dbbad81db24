package io.streamtrain.flink;

import io.streamtrain.io.KafkaSettings;
import java.nio.file.Path;

/**
 * The arguments of a job jar's entry points (TrainingJobMain, ServeJobMain): {@code --spec FILE} or
 * {@code --spec-json JSON}, {@code --bootstrap HOST:PORT}, {@code --kafka-config FILE}.
 */
public record JobArgs(String specFile, String specJson, KafkaSettings kafka) {
  public static JobArgs parse(String[] args) {
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
    if (specFile != null && specJson != null) {
      throw new IllegalArgumentException("give one of --spec FILE or --spec-json JSON, not both");
    }
    return new JobArgs(specFile, specJson,
        KafkaSettings.forCli(kafkaConfig == null ? null : Path.of(kafkaConfig), bootstrap));
  }
}
