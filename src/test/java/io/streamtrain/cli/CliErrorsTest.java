package io.streamtrain.cli;

import io.streamtrain.testing.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Errors a newcomer meets before any broker or job is involved, through the picocli entry point: each is one line
 * on stderr naming the cause, with the documented exit code (2 for a bad command line or spec, 1 for a failure
 * while running), and no stack trace unless {@code --verbose}. A port with no broker behind it (a free port found
 * at run time) stands for a stopped or mistyped broker.
 */
class CliErrorsTest {
  @TempDir Path dir;

  static CliRun cli(String... args) {
    return CliRun.run(args);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The stderr lines that are not blank. */
  static long lines(String text) {
    return text.lines().filter(l -> !l.isBlank()).count();
  }

  Path jobSpec(String extra) throws IOException {
    Path f = dir.resolve("job.yaml");
    Files.writeString(f, "name: errors-job\nmodel: {type: logistic, features: {dense: 2}}\n"
        + "optimizer: {type: sgd, lr: 0.1}\n" + extra);
    return f;
  }

  @Test
  void produceFileOptionsThatCannotApplyAreOneLineErrors() throws IOException {
    String bootstrap = "localhost:" + freePort();
    Path svm = dir.resolve("a.svm");
    Files.writeString(svm, "1 1:0.5\n");
    CliRun std = cli("produce", "--bootstrap", bootstrap, "--topic", "t", "--from", svm.toString(), "--standardize");
    assertThat(std.exit()).isEqualTo(2);
    assertThat(std.err()).contains("error:", "--standardize", "CSV only");
    assertThat(lines(std.err())).isEqualTo(1);
    Path csv = dir.resolve("a.csv");
    Files.writeString(csv, "x,y\n1,spam\n");
    CliRun side = cli("produce", "--bootstrap", bootstrap, "--topic", "t", "--from", csv.toString(), "--label-map",
        dir.resolve("missing.sidecar.json").toString());
    assertThat(side.exit()).isEqualTo(2);
    assertThat(side.err()).contains("error:", "--label-map", "missing.sidecar.json", "no such sidecar file");
    assertThat(lines(side.err())).isEqualTo(1);
    CliRun gen = cli("produce", "--bootstrap", bootstrap, "--topic", "t", "--generator", "sea", "--hashed-numeric");
    assertThat(gen.exit()).isEqualTo(2);
    assertThat(gen.err()).contains("error:", "--hashed-numeric", "CSV files only");
  }

  @Test
  void dashboardTlsOptionsThatCannotWorkAreOneLineErrors() throws IOException {
    String bootstrap = "localhost:" + freePort();
    CliRun noPass = cli("dashboard", "--bootstrap", bootstrap, "--metrics", "m", "--tls-keystore",
        dir.resolve("k.p12").toString());
    assertThat(noPass.exit()).isEqualTo(2);
    assertThat(noPass.err()).contains("error:", "--tls-keystore", "needs --tls-password-env");
    assertThat(lines(noPass.err())).isEqualTo(1);
    CliRun noStore = cli("dashboard", "--bootstrap", bootstrap, "--metrics", "m", "--tls-password-env", "PATH");
    assertThat(noStore.exit()).isEqualTo(2);
    assertThat(noStore.err()).contains("error:", "--tls-password-env", "--tls-keystore FILE, which is missing");
    CliRun missing = cli("dashboard", "--bootstrap", bootstrap, "--metrics", "m", "--tls-keystore",
        dir.resolve("k.p12").toString(), "--tls-password-env", "PATH");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("error:", "k.p12", "no such readable file");
    Path notAStore = dir.resolve("not.p12");
    Files.writeString(notAStore, "not a keystore");
    CliRun bad = cli("dashboard", "--bootstrap", bootstrap, "--metrics", "m", "--tls-keystore",
        notAStore.toString(), "--tls-password-env", "PATH");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains("error:", "not.p12");
    assertThat(lines(bad.err())).isEqualTo(1);
  }

  @Test
  void aDuplicateKeyInAJobSpecIsAnErrorNamingTheKey() throws IOException {
    Path spec = dir.resolve("dup.yaml");
    Files.writeString(spec, "name: dup\nmodel: {type: logistic, features: {dense: 2}}\n"
        + "optimizer:\n  type: sgd\n  lr: 0.1\n  lr: 0.5\n");
    CliRun r = cli("train", spec.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("error:", "'lr'", "line 6");
    assertThat(lines(r.err())).isEqualTo(1);
  }

  @Test
  void aDuplicateKeyInAReplaySpecIsAnErrorNamingTheKey() throws IOException {
    Path spec = dir.resolve("dup-replay.yaml");
    Files.writeString(spec, "name: a\nname: b\nsource: {file: datasets/breast_cancer.csv}\n");
    CliRun r = cli("replay", spec.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("error:", "'name'");
  }

  @Test
  void aMissingSavepointPathIsOneLineNamingIt() throws IOException {
    Path missing = dir.resolve("no-such-savepoint");
    CliRun r = cli("train", jobSpec("").toString(), "--from-savepoint", missing.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--from-savepoint", "no such savepoint", missing.toString());
    assertThat(lines(r.err())).isEqualTo(1);
    CliRun uri = cli("train", jobSpec("").toString(), "--from-savepoint", missing.toUri().toString());
    assertThat(uri.exit()).isEqualTo(2);
    assertThat(uri.err()).contains("no such savepoint");
  }

  @Test
  void aBoundedResumeIsRefusedBeforeAnythingStartsAndSaysWhatToDoInstead() throws IOException {
    Path savepoint = Files.createDirectories(dir.resolve("savepoint-1a2b"));
    Files.writeString(savepoint.resolve("_metadata"), "x");
    CliRun r = cli("train", jobSpec("").toString(), "--bounded", "--from-savepoint", savepoint.toString());
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("error:", "--bounded with --from-savepoint", "cannot end by itself",
        "without --bounded", "Ctrl-C", "fresh bounded run");
    // The same when the spec itself is bounded.
    CliRun spec = cli("train", jobSpec("source: {bounded: true}\n").toString(), "--from-savepoint",
        savepoint.toString());
    assertThat(spec.exit()).isNotZero();
    assertThat(spec.err()).contains("source.bounded: true in", "with source.bounded: false");
  }

  @Test
  void aReplayWhoseEndIsBeforeItsStartIsAnErrorNamingIt() throws IOException {
    Path times = dir.resolve("times.yaml");
    Files.writeString(times, "name: r\nsource: {topic: t, start: {timestamp: 2000}, end: {timestamp: 1000}}\n"
        + "configs:\n  - {name: a, model: {type: logistic, features: {dense: 2}}, optimizer: {type: sgd, lr: 0.1}}\n");
    CliRun r = cli("replay", times.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("source.end", "1000", "before source.start", "2000");

    Path offsets = dir.resolve("offsets.yaml");
    Files.writeString(offsets, "name: r\nsource: {topic: t, start: {offsets: {0: 50, 1: 10}}, end: {offsets: {1: 5}}}\n"
        + "configs:\n  - {name: a, model: {type: logistic, features: {dense: 2}}, optimizer: {type: sgd, lr: 0.1}}\n");
    CliRun o = cli("replay", offsets.toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("source.end.offsets.1", "5", "source.start.offsets.1 (10)");

    Path perPartition = dir.resolve("mixed.yaml");
    Files.writeString(perPartition, "name: r\nsource: {topic: t, start: {timestamp: 2000}, end: {timestamps: {0: 3000, 1: 1500}}}\n"
        + "configs:\n  - {name: a, model: {type: logistic, features: {dense: 2}}, optimizer: {type: sgd, lr: 0.1}}\n");
    CliRun m = cli("replay", perPartition.toString());
    assertThat(m.exit()).isEqualTo(2);
    assertThat(m.err()).contains("source.end", "1500", "partition 1");
  }

  @Test
  void aBinaryFileGivenAsCsvIsOneLineWithoutRawControlBytes() throws IOException {
    Path bin = dir.resolve("model.bin");
    byte[] bytes = new byte[4096];
    new java.util.SplittableRandom(5).nextBytes(bytes);
    bytes[3] = 0; // a NUL in the first line whatever the random bytes are
    Files.write(bin, bytes);
    CliRun r = cli("produce", "--bootstrap", "localhost:" + freePort(), "--topic", "t", "--from", bin.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--from", "is not a text CSV file");
    assertThat(r.err().chars().filter(c -> c < 0x20 && c != '\n' && c != '\r')).isEmpty();
    assertThat(lines(r.err())).isEqualTo(1);
  }

  @Test
  void commandsAgainstAPortWithoutABrokerSayNoBrokerThere() throws IOException {
    String address = "localhost:" + freePort();
    Path csv = dir.resolve("ok.csv");
    Files.writeString(csv, "a,b,y\n1,2,1\n");
    String[][] commands = {
      {"produce", "--bootstrap", address, "--topic", "t", "--from", csv.toString(), "--no-progress"},
      {"consume", "--bootstrap", address, "--topic", "t", "--max", "1"},
      {"watch", "--bootstrap", address, "--topic", "t", "--once"},
      {"train", jobSpec("").toString(), "--bootstrap", address},
    };
    for (String[] args : commands) {
      long t0 = System.nanoTime();
      CliRun r = cli(args);
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertThat(r.exit()).as(args[0] + ": " + r.err()).isEqualTo(1);
      assertThat(r.err()).as(args[0]).contains("error: no Kafka broker at " + address);
      assertThat(lines(r.err())).as(args[0] + ": " + r.err()).isEqualTo(1);
      // Not a timing assertion on speed: a bound far above the check's own 5 s timeout, far below the
      // minute-long client retries the check replaces.
      assertThat(seconds).as(args[0]).isLessThan(40);
    }
    CliRun verbose = cli("consume", "--bootstrap", address, "--topic", "t", "--verbose");
    assertThat(verbose.exit()).isEqualTo(1);
    assertThat(verbose.err()).contains("no Kafka broker at " + address, "at io.streamtrain.cli.BrokerCheck");
  }

  @Test
  void theResumeCommandCarriesTheOptionsTheJobWasStartedWithButBounded() {
    TrainCommand cmd = new TrainCommand();
    new CommandLine(cmd).parseArgs("jobs/demo.yaml", "--bootstrap", "broker-1:19092", "--kafka-config",
        "conf/my kafka.properties", "--savepoint-dir", "/tmp/sp", "--bounded");
    assertThat(cmd.resumeCommand("file:/tmp/sp/savepoint-1a2b"))
        .isEqualTo("bin/streamtrain train jobs/demo.yaml --bootstrap broker-1:19092 --kafka-config "
            + "'conf/my kafka.properties' --savepoint-dir /tmp/sp --from-savepoint file:/tmp/sp/savepoint-1a2b");
    TrainCommand plain = new TrainCommand();
    new CommandLine(plain).parseArgs("jobs/demo.yaml", "--savepoint-dir", "sp");
    assertThat(plain.resumeCommand("file:/x")).isEqualTo(
        "bin/streamtrain train jobs/demo.yaml --savepoint-dir sp --from-savepoint file:/x");
  }
}
