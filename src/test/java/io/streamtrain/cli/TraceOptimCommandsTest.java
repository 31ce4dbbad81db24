package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code streamtrain trace optimizer} and {@code trace clip} end to end through {@link Main}: torch fixture
 * cases fed as spec files reproduce torch's trajectories in the printed JSON, and malformed specs exit 2 with
 * a message naming the key.
 */
class TraceOptimCommandsTest {
  private static final ObjectMapper JSON = JsonSpecs.MAPPER;
  @TempDir Path dir;

  record Result(int exit, String out, String err) {}

  private Result run(String... args) {
    CommandLine cl = Main.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  private Path write(Object spec) throws IOException {
    Path f = Files.createTempFile(dir, "spec", ".json");
    Files.writeString(f, spec instanceof String s ? s : JSON.writeValueAsString(spec));
    return f;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> fixture(String file) throws IOException {
    try (InputStream in = TraceOptimCommandsTest.class.getResourceAsStream("/fixtures/optim/" + file)) {
      return (List<Map<String, Object>>) JSON.readValue(in, Map.class).get("cases");
    }
  }

  private static void assertMatches(List<List<Number>> actual, List<List<Object>> expected, String what) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int t = 0; t < expected.size(); t++) {
      for (int i = 0; i < expected.get(t).size(); i++) {
        double e = io.streamtrain.core.SpecReader.toDouble(what, expected.get(t).get(i));
        double a = actual.get(t).get(i).doubleValue();
        assertThat(Math.abs(a - e)).as("%s step %d [%d]: %s vs torch %s", what, t + 1, i, a, e)
            .isLessThanOrEqualTo(1e-12 * Math.abs(e) + 1e-15);
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void traceOptimizerReproducesTorchFixtures() throws IOException {
    for (Map<String, Object> c : fixture("optimizers.json")) {
      Map<String, Object> spec = new LinkedHashMap<>();
      for (String k : List.of("optimizer", "params", "gradients", "lr_schedule", "momentum_schedule", "clip")) {
        if (c.containsKey(k)) {
          spec.put(k, c.get(k));
        }
      }
      if (c.containsKey("clip")) {
        spec.put("param_split", c.get("param_split"));
      }
      Result r = run("trace", "optimizer", "--spec", write(spec).toString());
      assertThat(r.exit()).as(c.get("name") + ": " + r.err()).isZero();
      Map<String, Object> out = JSON.readValue(r.out(), Map.class);
      assertMatches((List<List<Number>>) out.get("params"), (List<List<Object>>) c.get("expected"),
          (String) c.get("name"));
      if (c.containsKey("expected_total_norm")) {
        assertMatches(List.of((List<Number>) out.get("total_norm")), List.of((List<Object>) c.get("expected_total_norm")),
            c.get("name") + " total_norm");
        assertThat((List<?>) out.get("skipped")).isEmpty();
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void traceClipReproducesTorchFixtures() throws IOException {
    for (Map<String, Object> c : fixture("clip.json")) {
      Map<String, Object> spec = new LinkedHashMap<>(c);
      spec.remove("name");
      spec.remove("expected");
      spec.remove("expected_total_norm");
      Result r = run("trace", "clip", "--spec", write(spec).toString());
      assertThat(r.exit()).as(r.err()).isZero();
      Map<String, Object> out = JSON.readValue(r.out(), Map.class);
      assertMatches((List<List<Number>>) out.get("gradients"), (List<List<Object>>) c.get("expected"),
          (String) c.get("name"));
      assertMatches(List.of((List<Number>) out.get("total_norm")), List.of((List<Object>) c.get("expected_total_norm")),
          c.get("name") + " total_norm");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void nonFiniteNormIsPrintedAndNotApplied() throws IOException {
    Result r = run("trace", "clip", "--spec", write("{\"clip\": {\"type\": \"norm\", \"max_norm\": 1.0},"
        + " \"param_split\": [1, 2], \"gradients\": [[\"NaN\", 3, 4], [\"Infinity\", 0, 0], [0, 3, 4]]}").toString());
    assertThat(r.exit()).isZero();
    Map<String, Object> out = JSON.readValue(r.out(), Map.class);
    assertThat((List<Object>) out.get("total_norm")).containsExactly("NaN", "Infinity", 5.0);
    assertThat(((List<List<Object>>) out.get("gradients")).get(0)).containsExactly("NaN", 3.0, 4.0);

    Result o = run("trace", "optimizer", "--spec", write("{\"optimizer\": {\"type\": \"sgd\", \"lr\": 1},"
        + " \"clip\": {\"type\": \"norm\", \"max_norm\": 10}, \"params\": [1, 1],"
        + " \"gradients\": [[1, 0], [\"NaN\", 0], [0, 1]]}").toString());
    assertThat(o.exit()).as(o.err()).isZero();
    Map<String, Object> res = JSON.readValue(o.out(), Map.class);
    assertThat((List<Object>) res.get("params")).containsExactly(List.of(0.0, 1.0), List.of(0.0, 1.0), List.of(0.0, 0.0));
    assertThat((List<Object>) res.get("skipped")).containsExactly(2);
  }

  @Test
  void lrScheduleChangesTheLearningRateBeforeEachStep() throws IOException {
    Result r = run("trace", "optimizer", "--spec", write("{\"optimizer\": {\"type\": \"sgd\", \"lr\": 1},"
        + " \"params\": [0], \"gradients\": [[1], [1], [1]], \"lr_schedule\": [0.5, null, 0.25]}").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().trim()).isEqualTo("{\"params\":[[-0.5],[-1.0],[-1.25]]}");
  }

  @Test
  void malformedSpecsExit2NamingTheKey() throws IOException {
    String[][] cases = {
      {"{\"optimizer\": {\"type\": \"adam\", \"betas\": [0.9, 1.5]}, \"params\": [1], \"gradients\": [[1]]}",
       "error: optimizer.betas[1]: 1.5 is not allowed; allowed: a number in [0, 1)"},
      {"{\"optimizer\": {\"type\": \"nadam\"}, \"params\": [1], \"gradients\": [[1]]}",
       "error: optimizer.type: \"nadam\" is not allowed; allowed: one of [sgd, adagrad, rmsprop, adam, adamw, sparse_adam, ftrl, nag]"},
      {"{\"optimizer\": {\"type\": \"adam\"}, \"params\": [1, 2], \"gradients\": [[1]]}", "error: gradients[0]"},
      {"{\"optimizer\": {\"type\": \"nag\"}, \"params\": [1], \"gradients\": [[1]]}",
       "error: optimizer.type: \"nag\" is not allowed; not traceable on gradients alone"},
      {"{\"optimizer\": {\"type\": \"adam\"}, \"params\": [1], \"gradients\": [[1]], \"lr_schedule\": [1, 2]}",
       "error: lr_schedule: has 2 values; allowed: one per gradient step (1)"},
      {"{\"optimizer\": {\"type\": \"adagrad\"}, \"params\": [1], \"gradients\": [[1]], \"momentum_schedule\": [1]}",
       "error: momentum_schedule"},
      {"{\"optimizer\": {\"type\": \"adam\"}, \"params\": [1], \"gradients\": [[1]], \"grads\": []}",
       "error: grads: unknown key; allowed keys here are [optimizer, params, gradients, lr_schedule,"},
      {"{\"optimizer\": {\"type\": \"adam\"}, \"params\": [1, 2], \"gradients\": [[1, 2]],"
           + " \"clip\": {\"type\": \"norm\", \"max_norm\": 1}, \"param_split\": [1, 2]}",
       "error: param_split: [1, 2] is not allowed; allowed: tensor sizes summing to the vector length 2"},
      {"{\"optimizer\": {\"type\": \"sgd\"}, \"params\": [1], \"gradients\": [[1]]}", "error: optimizer.lr: missing"},
      {"{\"optimizer\": {\"type\": \"adam\"}, \"params\": [1], \"gradients\": [[1]]", "error: spec: not valid JSON"},
    };
    for (String[] c : cases) {
      Result r = run("trace", "optimizer", "--spec", write(c[0]).toString());
      assertThat(r.exit()).as(c[0]).isEqualTo(2);
      assertThat(r.err()).as(c[0]).startsWith(c[1]);
      assertThat(r.out()).isEmpty();
    }
    Result clip = run("trace", "clip", "--spec", write("{\"clip\": {\"type\": \"norm\", \"max_norm\": 1,"
        + " \"norm_type\": -1}, \"gradients\": [[1]]}").toString());
    assertThat(clip.exit()).isEqualTo(2);
    assertThat(clip.err()).startsWith("error: clip.norm_type: -1 is not allowed; allowed: a number p > 0");
    Result missing = run("trace", "clip", "--spec", dir.resolve("nope.json").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).startsWith("error: --spec: no such file");
  }
}
