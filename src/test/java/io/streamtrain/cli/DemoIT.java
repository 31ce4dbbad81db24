package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, `streamtrain demo`, end to end on a shorter stream: a real in-process broker, the
 * training job in a MiniCluster, its live dashboard's address, the bad records rejected by reason, the chart
 * written, and the serving part: the
 * embeddable model client scored requests during training and then every breast-cancer row with a published
 * version.
 */
class DemoIT {
  @TempDir Path out;

  @Test
  void theDemoTrainsRejectsChartsAndServes() throws Exception {
    PrintStream saved = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code;
    try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      code = Main.newCommandLine().execute("demo", "--hyperplane-samples", "40000", "--passes", "2", "--out",
          out.toString());
    } finally {
      System.setOut(saved);
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).as(text).isZero();
    assertThat(text).contains("summary")
        .contains("rejected samples by reason: {DENSE_LENGTH_MISMATCH=1, NON_FINITE_FEATURE=1, UNDECODABLE=1, "
            + "UNKNOWN_MODEL=1}");
    Matcher m = Pattern.compile("serving: 569 breast-cancer rows scored with version (\\d+): accuracy ([0-9.]+)")
        .matcher(text);
    assertThat(m.find()).as(text).isTrue();
    assertThat(Long.parseLong(m.group(1))).isPositive();
    assertThat(Double.parseDouble(m.group(2))).isGreaterThan(0.6);
    assertThat(text).containsPattern("\\d+ hyperplane predictions during training used versions");
    assertThat(text).containsPattern("live dashboard: http://127\\.0\\.0\\.1:\\d+/");
    assertThat(Files.size(out.resolve("loss.png"))).isPositive();
  }
}
