package io.streamtrain.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client settings from conf/: pass-through, environment placeholders, command-line override, redaction. */
class KafkaSettingsTest {
  @TempDir Path dir;

  private Path write(String text) throws IOException {
    Path f = dir.resolve("kafka.properties");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void passesEverythingThroughAndResolvesEnvironmentPlaceholders() throws IOException {
    Path f =
        write(
            "bootstrap.servers=broker:9093\n"
                + "security.protocol=SASL_SSL\n"
                + "sasl.mechanism=PLAIN\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"${env:KUSER}\" password=\"${env:KPASS}\";\n"
                + "ssl.truststore.password=${env:TS_PASS}\n");
    Map<String, String> env = Map.of("KUSER", "alice", "KPASS", "s3cr$t\\x", "TS_PASS", "changeit");
    KafkaSettings s = KafkaSettings.load(f, true, null, env::get);
    assertThat(s.bootstrapServers()).isEqualTo("broker:9093");
    assertThat(s.clientProperties())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry(
            "sasl.jaas.config",
            // the backslash escaped inside the quoted JAAS value, so that Kafka reads it back as one backslash
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=\"s3cr$t\\\\x\";")
        .containsEntry("ssl.truststore.password", "changeit");
    assertThat(jaasOptions(s)).containsEntry("username", "alice").containsEntry("password", "s3cr$t\\x");
    assertThat(s.toProperties(Map.of("acks", "all"))).containsEntry("acks", "all").containsEntry("sasl.mechanism", "PLAIN");
  }

  /** The login module options as Kafka's client parses sasl.jaas.config. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> jaasOptions(KafkaSettings s) {
    JaasContext ctx = JaasContext.loadClientContext(
        Map.of("sasl.jaas.config", new Password(s.clientProperties().get("sasl.jaas.config"))));
    return (Map<String, Object>) ctx.configurationEntries().get(0).getOptions();
  }

  @Test
  void anyPasswordReachesKafkaExactlyThroughTheQuotedJaasValue() throws IOException {
    Path f = write("sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        + "username=\"${env:KUSER}\" password=\"${env:KPASS}\";\nssl.keystore.password=${env:KPASS}\n");
    String tricky = "q\"uote\\back slash;semi=eq'apos\\\"";
    KafkaSettings s = KafkaSettings.load(f, true, null, Map.of("KUSER", "u\"1", "KPASS", tricky)::get);
    assertThat(jaasOptions(s)).containsEntry("username", "u\"1").containsEntry("password", tricky);
    // Outside a JAAS entry nothing is escaped: the value is passed through as it is.
    assertThat(s.clientProperties()).containsEntry("ssl.keystore.password", tricky);
    assertThat(s.toString()).doesNotContain("uote");
  }

  @Test
  void aLineBreakInAJaasVariableIsAnErrorThatDoesNotShowTheValue() throws IOException {
    Path f = write("sasl.jaas.config=x required password=\"${env:KPASS}\";\n");
    assertThatThrownBy(() -> KafkaSettings.load(f, true, null, Map.of("KPASS", "two\nlines-secret")::get))
        .isInstanceOf(SpecException.class)
        .hasMessage("sasl.jaas.config: the environment variable KPASS holds a line break, which a JAAS option value "
            + "cannot contain");
  }

  @Test
  void theShippedSaslSslExampleResolvesFromTheEnvironmentAndPrintsMasked() {
    Map<String, String> env = Map.of("STREAMTRAIN_KAFKA_USER", "trainer", "STREAMTRAIN_KAFKA_PASSWORD", "pw-7f3a",
        "STREAMTRAIN_KAFKA_TRUSTSTORE", "/etc/ts.p12", "STREAMTRAIN_KAFKA_TRUSTSTORE_PASSWORD", "ts-9c1d");
    KafkaSettings s = KafkaSettings.load(Path.of("conf", "kafka-sasl-ssl.properties"), true, "broker:9093", env::get);
    assertThat(s.clientProperties())
        .containsEntry("bootstrap.servers", "broker:9093")
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "PLAIN")
        .containsEntry("ssl.truststore.location", "/etc/ts.p12")
        .containsEntry("ssl.truststore.type", "PKCS12")
        .containsEntry("ssl.truststore.password", "ts-9c1d");
    assertThat(jaasOptions(s)).containsEntry("username", "trainer").containsEntry("password", "pw-7f3a");
    assertThat(s.toString()).doesNotContain("pw-7f3a").doesNotContain("ts-9c1d");
    assertThat(s.redacted()).containsEntry("sasl.jaas.config", "***").containsEntry("ssl.truststore.password", "***")
        .containsEntry("ssl.truststore.location", "/etc/ts.p12");
    // Without the environment the command fails before connecting, naming the key and the variable.
    assertThatThrownBy(() -> KafkaSettings.load(Path.of("conf", "kafka-sasl-ssl.properties"), true, null,
        Map.<String, String>of()::get)).isInstanceOf(SpecException.class).hasMessageContaining("STREAMTRAIN_KAFKA_");
  }

  @Test
  void secretsNeverAppearInThePrintableForm() throws IOException {
    Path f = write("sasl.jaas.config=x password=\"${env:KPASS}\";\nssl.key.password=${env:KPASS}\nssl.keystore.password=${env:KPASS}\n");
    KafkaSettings s = KafkaSettings.load(f, true, null, Map.of("KPASS", "hunter2")::get);
    assertThat(s.toString()).doesNotContain("hunter2");
    assertThat(s.redacted().values()).doesNotContain("hunter2").contains("***");
    assertThat(s.redacted()).containsEntry("bootstrap.servers", KafkaSettings.DEFAULT_BOOTSTRAP);
  }

  @Test
  void aMissingVariableIsAnErrorNamingKeyAndVariable() throws IOException {
    Path f = write("ssl.truststore.password=${env:NOT_SET_ANYWHERE}\n");
    assertThatThrownBy(() -> KafkaSettings.load(f, true, null, Map.<String, String>of()::get))
        .isInstanceOf(SpecException.class)
        .hasMessage("ssl.truststore.password: refers to the environment variable NOT_SET_ANYWHERE, which is not set");
  }

  @Test
  void theCommandLineBootstrapWinsAndDefaultsApply() throws IOException {
    Path f = write("bootstrap.servers=file:1\n");
    assertThat(KafkaSettings.load(f, true, "cli:2", Map.<String, String>of()::get).bootstrapServers()).isEqualTo("cli:2");
    assertThat(KafkaSettings.load(dir.resolve("absent"), false, null, Map.<String, String>of()::get).bootstrapServers())
        .isEqualTo("localhost:9092");
    assertThatThrownBy(() -> KafkaSettings.load(dir.resolve("absent"), true, null, Map.<String, String>of()::get))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining("--kafka-config: no such file");
  }

  @Test
  void theShippedConfHoldsNoSecrets() throws IOException {
    List<Path> files;
    try (var list = Files.list(Path.of("conf"))) {
      files = list.filter(p -> p.toString().endsWith(".properties")).sorted().toList();
    }
    assertThat(files).contains(Path.of("conf", "kafka.properties"), Path.of("conf", "kafka-sasl-ssl.properties"));
    for (Path file : files) {
      for (String line : Files.readString(file).split("\n")) {
        String t = line.trim();
        if (t.startsWith("#") || !t.contains("=")) {
          continue;
        }
        String key = t.substring(0, t.indexOf('='));
        if (KafkaSettings.isSecretKey(key)) {
          // Every password in a JAAS entry or a secret key comes from the environment.
          assertThat(t).as(file + ": " + key).contains("${env:");
          assertThat(t.replaceAll("\\$\\{env:[A-Za-z0-9_]+}", "")).as(file + ": " + key).doesNotContainPattern(
              "password=\"[^\"]+\"");
        }
      }
    }
  }
}
