package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Prometheus's own checker accepts the shipped scrape configuration and alerting rules: {@code promtool check config}
 * and {@code promtool check rules} (Debian package {@code prometheus}). Skipped without promtool on the PATH, unless
 * {@code STREAMTRAIN_REQUIRE_PROMTOOL} is set (CI's {@code .ci/run} installs it when absent and sets it).
 */
class PromtoolCheckTest {
  @Test
  void promtoolAcceptsTheShippedConfigAndRules() throws Exception {
    Path promtool = null;
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "promtool"))) {
        promtool = Path.of(dir, "promtool");
        break;
      }
    }
    if (promtool == null) {
      assertThat(System.getenv("STREAMTRAIN_REQUIRE_PROMTOOL"))
          .as("STREAMTRAIN_REQUIRE_PROMTOOL is set but no promtool is on the PATH").isNull();
      Assumptions.abort("no promtool on the PATH (Debian package prometheus): the check is skipped");
    }
    assertThat(run(promtool, "check", "config", "conf/prometheus/prometheus.yml"))
        .contains("SUCCESS").contains("is valid prometheus config file syntax");
    assertThat(run(promtool, "check", "rules", "conf/prometheus/alerts.yml")).contains("SUCCESS");
  }

  private static String run(Path promtool, String... args) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>();
    cmd.add(promtool.toString());
    cmd.addAll(java.util.List.of(args));
    Path out = Files.createTempFile("promtool-", ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(String.join(" ", args) + ": " + text).isZero();
    return text;
  }
}
