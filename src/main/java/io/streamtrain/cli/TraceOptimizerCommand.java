package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
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
  static final List<String> KEYS =
      List.of("optimizer", "params", "gradients", "lr_schedule", "momentum_schedule", "clip", "param_split");

  @Override
  Map<String, Object> result(SpecReader r) {
    return trace(r);
  }

  /** Runs the trace described by {@code r}; errors are {@link SpecException}s naming the key. */
  public static Map<String, Object> trace(SpecReader r) {
    r.rejectUnknown(KEYS);
    OptimizerSpec os = Optimizers.fromSpec(r.child("optimizer"));
    if (os.chain().transforms().stream().anyMatch(t -> t instanceof io.streamtrain.core.optim.Nag)) {
      throw new SpecException(r.key("optimizer") + ".type", "nag", "not traceable on gradients alone: nag steps"
          + " by the inputs' scales, which a gradient trace has not got (train a linear model with it instead)");
    }
    double[] p = r.requireDoubleArray("params");
    double[][] grads = r.requireDoubleMatrix("gradients");
    for (int i = 0; i < grads.length; i++) {
      if (grads[i].length != p.length) {
        throw new SpecException(
            r.key("gradients") + "[" + i + "]",
            "has " + grads[i].length + " elements; allowed: exactly as many as params (" + p.length + ")");
      }
    }
    Double[] lrs = schedule(r, "lr_schedule", grads.length);
    Double[] moms = schedule(r, "momentum_schedule", grads.length);
    int[] split = TraceClipCommand.split(r, p.length);
    Clipping clipping = r.has("clip") ? Clipping.fromSpec(r.child("clip")) : null;
    if (clipping == null && r.has("param_split")) {
      throw new SpecException(r.key("param_split"), "only meaningful together with clip");
    }
    Optimizer opt = (clipping == null ? os : os.withClipping(clipping)).create(split);
    if (moms != null && !opt.hasMomentum()) {
      throw new SpecException(
          r.key("momentum_schedule"),
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
        throw new SpecException(r.key(lrs != null && lrs[t] != null ? "lr_schedule" : "momentum_schedule")
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

  private static Double[] schedule(SpecReader r, String key, int steps) {
    if (!r.has(key)) {
      return null;
    }
    List<?> list = SpecReader.toList(r.key(key), r.raw(key));
    if (list.size() != steps) {
      throw new SpecException(
          r.key(key), "has " + list.size() + " values; allowed: one per gradient step (" + steps + ")");
    }
    Double[] out = new Double[steps];
    for (int i = 0; i < steps; i++) {
      out[i] = list.get(i) == null ? null : SpecReader.toDouble(r.key(key) + "[" + i + "]", list.get(i));
    }
    return out;
  }
}
