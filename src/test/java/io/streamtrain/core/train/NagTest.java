package io.streamtrain.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.optim.Nag;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The nag optimizer (normalized adaptive updates, {@link Nag}) through the trainer, on both training paths:
 * trajectories equal the numpy reference written from the paper (scripts/fixtures/gen_nag_fixtures.py; columns on
 * scales from 1e-3 to 1e4 that keep growing), predictions are invariant to per-column scaling of the inputs, and a
 * state written mid-run continues bit-identically.
 */
class NagTest {
  static final double REL = 1e-12;
  static final double ABS = 1e-15;

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> cases() throws IOException {
    try (InputStream in = NagTest.class.getResourceAsStream("/fixtures/optim/nag.json")) {
      if (in == null) {
        throw new IllegalStateException("missing fixture nag.json; run scripts/fixtures/gen_nag_fixtures.py");
      }
      return (List<Map<String, Object>>) new ObjectMapper().readValue(in, Map.class).get("cases");
    }
  }

  static Map<String, Object> spec(String kind, int outputs, int dense, int sparse, double lr, int batch, String path) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", kind);
    model.put("features", sparse > 0 ? Map.of("dense", dense, "sparse", sparse) : Map.of("dense", dense));
    model.put("init", "zeros");
    if (kind.equals("softmax")) {
      model.put("classes", outputs);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", model);
    m.put("optimizer", Map.of("type", "nag", "lr", lr));
    m.put("batching", Map.of("batch_size", batch));
    m.put("training_path", path);
    return m;
  }

  static double num(Object o) {
    return ((Number) o).doubleValue();
  }

  static double[] doubles(Object o) {
    List<?> l = (List<?>) o;
    double[] a = new double[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = num(l.get(i));
    }
    return a;
  }

  @SuppressWarnings("unchecked")
  static List<List<Example>> batches(Map<String, Object> c) {
    int bs = ((Number) c.get("batch_size")).intValue();
    List<Map<String, Object>> rows = (List<Map<String, Object>>) c.get("rows");
    List<List<Example>> out = new ArrayList<>();
    for (int start = 0; start < rows.size(); start += bs) {
      List<Example> batch = new ArrayList<>();
      for (Map<String, Object> r : rows.subList(start, Math.min(rows.size(), start + bs))) {
        Example e = new Example();
        for (double v : doubles(r.get("dense"))) {
          e.addDense(v);
        }
        double[] idx = doubles(r.get("sparse_index"));
        double[] val = doubles(r.get("sparse_value"));
        for (int j = 0; j < idx.length; j++) {
          e.addSparse((int) idx[j], val[j]);
        }
        batch.add(e.setLabel(num(r.get("label"))).setWeight(num(r.get("weight"))).setModelId("m"));
      }
      out.add(batch);
    }
    return out;
  }

  static void assertClose(double actual, double expected, String where) {
    if (Math.abs(actual - expected) > REL * Math.abs(expected) + ABS) {
      fail(where + ": got " + actual + ", reference " + expected);
    }
  }

  @SuppressWarnings("unchecked")
  @ParameterizedTest
  @ValueSource(strings = {"sparse", "dense"})
  void followsThePaperReferenceOnBothPaths(String path) throws IOException {
    for (Map<String, Object> c : cases()) {
      String name = (String) c.get("name");
      int k = ((Number) c.get("outputs")).intValue();
      int dense = ((Number) c.get("dense")).intValue();
      int sparse = ((Number) c.get("sparse")).intValue();
      TrainingConfig cfg = TrainingConfig.fromSpec(new SpecReader("", spec((String) c.get("kind"), k, dense, sparse,
          num(c.get("lr")), ((Number) c.get("batch_size")).intValue(), path)));
      assertThat(cfg.trainingPath().name()).isEqualTo(path);
      ModelTrainer tr = new ModelTrainer(cfg);
      TrainerState s = tr.newState("m");
      Map<String, Object> exp = (Map<String, Object>) c.get("expected");
      List<Object> params = (List<Object>) exp.get("params");
      double[] losses = doubles(exp.get("losses"));
      List<List<Example>> data = batches(c);
      assertThat(data).hasSize(losses.length);
      for (int b = 0; b < data.size(); b++) {
        ModelTrainer.StepResult r = tr.train(s, data.get(b));
        assertThat(r.skipped).isFalse();
        String at = name + " (" + path + ") batch " + b;
        assertClose(r.loss, losses[b], at + " loss");
        double[] p = doubles(params.get(b));
        assertThat(s.params).hasSize(p.length);
        for (int i = 0; i < p.length; i++) {
          assertClose(s.params[i], p[i], at + " param " + i);
        }
      }
      Nag.State st = s.optimizer.state().find(Nag.State.class);
      assertClose(st.observedWeight(), num(exp.get("t")), name + " t");
      assertClose(st.normalizedNorm(), num(exp.get("N")), name + " N");
      double[] scales = doubles(exp.get("s"));
      for (int c2 = 0; c2 < scales.length; c2++) {
        for (int o = 0; o < k; o++) {
          assertThat(st.scale(o * scales.length + c2)).as(name + " s " + c2).isEqualTo(scales[c2]);
        }
      }
      // The scales really spread: the largest column is 1e5+ times the smallest.
      double lo = Double.MAX_VALUE;
      double hi = 0;
      for (double v : scales) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      assertThat(hi / lo).isGreaterThan(1e5);
    }
  }

  /** Dense logistic data whose columns have unit scale, and the same columns multiplied by 1e3, 1e-3, ... */
  static List<List<Example>> scaled(double[] factors, int batches, int size) {
    io.streamtrain.core.random.Xoshiro256 g = new io.streamtrain.core.random.Xoshiro256(17);
    List<List<Example>> out = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      List<Example> batch = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        double[] x = new double[factors.length];
        double z = 0;
        for (int j = 0; j < x.length; j++) {
          double v = g.nextGaussian();
          z += (j % 2 == 0 ? 1.5 : -1.0) * v;
          x[j] = v * factors[j];
        }
        batch.add(Example.dense(x, z + 0.5 * g.nextGaussian() > 0 ? 1 : 0).setModelId("m"));
      }
      out.add(batch);
    }
    return out;
  }

  static double[] progressiveLosses(Map<String, Object> optimizer, double[] factors) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", factors.length), "init", "zeros"));
    m.put("optimizer", optimizer);
    m.put("batching", Map.of("batch_size", 8));
    ModelTrainer tr = new ModelTrainer(TrainingConfig.fromSpec(new SpecReader("", m)));
    TrainerState s = tr.newState("m");
    List<List<Example>> data = scaled(factors, 200, 8);
    double[] out = new double[data.size()];
    for (int b = 0; b < data.size(); b++) {
      out[b] = tr.train(s, data.get(b)).loss;
    }
    return out;
  }

  static double mean(double[] a, int from) {
    double s = 0;
    for (int i = from; i < a.length; i++) {
      s += a[i];
    }
    return s / (a.length - from);
  }

  @Test
  void predictionsAreInvariantToPerColumnScaleWherePlainStepsAreNot() {
    double[] unit = {1, 1, 1, 1};
    double[] spread = {1e3, 1e-3, 1, 1e3};
    Map<String, Object> nag = Map.of("type", "nag", "lr", 0.5);
    double[] a = progressiveLosses(nag, unit);
    double[] b = progressiveLosses(nag, spread);
    // The progressive loss of every batch is the same up to rounding: predictions do not see the scales.
    for (int i = 0; i < a.length; i++) {
      assertThat(b[i]).as("batch " + i).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-9));
    }
    assertThat(mean(a, 100)).isLessThan(0.45); // and it learns: well under log 2 = 0.693
    // The same data through sgd and adagrad with one learning rate: fine on unit columns, far off on spread ones.
    for (Map<String, Object> opt : List.<Map<String, Object>>of(Map.of("type", "sgd", "lr", 0.5),
        Map.of("type", "adagrad", "lr", 0.5))) {
      double onUnit = mean(progressiveLosses(opt, unit), 100);
      double onSpread = mean(progressiveLosses(opt, spread), 100);
      assertThat(onUnit).as(opt + " on unit columns").isLessThan(0.5);
      assertThat(onSpread).as(opt + " on spread columns").isGreaterThan(onUnit + 0.2);
    }
  }

  @Test
  void aStateWrittenMidRunContinuesBitIdentically() throws IOException {
    Map<String, Object> c = cases().get(1);
    TrainingConfig cfg = TrainingConfig.fromSpec(new SpecReader("", spec((String) c.get("kind"), 1,
        ((Number) c.get("dense")).intValue(), ((Number) c.get("sparse")).intValue(), 0.1, 4, "sparse")));
    List<List<Example>> data = batches(c);
    ModelTrainer a = new ModelTrainer(cfg);
    TrainerState sa = a.newState("m");
    byte[] mid = null;
    int cut = 13;
    for (int i = 0; i < data.size(); i++) {
      if (i == cut) {
        mid = TrainerStateTest.bytes(sa);
      }
      a.train(sa, data.get(i));
    }
    ModelTrainer b = new ModelTrainer(cfg);
    TrainerState sb = b.newState("m");
    sb.read(new DataInputStream(new ByteArrayInputStream(mid)));
    assertThat(TrainerStateTest.bytes(sb)).isEqualTo(mid);
    double seen = 0;
    for (int i = 0; i < cut; i++) {
      for (Example e : data.get(i)) {
        seen += e.weight();
      }
    }
    assertThat(sb.optimizer.state().find(Nag.State.class).observedWeight()).isEqualTo(seen);
    for (int i = cut; i < data.size(); i++) {
      b.train(sb, data.get(i));
    }
    assertThat(TrainerStateTest.bits(sb.params)).isEqualTo(TrainerStateTest.bits(sa.params));
    assertThat(TrainerStateTest.bytes(sb)).isEqualTo(TrainerStateTest.bytes(sa));
  }

  @Test
  void nagIsForLinearModelsWithoutScaling() {
    Map<String, Object> mlp = new LinkedHashMap<>();
    mlp.put("model", Map.of("type", "mlp", "layers", List.of(3, 4, 1), "head", "logistic"));
    mlp.put("optimizer", Map.of("type", "nag"));
    assertThatThrownBy(() -> TrainingConfig.fromSpec(new SpecReader("", mlp)))
        .isInstanceOf(SpecException.class).hasMessageContaining("optimizer.type").hasMessageContaining("mlp");
    Map<String, Object> scaled = new LinkedHashMap<>();
    scaled.put("model", Map.of("type", "logistic", "features", Map.of("dense", 3), "scaling",
        Map.of("mode", "running")));
    scaled.put("optimizer", Map.of("type", "nag"));
    assertThatThrownBy(() -> TrainingConfig.fromSpec(new SpecReader("", scaled)))
        .isInstanceOf(SpecException.class).hasMessageContaining("model.scaling");
    Map<String, Object> bad = new LinkedHashMap<>();
    bad.put("model", Map.of("type", "logistic", "features", Map.of("dense", 3)));
    bad.put("optimizer", Map.of("type", "nag", "lr", 0));
    assertThatThrownBy(() -> TrainingConfig.fromSpec(new SpecReader("", bad)))
        .isInstanceOf(SpecException.class).hasMessageContaining("optimizer.lr");
  }
}
