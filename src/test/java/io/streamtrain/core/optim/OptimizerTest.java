package io.streamtrain.core.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Spec parsing (torch names, defaults and validation), the schedulable knobs, the non-finite clipping policy,
 * rejection of mismatched serialized state, and zero allocation per step.
 */
class OptimizerTest {

  static Map<String, Object> spec(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static OptimizerSpec parse(Map<String, Object> m) {
    return Optimizers.fromSpec(new SpecReader("optimizer", m));
  }

  /** Trajectory of 6 steps from a fixed start with fixed gradients (incl. a zero step). */
  static double[] run(OptimizerSpec s) {
    int n = 7;
    Optimizer o = s.create(n);
    double[] p = OptimizerProperties.randomVector(n, 1, 1.0);
    for (int t = 0; t < 6; t++) {
      double[] g = t == 2 ? new double[n] : OptimizerProperties.randomVector(n, 100 + t, 1.0);
      o.step(p, g);
    }
    return p;
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "adam    | {'lr': 1e-3, 'betas': [0.9, 0.999], 'eps': 1e-8, 'weight_decay': 0.0, 'amsgrad': false}",
        "adamw   | {'lr': 1e-3, 'betas': [0.9, 0.999], 'eps': 1e-8, 'weight_decay': 1e-2, 'amsgrad': false}",
        "adagrad | {'lr': 1e-2, 'lr_decay': 0.0, 'weight_decay': 0.0, 'initial_accumulator_value': 0.0,"
            + " 'eps': 1e-10}",
        "rmsprop | {'lr': 1e-2, 'alpha': 0.99, 'eps': 1e-8, 'weight_decay': 0.0, 'momentum': 0.0,"
            + " 'centered': false}",
      })
  void defaultsAreTorchs(String type, String explicitJson) throws IOException {
    @SuppressWarnings("unchecked")
    Map<String, Object> explicit =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readValue(explicitJson.replace('\'', '"'), LinkedHashMap.class);
    explicit.put("type", type);
    assertThat(OptimizerProperties.bits(run(parse(spec("type", type)))))
        .isEqualTo(OptimizerProperties.bits(run(parse(explicit))));
    // and a non-default value does change the trajectory, so the comparison is not vacuous
    explicit.put("lr", 0.5);
    assertThat(OptimizerProperties.bits(run(parse(spec("type", type)))))
        .isNotEqualTo(OptimizerProperties.bits(run(parse(explicit))));
  }

  @Test
  void sgdDefaultsAndRequiredLr() {
    assertThat(OptimizerProperties.bits(run(parse(spec("type", "sgd", "lr", 0.1)))))
        .isEqualTo(OptimizerProperties.bits(run(parse(spec("type", "sgd", "lr", 0.1, "momentum", 0.0,
            "dampening", 0.0, "nesterov", false, "weight_decay", 0.0)))));
    assertThatThrownBy(() -> parse(spec("type", "sgd")))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining("optimizer.lr")
        .hasMessageContaining("required");
  }

  @Test
  void malformedSpecsNameTheKeyAndWhatIsAllowed() {
    assertThatThrownBy(() -> parse(spec("type", "adamax")))
        .hasMessageContaining("optimizer.type")
        .hasMessageContaining("[sgd, adagrad, rmsprop, adam, adamw, sparse_adam, ftrl, nag]");
    assertThatThrownBy(() -> parse(spec("type", "adam", "beta1", 0.9)))
        .hasMessageContaining("optimizer.beta1")
        .hasMessageContaining("allowed keys here are [type, lr, betas, eps, weight_decay, amsgrad]");
    assertThatThrownBy(() -> parse(spec("type", "adam", "betas", List.of(0.9, 1.0))))
        .hasMessageContaining("optimizer.betas[1]: 1.0")
        .hasMessageContaining("[0, 1)");
    assertThatThrownBy(() -> parse(spec("type", "adam", "betas", List.of(0.9))))
        .hasMessageContaining("optimizer.betas");
    assertThatThrownBy(() -> parse(spec("type", "adam", "lr", -1.0)))
        .hasMessageContaining("optimizer.lr: -1.0");
    assertThatThrownBy(() -> parse(spec("type", "adam", "eps", "NaN")))
        .hasMessageContaining("optimizer.eps: NaN");
    assertThatThrownBy(() -> parse(spec("type", "sgd", "lr", 0.1, "nesterov", true)))
        .hasMessageContaining("optimizer.nesterov")
        .hasMessageContaining("momentum > 0 and dampening 0");
    assertThatThrownBy(() -> parse(spec("type", "sgd", "lr", 0.1, "momentum", 0.9, "dampening", 0.1,
        "nesterov", true)))
        .hasMessageContaining("optimizer.nesterov");
    assertThatThrownBy(() -> parse(spec("type", "rmsprop", "momentum", -0.1)))
        .hasMessageContaining("optimizer.momentum: -0.1");
    assertThatThrownBy(() -> parse(spec("type", "adagrad", "amsgrad", true)))
        .hasMessageContaining("optimizer.amsgrad").hasMessageContaining("unknown key");
    assertThatThrownBy(() -> parse(spec("type", "adam", "amsgrad", "yes")))
        .hasMessageContaining("optimizer.amsgrad").hasMessageContaining("true or false");
  }

  @Test
  void clippingSpecs() {
    assertThat(Clipping.fromSpec(new SpecReader("clip", spec("type", "norm", "max_norm", 1.0))))
        .isEqualTo(Clipping.norm(1.0, 2.0));
    assertThat(Clipping.fromSpec(new SpecReader("clip", spec("type", "norm", "max_norm", 1, "norm_type", "inf"))))
        .isEqualTo(new Clipping.Norm(1, Double.POSITIVE_INFINITY));
    assertThat(Clipping.fromSpec(new SpecReader("clip", spec("type", "value", "clip_value", 0.5))))
        .isEqualTo(Clipping.value(0.5));
    // Any p > 0, as torch's clip_grad_norm_ takes it.
    assertThat(Clipping.fromSpec(new SpecReader("clip", spec("type", "norm", "max_norm", 1.0, "norm_type", 3))))
        .isEqualTo(Clipping.norm(1.0, 3.0));
    assertThatThrownBy(() -> Clipping.fromSpec(new SpecReader("clip", spec("type", "norm", "max_norm", 1.0,
        "norm_type", 0))))
        .hasMessageContaining("clip.norm_type: 0").hasMessageContaining("a number p > 0 (1, 2, 3, ...) or \"inf\"");
    assertThatThrownBy(() -> Clipping.fromSpec(new SpecReader("clip", spec("type", "norm", "max_norm", -1.0))))
        .hasMessageContaining("clip.max_norm: -1.0");
    assertThatThrownBy(() -> Clipping.fromSpec(new SpecReader("clip", spec("type", "norm"))))
        .hasMessageContaining("clip.max_norm: missing");
    assertThatThrownBy(() -> Clipping.fromSpec(new SpecReader("clip", spec("type", "value", "max_norm", 1.0))))
        .hasMessageContaining("clip.max_norm").hasMessageContaining("[type, clip_value]");
    assertThatThrownBy(() -> Clipping.fromSpec(new SpecReader("clip", spec("type", "both"))))
        .hasMessageContaining("clip.type").hasMessageContaining("[norm, value]");
    assertThatThrownBy(() -> Optimizers.sgd(0.1, 0, 0, false, 0).withClipping(Clipping.norm(1, 2)).create(new int[] {2, -1}))
        .hasMessageContaining("param_split");
  }

  @Test
  void knobsFollowTorchsParamGroupKeys() {
    Optimizer adam = parse(spec("type", "adam", "lr", 0.01, "betas", List.of(0.8, 0.99))).create(3);
    assertThat(adam.lr()).isEqualTo(0.01);
    assertThat(adam.hasMomentum()).isTrue();
    assertThat(adam.momentum()).isEqualTo(0.8);
    adam.setLr(0.02);
    adam.setMomentum(0.85);
    assertThat(adam.lr()).isEqualTo(0.02);
    assertThat(adam.momentum()).isEqualTo(0.85);
    assertThatThrownBy(() -> adam.setMomentum(1.0)).hasMessageContaining("[0, 1)");
    assertThatThrownBy(() -> adam.setLr(Double.NaN)).hasMessageContaining("lr: NaN");

    Optimizer adamw = parse(spec("type", "adamw", "lr", 0.01)).create(3);
    adamw.setLr(0.5);
    assertThat(adamw.state().find(DecoupledWeightDecay.State.class).lr()).isEqualTo(0.5);

    assertThat(parse(spec("type", "sgd", "lr", 0.1)).create(2).hasMomentum()).isTrue();
    assertThat(parse(spec("type", "rmsprop")).create(2).hasMomentum()).isFalse();
    assertThat(parse(spec("type", "rmsprop", "momentum", 0.9)).create(2).hasMomentum()).isTrue();
    Optimizer adagrad = parse(spec("type", "adagrad")).create(2);
    assertThat(adagrad.hasMomentum()).isFalse();
    assertThatThrownBy(() -> adagrad.setMomentum(0.9)).isInstanceOf(IllegalStateException.class);
    assertThat(adagrad.stepCount()).isZero();
  }

  @Test
  void sgdMomentumBufferIsAllocatedOnlyWhenMomentumIsSwitchedOn() {
    Optimizer sgd = parse(spec("type", "sgd", "lr", 0.1)).create(4);
    TraceMomentum.State tm = sgd.state().find(TraceMomentum.State.class);
    double[] p = {1, 2, 3, 4};
    sgd.step(p, new double[] {1, 1, 1, 1});
    assertThat(tm.buffer()).isNull();
    sgd.setMomentum(0.9);
    sgd.step(p, new double[] {0.5, 1, 2, 4});
    // torch: the first momentum step clones d_p into the buffer
    assertThat(tm.buffer()).containsExactly(0.5, 1, 2, 4);
    assertThat(p).containsExactly(1 - 0.1 - 0.05, 2 - 0.1 - 0.1, 3 - 0.1 - 0.2, 4 - 0.1 - 0.4);
  }

  @Test
  void nonFiniteGlobalNormSkipsTheStepAndIsReported() throws IOException {
    OptimizerSpec s = parse(spec("type", "adam", "lr", 0.1)).withClipping(Clipping.norm(1.0, 2.0));
    Optimizer withBad = s.create(new int[] {2, 2});
    Optimizer clean = s.create(new int[] {2, 2});
    double[] p = {1, 2, 3, 4};
    double[] q = p.clone();
    withBad.step(p, new double[] {3, 4, 0, 0});
    clean.step(q, new double[] {3, 4, 0, 0});
    assertThat(withBad.lastGradNorm()).isEqualTo(5.0);
    assertThat(withBad.lastClipCoefficient()).isEqualTo(1.0 / (5.0 + 1e-6));
    byte[] before = save(withBad);
    double[] p0 = p.clone();
    for (double[] bad : new double[][] {{Double.NaN, 0, 0, 0}, {0, 0, Double.POSITIVE_INFINITY, 1}, {1e200, 1e200, 0, 0}}) {
      double[] g = bad.clone();
      withBad.step(p, g);
      assertThat(withBad.lastStepSkipped()).isTrue();
      assertThat(Double.isFinite(withBad.lastGradNorm())).isFalse();
      assertThat(withBad.lastClipCoefficient()).isEqualTo(1.0);
      assertThat(g).as("gradients are not scaled by a non-finite coefficient").isEqualTo(bad);
      assertThat(OptimizerProperties.bits(p)).isEqualTo(OptimizerProperties.bits(p0));
      assertThat(withBad.stepCount()).isEqualTo(1);
      assertThat(save(withBad)).isEqualTo(before);
    }
    withBad.step(p, new double[] {0.1, 0.2, 0.3, 0.4});
    clean.step(q, new double[] {0.1, 0.2, 0.3, 0.4});
    assertThat(withBad.lastStepSkipped()).isFalse();
    assertThat(OptimizerProperties.bits(p)).isEqualTo(OptimizerProperties.bits(q));
  }

  @Test
  void nonFiniteNormLaterInAChainLeavesGradientsUnscaled() {
    Chain c = Transforms.chain(Transforms.clipByValue(10), Transforms.clipByGlobalNorm(1.0, 2.0));
    ChainState st = c.init(3);
    double[] g = {Double.NaN, 100, 1};
    assertThat(Chain.update(g, st, null)).isTrue();
    assertThat(g).containsExactly(Double.NaN, 10, 1);
    assertThat(st.find(ClipByGlobalNorm.State.class).nonFinite()).isTrue();
  }

  @Test
  void mismatchedStateIsRejectedAndLeavesTheOptimizerUnchanged() throws IOException {
    Optimizer adam = Optimizers.adam(0.1, 0.9, 0.999, 1e-8, 0, false).create(5);
    double[] p = {1, 2, 3, 4, 5};
    adam.step(p, new double[] {1, 1, 1, 1, 1});
    byte[] adamState = save(adam);

    Optimizer sgd = Optimizers.sgd(0.1, 0.9, 0, false, 0).create(5);
    sgd.step(p.clone(), new double[] {1, 2, 3, 4, 5});
    byte[] sgdBefore = save(sgd);
    assertThatThrownBy(() -> load(sgd, adamState))
        .isInstanceOf(IncompatibleStateException.class)
        .hasMessageContaining("optimizer type mismatch, expected sgd but found adam");
    assertThat(save(sgd)).isEqualTo(sgdBefore);

    Optimizer bigger = Optimizers.adam(0.1, 0.9, 0.999, 1e-8, 0, false).create(6);
    assertThatThrownBy(() -> load(bigger, adamState))
        .hasMessageContaining("parameter count mismatch, expected 6 but found 5");
    Optimizer ams = Optimizers.adam(0.1, 0.9, 0.999, 1e-8, 0, true).create(5);
    assertThatThrownBy(() -> load(ams, adamState))
        .hasMessageContaining("transform kind mismatch, expected scale_by_adam_amsgrad but found scale_by_adam");
    Optimizer clipped = Optimizers.adam(0.1, 0.9, 0.999, 1e-8, 0, false)
        .withClipping(Clipping.norm(1, 2)).create(5);
    assertThatThrownBy(() -> load(clipped, adamState)).hasMessageContaining("number of transforms mismatch");
    byte[] wrongVersion = adamState.clone();
    wrongVersion[4] = 9;
    assertThatThrownBy(() -> load(adam, wrongVersion)).hasMessageContaining("format version mismatch, expected 1 but found 9");
    assertThatThrownBy(() -> load(adam, new byte[] {1, 2, 3, 4, 5})).hasMessageContaining("not an optimizer state");
    assertThat(save(adam)).isEqualTo(adamState);
  }

  @Test
  void stateFormatStartsWithMagicAndVersionAndIsCompact() throws IOException {
    Optimizer adam = Optimizers.adam(0.1, 0.9, 0.999, 1e-8, 0, false).create(1000);
    byte[] b = save(adam);
    assertThat(new DataInputStream(new ByteArrayInputStream(b)).readInt()).isEqualTo(0x53544f50);
    assertThat(b[4]).isEqualTo((byte) Optimizer.FORMAT_VERSION);
    // two moment arrays of 1000 doubles plus a small header
    assertThat(b.length).isBetween(16_000, 16_200);
  }

  @Test
  void stepAllocatesNothing() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    for (OptimizerSpec s : List.of(
        Optimizers.adam(1e-3, 0.9, 0.999, 1e-8, 0.01, true).withClipping(Clipping.norm(1.0, 2.0)),
        Optimizers.sgd(0.01, 0.9, 0, true, 0.01),
        Optimizers.rmsprop(0.01, 0.99, 1e-8, 0, 0.9, true),
        Optimizers.adagrad(0.01, 0.01, 0, 0.1, 1e-10),
        Optimizers.adamw(1e-3, 0.9, 0.999, 1e-8, 0.01, false).withClipping(Clipping.value(0.5)))) {
      int n = 3 * Chain.BLOCK + 7;
      Optimizer o = s.create(new int[] {Chain.BLOCK, n - Chain.BLOCK});
      double[] p = OptimizerProperties.randomVector(n, 3, 1.0);
      double[] g = new double[n];
      for (int t = 0; t < 50; t++) {
        o.step(p, g); // warm-up; the momentum buffer is allocated here
      }
      long before = mx.getThreadAllocatedBytes(tid);
      for (int t = 0; t < 500; t++) {
        o.setLr(1e-3);
        o.step(p, g);
      }
      long allocated = mx.getThreadAllocatedBytes(tid) - before;
      assertThat(allocated).as("bytes allocated by 500 %s steps", o.type()).isLessThan(1024);
    }
  }

  static byte[] save(Optimizer o) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    o.writeState(new DataOutputStream(bos));
    return bos.toByteArray();
  }

  static void load(Optimizer o, byte[] b) throws IOException {
    o.readState(new DataInputStream(new ByteArrayInputStream(b)));
  }
}
