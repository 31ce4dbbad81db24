package io.streamtrain.cli;

import io.streamtrain.io.KafkaSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The Kafka connection options of every command that talks to Kafka (a picocli mixin): the client properties
 * file ({@code conf/kafka.properties} by default; {@code conf/kafka-sasl-ssl.properties} for TLS + SASL, with
 * secrets as {@code ${env:NAME}} placeholders) and a bootstrap override.
 */
public final class KafkaOptions {
  @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers (overrides the properties file's bootstrap.servers).")
  String bootstrap;

  @Option(names = "--kafka-config", paramLabel = "FILE",
      description = "Kafka client properties file (default conf/kafka.properties); $${env:NAME} placeholders are "
          + "resolved from the environment.")
  Path kafkaConfig;

  /** The resolved settings (the file, placeholders filled, the override applied). */
  KafkaSettings settings() {
    return KafkaSettings.forCli(kafkaConfig, bootstrap);
  }

  /** The properties file given with --kafka-config, or null for the default. */
  Path configFile() {
    return kafkaConfig;
  }
}
