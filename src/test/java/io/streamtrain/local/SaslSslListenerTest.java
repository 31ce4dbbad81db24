package io.streamtrain.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.JaasContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener's server properties as the broker reads them: the JAAS entry is parsed with Kafka's own {@link
 * JaasContext#loadServerContext} under the listener- and mechanism-scoped key, and yields every user's password
 * exactly, quotes and backslashes included; bad options fail naming the option and never echo a password.
 */
class SaslSslListenerTest {
  @TempDir Path dir;

  private Path keystore() throws Exception {
    Path ks = dir.resolve("ks.p12");
    Files.write(ks, new byte[] {1});
    return ks;
  }

  @Test
  void theBrokerParsesEveryUsersPasswordExactlyFromTheScopedJaasEntry() throws Exception {
    String tricky = "a\"b\\c d;e=f'g";
    SaslSslListener l = SaslSslListener.builder().name("EXTERNAL").port(9093)
        .keystore(keystore(), "pkcs12", "kspw").user("zoe", tricky).user("adam", "plain").build();
    Map<String, String> p = l.scopedServerProperties();
    assertThat(p).containsEntry("listener.name.external.sasl.enabled.mechanisms", "PLAIN")
        .containsEntry("listener.name.external.ssl.keystore.type", "PKCS12")
        .containsEntry("listener.name.external.ssl.keystore.password", "kspw")
        .containsEntry("listener.name.external.ssl.key.password", "kspw")
        .containsEntry("listener.name.external.ssl.keystore.location", keystore().toAbsolutePath().toString())
        .containsEntry("listener.name.external.ssl.client.auth", "none");

    // As the broker's channel builder does: the listener's settings with its prefix stripped, then the
    // mechanism-scoped JAAS entry looked up by Kafka itself.
    ListenerName listener = ListenerName.normalised("EXTERNAL");
    Map<String, Object> scoped = new java.util.TreeMap<>();
    p.forEach((k, v) -> {
      assertThat(k).startsWith(listener.configPrefix());
      String key = k.substring(listener.configPrefix().length());
      scoped.put(key, key.endsWith("sasl.jaas.config") ? new Password(v) : v);
    });
    JaasContext ctx = JaasContext.loadServerContext(listener, "PLAIN", scoped);
    List<AppConfigurationEntry> entries = ctx.configurationEntries();
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).getLoginModuleName()).isEqualTo("org.apache.kafka.common.security.plain.PlainLoginModule");
    assertThat(Map.copyOf(entries.get(0).getOptions())).isEqualTo(Map.of("user_adam", "plain", "user_zoe", tricky));
    assertThat(l.userNames()).containsExactly("adam", "zoe");
    assertThat(l.toString()).contains("EXTERNAL", "adam", "zoe").doesNotContain("plain\"").doesNotContain(tricky)
        .doesNotContain("kspw");
  }

  @Test
  void badOptionsNameTheOptionAndNeverEchoAPassword() throws Exception {
    Path ks = keystore();
    assertThatThrownBy(() -> SaslSslListener.builder().keystore(ks, "PKCS12", "pw").build())
        .hasMessageContaining("users: none given");
    assertThatThrownBy(() -> SaslSslListener.builder().user("bad name", "pw"))
        .hasMessageContaining("user: 'bad name' is not allowed");
    assertThatThrownBy(() -> SaslSslListener.builder().user("u", "line\nbreak-secret"))
        .hasMessageContaining("password of user u").hasMessageNotContaining("break-secret");
    assertThatThrownBy(() -> SaslSslListener.builder().user("u", "")).hasMessageContaining("empty is not allowed");
    assertThatThrownBy(() -> SaslSslListener.builder().user("u", "pw").keystore(dir.resolve("absent.p12"), "PKCS12", "pw")
        .build()).hasMessageContaining("keystore: ").hasMessageContaining("absent.p12");
    assertThatThrownBy(() -> SaslSslListener.builder().user("u", "pw").keystore(ks, "PEM", "pw").build())
        .hasMessageContaining("keystore type: 'PEM' is not allowed; use PKCS12 or JKS");
    assertThatThrownBy(() -> SaslSslListener.builder().name("PLAINTEXT").user("u", "pw").keystore(ks, "PKCS12", "pw")
        .build()).hasMessageContaining("listener name: 'PLAINTEXT' is not allowed");
    assertThatThrownBy(() -> SaslSslListener.builder().port(70000).user("u", "pw").keystore(ks, "PKCS12", "pw")
        .build()).hasMessageContaining("listener port: 70000 is not allowed");
  }
}
