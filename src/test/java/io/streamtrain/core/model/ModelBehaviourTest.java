package io.streamtrain.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Model contracts beyond the numbers: torch parameter layouts, initialization, evaluation vs training mode,
 * purity, warm start, spec errors, no allocation in steady state, and scratch sized by the layers a model has.
 */
class ModelBehaviourTest {
  static ModelSpec parse(Object... kv) {
    return RandomModels.parse(RandomModels.spec(kv));
  }

  static String shapes(ParamLayout l) {
    StringBuilder sb = new StringBuilder();
    for (ParamGroup g : l.groups()) {
      sb.append(g.name()).append(java.util.Arrays.toString(g.shape())).append(' ');
    }
    return sb.toString().trim();
  }

  @Test
  void layoutsFollowTorch() {
    assertThat(shapes(parse("type", "logistic", "features", Map.of("dense", 4)).newModel().layout()))
        .isEqualTo("weight[4] bias[]");
    assertThat(shapes(parse("type", "softmax", "classes", 3, "features", Map.of("dense", 2, "hash_bits", 2))
        .newModel().layout())).isEqualTo("weight[3, 6] bias[3]");
    Model mlp = parse("type", "mlp", "layers", List.of(5, 8, 4, 1), "head", "logistic", "batch_norm", true)
        .newModel();
    assertThat(shapes(mlp.layout())).isEqualTo("W1[8, 5] b1[8] gamma1[8] beta1[8] W2[4, 8] b2[4] gamma2[4] beta2[4] "
        + "W3[1, 4] b3[1]");
    assertThat(shapes(mlp.bufferLayout()))
        .isEqualTo("running_mean1[8] running_var1[8] running_mean2[4] running_var2[4]");
    assertThat(mlp.numParams()).isEqualTo(40 + 8 + 16 + 32 + 4 + 8 + 4 + 1);
  }

  @Test
  void initIsSeededAndFollowsTheSpec() {
    Model mlp = parse("type", "mlp", "layers", List.of(6, 5, 1), "head", "linear", "batch_norm", true, "seed", 3)
        .newModel();
    double[] a = new double[mlp.numParams()];
    double[] b = new double[mlp.numParams()];
    mlp.init(a, 3);
    mlp.init(b, 3);
    assertThat(a).containsExactly(b);
    mlp.init(b, 4);
    assertThat(a).isNotEqualTo(b);
    ParamGroup w1 = mlp.layout().group("W1");
    for (int i = w1.offset(); i < w1.end(); i++) {
      assertThat(Math.abs(a[i])).isLessThanOrEqualTo(1 / Math.sqrt(6));
    }
    ParamGroup g1 = mlp.layout().group("gamma1");
    ParamGroup be1 = mlp.layout().group("beta1");
    for (int i = 0; i < 5; i++) {
      assertThat(a[g1.offset() + i]).isEqualTo(1.0);
      assertThat(a[be1.offset() + i]).isEqualTo(0.0);
    }
    double[] buf = new double[mlp.numBuffers()];
    mlp.initBuffers(buf);
    assertThat(buf).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1, 1);
    Model lin = parse("type", "linear", "features", Map.of("dense", 3)).newModel();
    double[] z = {9, 9, 9, 9};
    lin.init(z, 1);
    assertThat(z).containsOnly(0.0);
    Model orth = parse("type", "mlp", "layers", List.of(4, 4, 1), "head", "linear",
        "init", Map.of("weights", "orthogonal", "bias", Map.of("type", "constant", "value", 0.5))).newModel();
    double[] o = new double[orth.numParams()];
    orth.init(o, 1);
    assertThat(o[orth.layout().group("b1").offset()]).isEqualTo(0.5);
  }

  @Test
  void dropoutIsOffInEvaluationAndReproduciblePerStep() {
    Model m = parse("type", "mlp", "layers", List.of(3, 16, 1), "head", "linear", "activation", "tanh",
        "dropout", 0.5).newModel();
    Model plain = parse("type", "mlp", "layers", List.of(3, 16, 1), "head", "linear", "activation", "tanh")
        .newModel();
    Random rnd = new Random(1);
    Batch b = RandomModels.batch(rnd, m, 6);
    double[] p = new double[m.numParams()];
    m.init(p, 1);
    m.setDropoutStep(1);
    double l1 = m.loss(p, b);
    assertThat(m.loss(p, b)).isEqualTo(l1);
    m.setDropoutStep(2);
    assertThat(m.loss(p, b)).isNotEqualTo(l1);
    double[] e1 = new double[6];
    double[] e2 = new double[6];
    m.predict(p, new double[0], b, e1);
    plain.predict(p, new double[0], b, e2);
    assertThat(e1).containsExactly(e2);
    assertThat(m.evalLoss(p, new double[0], b)).isEqualTo(plain.evalLoss(p, new double[0], b));
  }

  @Test
  void predictOneExampleEqualsItsRowAndCallsArePure() {
    Model m = parse("type", "softmax", "classes", 3, "features", Map.of("dense", 2, "sparse", 3, "hash_bits", 4))
        .newModel();
    Random rnd = new Random(2);
    Example e = RandomModels.example(rnd, m.featureSpace());
    Batch b = m.newBatch(2);
    b.add(RandomModels.example(rnd, m.featureSpace()));
    b.add(e);
    double[] p = RandomModels.params(rnd, m);
    double[] copy = p.clone();
    double[] rows = new double[6];
    m.predict(p, new double[0], b, rows);
    double[] one = new double[3];
    m.predict(p, new double[0], e, one);
    assertThat(one).containsExactly(rows[3], rows[4], rows[5]);
    assertThat(one[0] + one[1] + one[2]).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-15));
    m.lossAndGradient(p, b, new double[m.numParams()]);
    m.hessianVectorProduct(p, b, p.clone(), new double[m.numParams()]);
    assertThat(p).containsExactly(copy);
  }

  @Test
  void warmStartCopiesByNameAndRejectsMismatches() {
    ParamLayout src = new ParamLayout.Builder().add("b1", ParamGroup.Role.BIAS, 1, 2)
        .add("W1", ParamGroup.Role.WEIGHT, 1, 2, 3).build();
    double[] s = {10, 20, 1, 2, 3, 4, 5, 6};
    Model m = parse("type", "mlp", "layers", List.of(3, 2), "head", "softmax").newModel();
    double[] p = new double[m.numParams()];
    WarmStart.copy("warm", src, s, m.layout(), p, false);
    assertThat(p).containsExactly(1, 2, 3, 4, 5, 6, 10, 20);
    Model wide = parse("type", "mlp", "layers", List.of(4, 2), "head", "softmax").newModel();
    assertThatThrownBy(() -> WarmStart.copy("model.warm_start", src, s, wide.layout(), new double[10], false))
        .isInstanceOf(SpecException.class).hasMessageContaining("model.warm_start").hasMessageContaining("\"W1\"")
        .hasMessageContaining("[2, 3]").hasMessageContaining("[2, 4]");
    ParamLayout extra = new ParamLayout.Builder().add("W1", ParamGroup.Role.WEIGHT, 1, 2, 3)
        .add("b1", ParamGroup.Role.BIAS, 1, 2).add("gamma1", ParamGroup.Role.BN_SCALE, 1, 2).build();
    assertThatThrownBy(() -> WarmStart.copy("w", extra, new double[10], m.layout(), p, false))
        .isInstanceOf(SpecException.class).hasMessageContaining("gamma1");
    WarmStart.copy("w", extra, new double[10], m.layout(), p, true);
    assertThat(p).containsOnly(0.0);
  }

  @Test
  void nestedFormRoundTripsAndNamesShapeErrors() {
    Model m = parse("type", "mlp", "layers", List.of(2, 3, 1), "head", "linear").newModel();
    double[] p = new double[m.numParams()];
    m.init(p, 5);
    Map<String, Object> nested = m.layout().toNested(p);
    assertThat(nested.keySet()).containsExactly("W1", "b1", "W2", "b2");
    double[] back = new double[p.length];
    m.layout().fromNested(new SpecReader("initial", nested), back);
    assertThat(back).containsExactly(p);
    Map<String, Object> bad = new LinkedHashMap<>(nested);
    bad.put("W1", List.of(List.of(1, 2), List.of(3, 4)));
    assertThatThrownBy(() -> m.layout().fromNested(new SpecReader("initial", bad), back))
        .isInstanceOf(SpecException.class).hasMessageContaining("initial.W1")
        .hasMessageContaining("array of length 2").hasMessageContaining("[3, 2]");
  }

  @Test
  void specErrorsNameKeyValueAndAllowed() {
    assertSpecError(Map.of("type", "svm"), "model.type", "\"svm\"", "[linear, logistic, softmax, mlp]");
    assertSpecError(Map.of("type", "logistic"), "model.features", "missing");
    assertSpecError(Map.of("type", "logistic", "features", Map.of("dense", 2), "loss", "huber"), "model.loss",
        "not allowed for a logistic model");
    assertSpecError(Map.of("type", "softmax", "features", Map.of("dense", 2), "classes", 1), "model.classes", "1",
        "[2, ");
    assertSpecError(Map.of("type", "linear", "features", Map.of("dense", 2), "loss", "l1"), "model.loss", "\"l1\"",
        "[squared, huber]");
    assertSpecError(Map.of("type", "linear", "features", Map.of("dense", 2), "loss", "huber", "delta", 0),
        "model.delta", "(0, ");
    assertSpecError(Map.of("type", "mlp", "layers", List.of(3, 4, 2), "head", "logistic"), "model.layers",
        "last width of 1");
    assertSpecError(Map.of("type", "mlp", "layers", List.of(3, 4, 1), "head", "logistic", "activation", "gelu"),
        "model.activation", "\"gelu\"", "[relu, tanh, sigmoid, identity]");
    assertSpecError(Map.of("type", "mlp", "layers", List.of(3, 4, 1), "head", "logistic", "dropout", 1.0),
        "model.dropout", "[0, 1)");
    assertSpecError(Map.of("type", "mlp", "layers", List.of(3, 4, 1), "head", "logistic",
        "features", Map.of("dense", 2, "hash_bits", 2)), "model.layers[0]", "3", "6");
    assertSpecError(Map.of("type", "mlp", "layers", List.of(3, 4, 1)), "model.head", "missing");
    assertSpecError(Map.of("type", "logistic", "features", Map.of("dense", 2), "l2", -1), "model.l2", "-1");
    assertSpecError(Map.of("type", "logistic", "features", Map.of("dense", 2), "layer", 1), "model.layer",
        "unknown key");
  }

  static void assertSpecError(Map<String, Object> spec, String... fragments) {
    var t = assertThatThrownBy(() -> ModelSpecs.fromSpec(new SpecReader("model", spec)))
        .isInstanceOf(SpecException.class);
    for (String f : fragments) {
      t.hasMessageContaining(f);
    }
  }

  @Test
  void steadyStateCallsAllocateNothing() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Model m = parse("type", "mlp", "layers", List.of(3 + 4 + 16, 8, 3), "head", "softmax", "batch_norm", true,
        "dropout", 0.2, "features", Map.of("dense", 3, "sparse", 4, "hash_bits", 4)).newModel(32);
    Random rnd = new Random(4);
    Example[] ex = new Example[32];
    for (int i = 0; i < ex.length; i++) {
      ex[i] = RandomModels.example(rnd, m.featureSpace());
    }
    Batch b = m.newBatch(32);
    double[] p = RandomModels.params(rnd, m);
    double[] g = new double[p.length];
    double[] hv = new double[p.length];
    double[] buf = new double[m.numBuffers()];
    double[] out = new double[32 * 3];
    Model lin = parse("type", "logistic", "features", Map.of("dense", 3, "sparse", 4, "hash_bits", 4)).newModel(32);
    double[] pl = new double[lin.numParams()];
    double[] gl = new double[pl.length];
    double[] norms = new double[32];
    Runnable step = () -> {
      b.clear();
      for (Example e : ex) {
        b.add(e);
      }
      m.setDropoutStep(7);
      m.lossAndGradient(p, b, g);
      m.hessianVectorProduct(p, b, g, hv);
      m.updateBuffers(p, b, buf);
      m.predict(p, buf, b, out);
      m.predict(p, buf, ex[0], out);
      lin.lossAndGradient(pl, b, gl);
      lin.perSampleGradSquaredNorms(pl, b, norms);
      io.streamtrain.core.data.Validation.check(m.featureSpace(), ex[1]);
    };
    for (int i = 0; i < 200; i++) {
      step.run();
    }
    long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
    for (int i = 0; i < 100; i++) {
      step.run();
    }
    long after = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
    assertThat(after - before).as("bytes allocated by 100 steady-state steps").isZero();
  }

  /**
   * A hashed model's input width is 2^bits: scratch must follow the layers' outputs, never the input (here a
   * 256 x 2^16 buffer would be 128 MiB; at 2^20 bits, 2 GiB). Counts every byte a model instance allocates from construction through one call
   * of each kind (forward, backward, R-op, buffers, predictions, per-sample norms).
   */
  @Test
  void scratchIsSizedByTheLayersNotTheInputWidth() {
    Map<String, Object> hashed = Map.of("hash_bits", 16);
    long logistic = scratchBytes(parse("type", "logistic", "features", hashed), 256);
    long mlp = scratchBytes(parse("type", "mlp", "layers", List.of(1 << 16, 16, 1), "head", "logistic",
        "batch_norm", true, "dropout", 0.1, "features", hashed), 256);
    // Logistic: a handful of n x 1 arrays (logits, their R-image, gradient buffers, row scales): well under 64
    // doubles a row, and no hidden-layer scratch at all.
    assertThat(logistic).as("bytes of a hashed logistic model's scratch").isLessThan(256L * 64 * 8);
    // MLP: about a dozen n x 16 arrays for the hidden layer (outputs, batch-norm statistics, mask, R-images).
    assertThat(mlp).as("bytes of a hashed mlp's scratch").isLessThan(256L * 16 * 8 * 24).isGreaterThan(logistic);
  }

  private static long scratchBytes(ModelSpec spec, int n) {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Random rnd = new Random(2);
    Batch b = new Batch(spec.features(), n);
    for (int i = 0; i < n; i++) {
      b.add(RandomModels.example(rnd, spec.features()));
    }
    Example one = RandomModels.example(rnd, spec.features());
    int np = spec.newModel().numParams();
    double[] p = new double[np];
    double[] g = new double[np];
    double[] hv = new double[np];
    double[] buf = new double[64];
    double[] out = new double[n];
    long tid = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(tid);
    Model m = spec.newModel(n);
    m.lossAndGradient(p, b, g);
    m.hessianVectorProduct(p, b, g, hv);
    m.updateBuffers(p, b, buf);
    m.predict(p, buf, b, out);
    m.predict(p, buf, one, out);
    if (m.hasPerSampleGradients()) {
      m.perSampleGradSquaredNorms(p, b, out);
    }
    return mx.getThreadAllocatedBytes(tid) - before;
  }
}
