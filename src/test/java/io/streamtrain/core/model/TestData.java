package io.streamtrain.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/** Test helpers: fixture loading, dense batches, and relative comparisons. */
final class TestData {
  private TestData() {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> fixture(String resource) {
    try (InputStream in = TestData.class.getResourceAsStream(resource)) {
      return new ObjectMapper().readValue(in, Map.class);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Map<String, Object> m, String key) {
    return (List<Map<String, Object>>) m.get(key);
  }

  static SpecReader reader(String key, Object map) {
    return SpecReader.asReader(key, map);
  }

  static Batch denseBatch(Model m, double[][] x, double[] y, double[] w) {
    Batch b = m.newBatch(x.length);
    for (int i = 0; i < x.length; i++) {
      b.addDense(x[i], 0, y[i], w == null ? 1.0 : w[i]);
    }
    return b;
  }

  static double[] flat(ParamLayout layout, Object nested, String key) {
    double[] out = new double[layout.size()];
    layout.fromNested(reader(key, nested), out);
    return out;
  }

  /** Each |a_i - e_i| <= rel * max(|e_i|, floor * max|e|): relative, with a floor for near-zero entries. */
  static void assertClose(String what, double[] actual, double[] expected, double rel, double floor) {
    assertThat(actual.length).as(what + " length").isGreaterThanOrEqualTo(expected.length);
    double maxAbs = 0;
    for (double e : expected) {
      maxAbs = Math.max(maxAbs, Math.abs(e));
    }
    for (int i = 0; i < expected.length; i++) {
      double tol = rel * Math.max(Math.abs(expected[i]), floor * maxAbs);
      assertThat(Math.abs(actual[i] - expected[i]))
          .as("%s[%d]: actual %s expected %s", what, i, actual[i], expected[i])
          .isLessThanOrEqualTo(tol);
    }
  }

  static double relErr(double[] a, double[] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < b.length; i++) {
      num += (a[i] - b[i]) * (a[i] - b[i]);
      den = Math.max(den, Math.max(a[i] * a[i], b[i] * b[i]));
    }
    double nb = 0;
    double na = 0;
    for (int i = 0; i < b.length; i++) {
      nb += b[i] * b[i];
      na += a[i] * a[i];
    }
    double scale = Math.max(Math.sqrt(na), Math.sqrt(nb));
    return scale == 0 ? Math.sqrt(num) : Math.sqrt(num) / scale;
  }
}
