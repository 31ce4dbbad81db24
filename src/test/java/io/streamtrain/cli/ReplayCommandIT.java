package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code streamtrain replay} on the shipped file-based example (no Kafka): the ranking table on stdout, the JSON
 * report and the charts on disk; a broken spec exits 2 naming the key.
 */
class ReplayCommandIT {
  @TempDir
  Path tmp;

  @Test
  void replaysTheBundledDatasetAndWritesReportChartsAndTable() throws Exception {
    PrintStream saved = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
      code = Main.execute("replay", "jobs/replay/breast-cancer-file.yaml", "--report",
          tmp.resolve("report.json").toString(), "--charts", tmp.toString());
    } finally {
      System.setOut(saved);
    }
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isZero();
    assertThat(out).contains("rank config", "adam", "sgd-nesterov", "adagrad", "report: ");
    assertThat(Files.readString(tmp.resolve("report.json"))).contains("\"breast-cancer-optimizers\"",
        "\"samples\" : 569");
    assertThat(tmp.resolve("log_loss.png")).isRegularFile();
    assertThat(tmp.resolve("auc.png")).isRegularFile();
  }

  @Test
  void aBrokenSpecExitsTwoNamingTheKey() throws Exception {
    Path spec = tmp.resolve("bad.yaml");
    Files.writeString(spec, "name: bad\nsource: {file: datasets/breast_cancer.csv}\nconfigs:\n"
        + "  - {name: a, model: {type: logistic, features: {dense: 30}}, optimizer: {type: sgd, lr: 0.1}}\n"
        + "metrics: {window: 0}\n");
    StringWriter err = new StringWriter();
    CommandLine cl = Main.newCommandLine();
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute("replay", spec.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("error:", "metrics.window", "0");
  }
}
