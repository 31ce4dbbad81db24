package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code streamtrain trace lbfgs} end to end through {@link Main}: every torch L-BFGS fixture case
 * (scripts/fixtures/gen_lbfgs.py), fed as a spec file, prints torch's closure evaluations (1e-10 relative), its
 * counters exactly and its parameters (1e-10 relative in the max norm); malformed specs exit 2 naming the key.
 */
class TraceLbfgsCommandTest {
  private static final ObjectMapper JSON = JsonSpecs.MAPPER;
  @TempDir Path dir;

  private String[] run(String... args) {
    CommandLine cl = Main.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new String[] {Integer.toString(exit), out.toString(), err.toString()};
  }

  private Path write(String content) throws IOException {
    Path f = Files.createTempFile(dir, "spec", ".json");
    Files.writeString(f, content);
    return f;
  }

  @Test
  @SuppressWarnings("unchecked")
  void printsTorchTrajectories() throws IOException {
    List<Map<String, Object>> cases;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/optim/lbfgs.json")) {
      cases = (List<Map<String, Object>>) JSON.readValue(in, Map.class).get("cases");
    }
    assertThat(cases).hasSizeGreaterThanOrEqualTo(8);
    for (Map<String, Object> c : cases) {
      String name = (String) c.get("name");
      String[] r = run("trace", "lbfgs", "--spec", write(JSON.writeValueAsString(c.get("spec"))).toString());
      assertThat(r[0]).as(name + ": " + r[2]).isEqualTo("0");
      Map<String, Object> out = JSON.readValue(r[1], Map.class);
      Map<String, Object> expected = (Map<String, Object>) c.get("expected");
      List<Number> ev = (List<Number>) expected.get("evaluations");
      List<Number> av = (List<Number>) out.get("evaluations");
      assertThat(av).as(name).hasSameSizeAs(ev);
      for (int i = 0; i < ev.size(); i++) {
        double e = ev.get(i).doubleValue();
        assertThat(Math.abs(av.get(i).doubleValue() - e)).as("%s evaluation %d", name, i)
            .isLessThanOrEqualTo(1e-10 * Math.abs(e));
      }
      List<Map<String, Object>> es = (List<Map<String, Object>>) expected.get("steps");
      List<Map<String, Object>> as = (List<Map<String, Object>>) out.get("steps");
      assertThat(as).hasSameSizeAs(es);
      for (int s = 0; s < es.size(); s++) {
        assertThat(as.get(s).get("func_evals")).as(name + " func_evals").isEqualTo(es.get(s).get("func_evals"));
        assertThat(as.get(s).get("n_iter")).as(name + " n_iter").isEqualTo(es.get(s).get("n_iter"));
        double[] e = flatten(es.get(s).get("params"));
        double[] a = flatten(as.get(s).get("params"));
        double scale = 0;
        for (double v : e) {
          scale = Math.max(scale, Math.abs(v));
        }
        assertThat(a).hasSameSizeAs(e);
        for (int i = 0; i < e.length; i++) {
          assertThat(Math.abs(a[i] - e[i])).as("%s step %d param %d", name, s, i).isLessThanOrEqualTo(1e-10 * scale);
        }
      }
    }
  }

  private static double[] flatten(Object o) {
    java.util.ArrayList<Double> acc = new java.util.ArrayList<>();
    collect(o, acc);
    return acc.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static void collect(Object o, List<Double> acc) {
    if (o instanceof Number n) {
      acc.add(n.doubleValue());
    } else if (o instanceof Map<?, ?> m) {
      m.values().forEach(v -> collect(v, acc));
    } else if (o instanceof List<?> l) {
      l.forEach(v -> collect(v, acc));
    }
  }

  @Test
  void malformedSpecsExit2NamingTheKey() throws IOException {
    String data = "\"model\": {\"type\": \"logistic\"}, \"data\": {\"X\": [[1, 2], [3, 4]], \"y\": [0, 1]}";
    String[][] cases = {
      {"{" + data + ", \"lbfgs\": {\"line_search_fn\": \"backtracking\"}}",
       "error: lbfgs.line_search_fn: \"backtracking\" is not allowed; allowed: null (fixed step lr) or \"strong_wolfe\""},
      {"{" + data + ", \"lbfgs\": {\"history\": 5}}", "error: lbfgs.history: unknown key"},
      {"{" + data + ", \"lbfgs\": {\"lr\": 0}}", "error: lbfgs.lr"},
      {"{" + data + ", \"steps\": 0}", "error: steps"},
      {"{\"model\": {\"type\": \"logistic\"}, \"data\": {\"X\": [[1, 2]], \"y\": [0, 1]}}", "error: data.y: has 2 labels"},
    };
    for (String[] c : cases) {
      String[] r = run("trace", "lbfgs", "--spec", write(c[0]).toString());
      assertThat(r[0]).as(c[0] + " " + r[2]).isEqualTo("2");
      assertThat(r[2]).as(c[0]).startsWith(c[1]);
    }
  }
}
