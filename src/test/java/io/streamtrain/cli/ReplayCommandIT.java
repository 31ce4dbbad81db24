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
    io.streamtrain.testing.CliRun r = io.streamtrain.testing.CliRun.run("replay", "jobs/replay/breast-cancer-file.yaml",
        "--report", tmp.resolve("report.json").toString(), "--charts", tmp.toString());
    String out = r.out();
    assertThat(r.exit()).as(out + r.err()).isZero();
    assertThat(out).contains("rank config", "adam", "sgd-nesterov", "adagrad", "(baseline)", "report: ",
        "3 of 3 configurations beat it", "per class");
    // 569 rows, a seeded 30% held out (round(0.3 * 569) = 171): 398 training rows, 3 passes, 1194 samples trained on.
    assertThat(r.err()).contains("398 training rows x 3 passes, then 171 test rows scored only");
    assertThat(Files.readString(tmp.resolve("report.json"))).contains("\"breast-cancer-optimizers\"",
        "\"samples\" : 1194", "\"rank_by\" : \"test_log_loss\"", "\"confusion_matrix\"");
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
