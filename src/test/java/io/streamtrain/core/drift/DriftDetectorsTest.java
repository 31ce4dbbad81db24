package io.streamtrain.core.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The detectors against the reference implementations of scripts/fixtures/gen_drift.py (plain Python written
 * from the papers): the same drift indices and warning runs on every fixed sequence; the same after a state
 * round trip every 97 values; and River's published docstring examples as a cross-check.
 */
class DriftDetectorsTest {
  private static Map<String, Object> root;

  @SuppressWarnings("unchecked")
  private static synchronized Map<String, Object> fixtures() throws IOException {
    if (root == null) {
      try (InputStream in = DriftDetectorsTest.class.getResourceAsStream("/fixtures/drift/cases.json")) {
        if (in == null) {
          throw new IllegalStateException("missing fixture; run scripts/fixtures/gen_drift.py");
        }
        root = new ObjectMapper().readValue(in, Map.class);
      }
    }
    return root;
  }

  @SuppressWarnings("unchecked")
  static double[] stream(String name) throws IOException {
    Object s = ((Map<String, Object>) fixtures().get("streams")).get(name);
    if (s instanceof String bits) {
      double[] xs = new double[bits.length()];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = bits.charAt(i) == '1' ? 1.0 : 0.0;
      }
      return xs;
    }
    List<String> values = (List<String>) s;
    double[] xs = new double[values.size()];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = Double.parseDouble(values.get(i));
    }
    return xs;
  }

  static DriftDetector detector(String type, Map<String, Object> params) {
    Map<String, Object> det = new LinkedHashMap<>(params);
    det.put("type", type);
    return DriftConfig.fromSpec(new SpecReader("drift", Map.of("detector", det))).newDetector();
  }

  /** Drift indices and warning runs [first, last] of a detector over xs; a state round trip every `every`. */
  static List<List<Integer>> run(DriftDetector d, String type, Map<String, Object> params, double[] xs, int every)
      throws IOException {
    List<Integer> drifts = new ArrayList<>();
    List<Integer> warnings = new ArrayList<>();
    for (int i = 0; i < xs.length; i++) {
      if (every > 0 && i % every == every - 1) {
        byte[] bytes = bytes(d);
        DriftDetector restored = detector(type, params);
        restored.read(new DataInputStream(new ByteArrayInputStream(bytes)));
        assertThat(bytes(restored)).as("state bytes after a round trip at %d", i).isEqualTo(bytes);
        d = restored;
      }
      d.update(xs[i]);
      assertThat(d.drift() && d.warning()).isFalse();
      if (d.drift()) {
        drifts.add(i);
      }
      if (d.warning()) {
        int n = warnings.size();
        if (n > 0 && warnings.get(n - 1) == i - 1) {
          warnings.set(n - 1, i);
        } else {
          warnings.add(i);
          warnings.add(i);
        }
      }
    }
    return List.of(drifts, warnings);
  }

  static byte[] bytes(DriftDetector d) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    d.write(new DataOutputStream(b));
    return b.toByteArray();
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyCaseMatchesTheReference() throws IOException {
    List<Map<String, Object>> cases = (List<Map<String, Object>>) fixtures().get("cases");
    assertThat(cases).hasSizeGreaterThan(40);
    int withDrifts = 0;
    int withWarnings = 0;
    for (Map<String, Object> c : cases) {
      String type = (String) c.get("detector");
      Map<String, Object> params = (Map<String, Object>) c.get("params");
      double[] xs = stream((String) c.get("stream"));
      List<Integer> expectedDrifts = (List<Integer>) c.get("drifts");
      List<Integer> expectedWarnings = new ArrayList<>();
      for (List<Integer> run : (List<List<Integer>>) c.get("warnings")) {
        expectedWarnings.addAll(run);
      }
      String what = c.get("stream") + " " + type + " " + params;
      for (int every : new int[] {0, 97}) {
        List<List<Integer>> got = run(detector(type, params), type, params, xs, every);
        assertThat(got.get(0)).as(what + " drifts (round trip every %d)", every).isEqualTo(expectedDrifts);
        assertThat(got.get(1)).as(what + " warning runs (round trip every %d)", every).isEqualTo(expectedWarnings);
      }
      withDrifts += expectedDrifts.isEmpty() ? 0 : 1;
      withWarnings += expectedWarnings.isEmpty() ? 0 : 1;
    }
    assertThat(withDrifts).isGreaterThan(30);
    assertThat(withWarnings).isGreaterThan(10);
  }

  /** River's docstrings print these indices for its defaults on these seeded streams (a second reference). */
  @Test
  void riverDocumentedExamples() throws IOException {
    double[] ph = stream("river_adwin_ph");
    assertThat(run(detector("adwin", Map.of()), "adwin", Map.of(), ph, 0).get(0)).containsExactly(1023);
    assertThat(run(detector("page_hinkley", Map.of()), "page_hinkley", Map.of(), ph, 0).get(0))
        .containsExactly(1006);
    double[] bits = stream("river_ddm_eddm");
    List<List<Integer>> ddm = run(detector("ddm", Map.of()), "ddm", Map.of(), bits, 0);
    assertThat(ddm.get(0)).containsExactly(1334);
    // River prints the first warning index before and after each drift
    assertThat(ddm.get(1).get(0)).isEqualTo(1084);
    assertThat(ddm.get(1).stream().filter(i -> i > 1334).findFirst()).contains(1492);
    Map<String, Object> eddmParams = Map.of("alpha", 0.8, "beta", 0.75);
    List<List<Integer>> eddm = run(detector("eddm", eddmParams), "eddm", eddmParams, bits, 0);
    assertThat(eddm.get(0)).containsExactly(1278);
    assertThat(eddm.get(1).get(0)).isEqualTo(1059);
  }

  @Test
  void specErrorsNameTheKey() {
    assertThatThrownBy(() -> DriftConfig.fromSpec(new SpecReader("models[0].drift", Map.of("detector", "kswin"))))
        .isInstanceOf(SpecException.class).hasMessageContaining("models[0].drift.detector.type");
    assertThatThrownBy(() -> DriftConfig.fromSpec(new SpecReader("drift",
        Map.of("detector", "ddm", "signal", "loss")))).hasMessageContaining("drift.signal");
    assertThatThrownBy(() -> DriftConfig.fromSpec(new SpecReader("drift",
        Map.of("detector", Map.of("type", "adwin", "dleta", 0.1))))).hasMessageContaining("drift.detector.dleta");
    assertThatThrownBy(() -> DriftConfig.fromSpec(new SpecReader("drift",
        Map.of("detector", "adwin", "reaction", Map.of("type", "boost_lr", "factor", 0.5)))))
        .hasMessageContaining("drift.reaction.factor");
    assertThatThrownBy(() -> DriftConfig.fromSpec(new SpecReader("drift",
        Map.of("detector", "adwin", "reaction", "background")))).hasMessageContaining("drift.reaction.type")
        .hasMessageContaining("warning zone");
    assertThat(DriftConfig.fromSpec(new SpecReader("drift", Map.of("detector", "eddm", "reaction", "background")))
        .reaction()).isEqualTo(DriftConfig.Reaction.BACKGROUND);
  }

  @Test
  void stateOfAnotherKindIsRefused() throws IOException {
    byte[] adwin = bytes(detector("adwin", Map.of()));
    DriftDetector ddm = detector("ddm", Map.of());
    assertThatThrownBy(() -> ddm.read(new DataInputStream(new ByteArrayInputStream(adwin))))
        .isInstanceOf(IOException.class).hasMessageContaining("adwin");
  }

  /** Feeding values allocates nothing (detectors and the monitor's counters): 24,000 errors, under 1 KiB. */
  @Test
  void feedingAllocatesNothing() throws IOException {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    double[] xs = stream("abrupt");
    byte[] errors = new byte[xs.length];
    for (int i = 0; i < xs.length; i++) {
      errors[i] = (byte) xs[i];
    }
    byte[] batch = new byte[50];
    for (String type : DriftConfig.DETECTORS) {
      DriftMonitor m = new DriftMonitor(DriftConfig.fromSpec(new SpecReader("drift", Map.of("detector", type))));
      m.observe(errors, 64, Double.NaN, 0); // warm-up
      long before = mx.getThreadAllocatedBytes(tid);
      long steps = 0;
      for (int rep = 0; rep < 4; rep++) {
        for (int off = 0; off + 50 <= errors.length; off += 50) {
          System.arraycopy(errors, off, batch, 0, 50);
          m.observe(batch, 50, Double.NaN, steps++);
        }
      }
      long allocated = mx.getThreadAllocatedBytes(tid) - before;
      assertThat(allocated).as("bytes allocated by %s over %d values", type, steps * 50).isLessThan(1024);
      assertThat(m.observed).isEqualTo(64 + steps * 50);
      assertThat(m.detections).as(type).isGreaterThan(0);
    }
  }
}
