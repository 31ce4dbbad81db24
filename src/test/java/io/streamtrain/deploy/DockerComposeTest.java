package io.streamtrain.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The compose file for container users is validated by the docker client where one exists ({@code docker compose
 * config} or the standalone {@code docker-compose config}); no engine runs here, so it is not started.
 */
class DockerComposeTest {
  private static final Path COMPOSE = Path.of("docker", "compose.yaml");

  @Test
  void composeFileIsValid() throws Exception {
    List<String> cmd = composeCommand();
    assumeTrue(cmd != null, "neither 'docker compose' nor 'docker-compose' is installed");
    List<String> full = new ArrayList<>(cmd);
    full.addAll(List.of("-f", COMPOSE.toString(), "config"));
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("jobmanager", "taskmanager", "kafka", "submit");
  }

  @Test
  void composeSubmitsAnEntryClassAndSpecThatExist() throws IOException {
    String compose = Files.readString(COMPOSE);
    assertThat(compose).contains("-c io.streamtrain.flink.training.TrainingJobMain");
    assertThat(Path.of("src/main/java/io/streamtrain/flink/training/TrainingJobMain.java")).exists();
    assertThat(Path.of("jobs/logistic-hashed-adam.yaml")).exists();
  }

  private static List<String> composeCommand() {
    if (works(List.of("docker", "compose", "version"))) {
      return List.of("docker", "compose");
    }
    if (works(List.of("docker-compose", "version"))) {
      return List.of("docker-compose");
    }
    return null;
  }

  private static boolean works(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
