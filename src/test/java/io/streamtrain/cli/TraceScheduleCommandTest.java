package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code streamtrain trace schedule} through {@link Main#execute}: every torch fixture spec run as a file gives
 * torch's trajectory (within 1e-12 relative), the issue's StepLR example gives its closed form exactly, and
 * malformed specs exit with status 2 and a message naming the key.
 */
class TraceScheduleCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  record Run(int status, String out, String err) {}

  Run trace(String specJson) throws IOException {
    Path file = Files.createTempFile(dir, "spec", ".json");
    Files.writeString(file, specJson);
    return execute("trace", "schedule", "--spec", file.toString());
  }

  static synchronized Run execute(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int status = Main.execute(args);
      return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @SuppressWarnings("unchecked")
  static Stream<Arguments> fixtureCases() throws IOException {
    try (InputStream in = TraceScheduleCommandTest.class.getResourceAsStream("/fixtures/schedule/schedules.json")) {
      Map<String, Object> root = JSON.readValue(in, Map.class);
      return ((List<Map<String, Object>>) root.get("cases")).stream().map(c -> Arguments.of(c.get("name"), c));
    }
  }

  @SuppressWarnings("unchecked")
  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtureCases")
  void printsTorchsTrajectory(String name, Map<String, Object> c) throws IOException {
    Run run = trace(JSON.writeValueAsString(c.get("spec")));
    assertThat(run.err()).isEmpty();
    assertThat(run.status()).isZero();
    Map<String, Object> out = JSON.readValue(run.out(), Map.class);
    assertThat(out.keySet()).containsExactlyElementsOf(c.containsKey("momentum") ? List.of("lr", "momentum") : List.of("lr"));
    for (String key : out.keySet()) {
      List<?> expected = (List<?>) c.get(key);
      List<?> actual = (List<?>) out.get(key);
      assertThat(actual).hasSameSizeAs(expected);
      for (int t = 0; t < expected.size(); t++) {
        double e = ((Number) expected.get(t)).doubleValue();
        double a = ((Number) actual.get(t)).doubleValue();
        assertThat(Math.abs(a - e)).as("%s %s[%d]: %s vs torch %s", name, key, t, a, e).isLessThanOrEqualTo(1e-12 * Math.abs(e));
      }
    }
  }

  @SuppressWarnings("unchecked")
  @Test
  void issueExampleStepLR() throws IOException {
    Run run =
        trace("{\"schedule\": {\"type\": \"StepLR\", \"step_size\": 10, \"gamma\": 0.5}, \"base_lr\": 0.1, \"steps\": 60}");
    assertThat(run.status()).isZero();
    List<Double> lr = (List<Double>) JSON.readValue(run.out(), Map.class).get("lr");
    assertThat(lr).hasSize(60);
    for (int t = 0; t < 60; t++) {
      // halving is exact in binary floating point, so the closed form 0.1 / 2^floor(t/10) is met bit for bit
      assertThat(lr.get(t)).isEqualTo(0.1 / (1 << (t / 10)));
    }
  }

  @Test
  void zeroStepsPrintsAnEmptyTrajectory() throws IOException {
    Run run = trace("{\"schedule\": {\"type\": \"ExponentialLR\", \"gamma\": 0.9}, \"base_lr\": 0.1, \"steps\": 0}");
    assertThat(run.status()).isZero();
    assertThat(run.out().trim()).isEqualTo("{\"lr\":[]}");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{'schedule':{'type':'StepLR','step_size':10},'base_lr':0.1}|error: steps: missing; it is required",
        "{'schedule':{'type':'StepLR','step_size':10},'steps':5}|error: base_lr: missing; it is required",
        "{'schedule':{'type':'StepLR','step_size':10},'base_lr':-1,'steps':5}|error: base_lr: -1.0 is not allowed",
        "{'schedule':{'type':'StepLR','step_size':10},'base_lr':0.1,'steps':-3}|error: steps: -3 is not allowed",
        "{'schedule':{'type':'StepLR','step_size':10},'base_lr':0.1,'steps':5,'lr':1}|error: lr: unknown key",
        "{'schedule':{'type':'StepLR'},'base_lr':0.1,'steps':5}|error: schedule.step_size: missing; it is required",
        "{'schedule':{'type':'StepLR','step_size':'ten'},'base_lr':0.1,'steps':5}|error: schedule.step_size: \"ten\""
            + " is not allowed; allowed: an integer",
        "{'schedule':'StepLR','base_lr':0.1,'steps':5}|error: schedule: \"StepLR\" is not allowed; allowed: an object",
        "{'base_lr':0.1,'steps':5}|error: schedule: missing; it is required",
        "{'schedule':{'type':'ReduceLROnPlateau'},'base_lr':0.1,'steps':3}|error: metrics: missing; it is required",
        "{'schedule':{'type':'ReduceLROnPlateau'},'base_lr':0.1,'steps':3,'metrics':[1,2]}|error: metrics: has 2"
            + " values; allowed: exactly one metric per step (steps = 3)",
        "{'schedule':{'type':'ReduceLROnPlateau'},'base_lr':0.1,'steps':2,'metrics':[1,'x']}|error: metrics[1]:"
            + " \"x\" is not allowed; allowed: a number",
        "{'schedule':{'type':'ExponentialLR','gamma':0.9},'base_lr':0.1,'steps':2,'metrics':[1,2]}|error: metrics:"
            + " only ReduceLROnPlateau reads metrics",
        "{'schedule':{'type':'OneCycleLR','max_lr':0.1,'total_steps':10},'steps':11}|error: steps: 11 is not"
            + " allowed; allowed: at most total_steps = 10 for OneCycleLR",
        "{'schedule':{'type':'OneCycleLR','max_lr':0.1,'total_steps':10},'steps':5,'optimizer':'adagrad'}|error:"
            + " schedule.cycle_momentum: true is not allowed",
        "{'schedule':{'type':'OneCycleLR','max_lr':0.1,'total_steps':10},'steps':5,'optimizer':'lbfgs'}|error:"
            + " optimizer: \"lbfgs\" is not allowed; allowed: one of [sgd, rmsprop, adam, adamw, adagrad]",
        "{'schedule':{'type':'SequentialLR','schedulers':[{'type':'LinearLR'},{'type':'StepLR','step_size':0}],"
            + "'milestones':[5]},'base_lr':0.1,'steps':5}|error: schedule.schedulers[1].step_size: 0 is not allowed",
        "{'schedule': |error: spec: not valid JSON",
      })
  void malformedSpecExitsWith2NamingTheKey(String json, String message) throws IOException {
    Run run = trace(json.replace('\'', '"'));
    assertThat(run.status()).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).startsWith(message);
  }

  @Test
  void missingFileExitsWith2() {
    Run run = execute("trace", "schedule", "--spec", dir.resolve("absent.json").toString());
    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).startsWith("error: --spec: no such file");
  }
}
