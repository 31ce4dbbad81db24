package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import io.streamtrain.local.SaslSslListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code streamtrain broker}'s SASL_SSL options: secrets only from the environment, errors naming the option. */
class BrokerCommandTest {
  @TempDir Path dir;

  @Test
  void buildsTheListenerWithPasswordsFromTheEnvironment() throws Exception {
    Path ks = Files.write(dir.resolve("ks.p12"), new byte[] {1});
    Map<String, String> env = Map.of("KS_PW", "kspw", "A_PW", "apw", "B_PW", "bpw");
    SaslSslListener l = BrokerCommand.saslSslListener(9093, ks, "KS_PW", List.of("bob=B_PW", "alice=A_PW"), env::get);
    assertThat(l.port()).isEqualTo(9093);
    assertThat(l.userNames()).containsExactly("alice", "bob");
    assertThat(BrokerCommand.saslSslListener(null, null, "KS_PW", null, env::get)).isNull();
  }

  @Test
  void errorsNameTheOptionAndTheVariableButNoSecret() throws Exception {
    Path ks = Files.write(dir.resolve("ks.p12"), new byte[] {1});
    Map<String, String> env = Map.of("KS_PW", "kspw", "A_PW", "apw-secret");
    assertThatThrownBy(() -> BrokerCommand.saslSslListener(9093, ks, "KS_PW", List.of("alice=NOPE"), env::get))
        .isInstanceOf(SpecException.class).hasMessage("--plain-user alice=NOPE: the environment variable NOPE is not set or empty");
    assertThatThrownBy(() -> BrokerCommand.saslSslListener(9093, ks, "MISSING", List.of("alice=A_PW"), env::get))
        .isInstanceOf(SpecException.class).hasMessageStartingWith("--ssl-keystore-password-env: the environment variable MISSING");
    assertThatThrownBy(() -> BrokerCommand.saslSslListener(9093, ks, "KS_PW", List.of("alice"), env::get))
        .isInstanceOf(SpecException.class).hasMessageContaining("--plain-user").hasMessageContaining("NAME=VAR");
    assertThatThrownBy(() -> BrokerCommand.saslSslListener(9093, null, "KS_PW", List.of("alice=A_PW"), env::get))
        .isInstanceOf(SpecException.class).hasMessageStartingWith("--ssl-keystore:");
    assertThatThrownBy(() -> BrokerCommand.saslSslListener(9093, ks, "KS_PW", List.of(), env::get))
        .isInstanceOf(SpecException.class).hasMessageStartingWith("--plain-user:");
    assertThatThrownBy(() -> BrokerCommand.saslSslListener(null, ks, "KS_PW", List.of("alice=A_PW"), env::get))
        .isInstanceOf(SpecException.class).hasMessageStartingWith("--sasl-ssl-port:");
    assertThatThrownBy(() -> BrokerCommand.saslSslListener(-1, ks, "KS_PW", List.of("alice=A_PW"), env::get))
        .isInstanceOf(SpecException.class).hasMessageStartingWith("--sasl-ssl-port: -1 is not allowed");
    assertThatThrownBy(() -> BrokerCommand.saslSslListener(9093, dir.resolve("none.p12"), "KS_PW",
        List.of("alice=A_PW"), env::get)).isInstanceOf(SpecException.class).hasMessageStartingWith("--ssl-keystore:")
        .hasMessageNotContaining("apw-secret").hasMessageNotContaining("kspw");
  }
}
