package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code streamtrain trace fit} end to end through {@link Main}: on a one-feature logistic regression whose rows
 * are two groups (x = 0: 3 of 10 labels 1; x = 1: 8 of 10), the maximum-likelihood fit is the groups' log-odds,
 * bias = logit(0.3) and weight = logit(0.8) - logit(0.3); Newton-CG, L-BFGS and both nonlinear CGs print their
 * iterations and end there. A malformed method exits 2 naming the key.
 */
class TraceFitCommandTest {
  @TempDir Path dir;

  private String[] run(String spec) throws IOException {
    Path f = Files.createTempFile(dir, "spec", ".json");
    Files.writeString(f, spec);
    CommandLine cl = Main.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute("trace", "fit", "--spec", f.toString());
    return new String[] {Integer.toString(exit), out.toString(), err.toString()};
  }

  static double logit(double p) {
    return Math.log(p / (1 - p));
  }

  static String spec(String method) throws IOException {
    List<List<Double>> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (int g = 0; g < 2; g++) {
      for (int i = 0; i < 10; i++) {
        x.add(List.of((double) g));
        y.add(i < (g == 0 ? 3 : 8) ? 1.0 : 0.0);
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", Map.of("type", "logistic"));
    m.put("initial", Map.of("weight", List.of(0.0), "bias", 0.0));
    m.put("data", Map.of("X", x, "y", y));
    m.put("method", JsonSpecs.MAPPER.readValue(method, Map.class));
    return JsonSpecs.write(m);
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyMethodEndsAtTheGroupLogOdds() throws IOException {
    for (String method : List.of("{\"type\": \"newton_cg\", \"tolerance_grad\": 1e-10}",
        "{\"type\": \"lbfgs\", \"tolerance_grad\": 1e-8, \"tolerance_change\": 0}",
        "{\"type\": \"cg\", \"beta\": \"polak_ribiere\", \"tolerance_grad\": 1e-8}",
        "{\"type\": \"cg\", \"beta\": \"fletcher_reeves\", \"tolerance_grad\": 1e-8}")) {
      String[] r = run(spec(method));
      assertThat(r[0]).as(method + r[2]).isEqualTo("0");
      Map<String, Object> out = JsonSpecs.MAPPER.readValue(r[1], Map.class);
      Map<String, Object> res = (Map<String, Object>) out.get("result");
      assertThat(res.get("converged")).as(method + ": " + res.get("reason")).isEqualTo(true);
      List<Map<String, Object>> its = (List<Map<String, Object>>) out.get("iterations");
      assertThat(its).hasSize((Integer) res.get("iterations"));
      Map<String, Object> fin = (Map<String, Object>) out.get("final");
      double w = ((List<Number>) fin.get("weight")).get(0).doubleValue();
      double b = ((Number) fin.get("bias")).doubleValue();
      // The Hessian here is [[0.08, 0.08], [0.08, 0.185]], smallest eigenvalue 0.037: a 1e-8 gradient leaves < 3e-7.
      assertThat(b).as(method).isCloseTo(logit(0.3), within(1e-6));
      assertThat(w).as(method).isCloseTo(logit(0.8) - logit(0.3), within(1e-6));
    }
  }

  @Test
  void malformedMethodExits2NamingTheKey() throws IOException {
    String[] r = run(spec("{\"type\": \"newton\"}"));
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).startsWith("error: method.type: \"newton\" is not allowed; allowed: one of [newton_cg, lbfgs, cg]");
    String[] c = run(spec("{\"type\": \"cg\", \"beta\": \"hestenes_stiefel\"}"));
    assertThat(c[0]).isEqualTo("2");
    assertThat(c[2]).startsWith("error: method.beta");
  }
}
