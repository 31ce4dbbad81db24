package io.streamtrain.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=\"s3cr$t\\x\";")
        .containsEntry("ssl.truststore.password", "changeit");
    assertThat(s.toProperties(Map.of("acks", "all"))).containsEntry("acks", "all").containsEntry("sasl.mechanism", "PLAIN");
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
    String conf = Files.readString(Path.of("conf", "kafka.properties"));
    for (String line : conf.split("\n")) {
      String t = line.trim();
      if (t.startsWith("#") || !t.contains("=")) {
        continue;
      }
      String key = t.substring(0, t.indexOf('='));
      if (KafkaSettings.isSecretKey(key)) {
        assertThat(t).as(key).contains("${env:");
      }
    }
  }
}
