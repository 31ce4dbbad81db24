package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Type;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.optim.Clipping;
import io.streamtrain.core.optim.Optimizer;
import io.streamtrain.core.optim.OptimizerSpec;
import io.streamtrain.core.optim.Optimizers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code streamtrain trace optimizer --spec FILE.json}: runs one optimizer over a given gradient sequence and
 * prints the parameters after every step, for step-by-step comparison with torch.optim. Spec keys: {@code
 * optimizer} (torch names and defaults, see {@link Optimizers}), {@code params}, {@code gradients} (one vector
 * per step); optional {@code lr_schedule} and {@code momentum_schedule} (the lr / momentum, or Adam beta1, set
 * before step 1, 2, ...; one value per step, null keeps the current value), and optional {@code clip} (a
 * clipping spec, see {@link Clipping}) with {@code param_split} (tensor sizes, default one tensor). Output:
 * {@code {"params": [[after step 1], ...]}}, plus {@code "total_norm"} (pre-clip norm per step) and {@code
 * "skipped"} (steps skipped for a non-finite norm) with norm clipping.
 */
@Command(
    name = "optimizer",
    mixinStandardHelpOptions = true,
    description = "Trace an optimizer: params after each step for a given gradient sequence, as JSON.")
public final class TraceOptimizerCommand extends JsonTraceCommand {
  /** One value per step, null keeping the current one. */
  private static final Type<Double[]> PER_STEP = (key, raw) -> {
    List<?> list = SpecReader.toList(key, raw);
    Double[] out = new Double[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = list.get(i) == null ? null : SpecReader.toDouble(key + "[" + i + "]", list.get(i));
    }
    return out;
  };

  static final ConfigDef SPEC = new ConfigDef();
  static final Key<OptimizerSpec> OPTIMIZER = SPEC.required("optimizer", Types.reader(Optimizers::fromSpec),
      "torch.optim's names and defaults");
  static final Key<double[]> PARAMS = SPEC.required("params", Types.DOUBLES, "the starting parameters");
  static final Key<double[][]> GRADIENTS = SPEC.required("gradients", Types.DOUBLE_MATRIX,
      "one gradient per step, each as long as params");
  static final Key<Double[]> LR_SCHEDULE = SPEC.optional("lr_schedule", PER_STEP,
      "the lr set before each step (null keeps it)");
  static final Key<Double[]> MOMENTUM_SCHEDULE = SPEC.optional("momentum_schedule", PER_STEP,
      "the momentum (Adam's beta1) set before each step (null keeps it)");
  static final Key<Clipping> CLIP = SPEC.optional("clip", TraceClipCommand.CLIPPING, TraceClipCommand.CLIP_DOC);
  static final Key<int[]> PARAM_SPLIT = SPEC.declare(TraceClipCommand.PARAM_SPLIT);

  @Override
  Map<String, Object> result(SpecReader r) {
    return trace(r);
  }

  /** Runs the trace described by {@code r}; errors are {@link SpecException}s naming the key. */
  public static Map<String, Object> trace(SpecReader r) {
    ConfigValues v = SPEC.parse(r);
    OptimizerSpec os = v.get(OPTIMIZER);
    double[] p = v.get(PARAMS);
    double[][] grads = v.get(GRADIENTS);
    for (int i = 0; i < grads.length; i++) {
      if (grads[i].length != p.length) {
        throw new SpecException(
            v.path(GRADIENTS) + "[" + i + "]",
            "has " + grads[i].length + " elements; allowed: exactly as many as params (" + p.length + ")");
      }
    }
    Double[] lrs = perStep(v, LR_SCHEDULE, grads.length);
    Double[] moms = perStep(v, MOMENTUM_SCHEDULE, grads.length);
    int[] split = TraceClipCommand.split(v, p.length);
    Clipping clipping = v.get(CLIP);
    if (clipping == null && v.has(PARAM_SPLIT)) {
      throw new SpecException(v.path(PARAM_SPLIT), "only meaningful together with clip");
    }
    Optimizer opt = (clipping == null ? os : os.withClipping(clipping)).create(split);
    if (moms != null && !opt.hasMomentum()) {
      throw new SpecException(
          v.path(MOMENTUM_SCHEDULE),
          "not allowed: this " + os.type() + " has no momentum (rmsprop needs momentum > 0, adagrad has none)");
    }
    boolean norm = clipping instanceof Clipping.Norm;
    List<double[]> out = new ArrayList<>(grads.length);
    List<Double> norms = new ArrayList<>();
    List<Integer> skipped = new ArrayList<>();
    for (int t = 0; t < grads.length; t++) {
      try {
        if (lrs != null && lrs[t] != null) {
          opt.setLr(lrs[t]);
        }
        if (moms != null && moms[t] != null) {
          opt.setMomentum(moms[t]);
        }
      } catch (IllegalArgumentException e) {
        throw new SpecException(v.path(lrs != null && lrs[t] != null ? LR_SCHEDULE : MOMENTUM_SCHEDULE)
            + "[" + t + "]", e.getMessage());
      }
      opt.step(p, grads[t].clone());
      out.add(p.clone());
      if (norm) {
        norms.add(opt.lastGradNorm());
        if (opt.lastStepSkipped()) {
          skipped.add(t + 1);
        }
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("params", out);
    if (norm) {
      result.put("total_norm", norms);
      result.put("skipped", skipped);
    }
    return result;
  }

  private static Double[] perStep(ConfigValues v, Key<Double[]> key, int steps) {
    Double[] values = v.get(key);
    if (values != null && values.length != steps) {
      throw new SpecException(
          v.path(key), "has " + values.length + " values; allowed: one per gradient step (" + steps + ")");
    }
    return values;
  }
}
