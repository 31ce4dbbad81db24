package io.streamtrain.core.schedule;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds learning-rate schedules from specs (a JSON or YAML object parsed into a map) with torch's class names,
 * parameter names and defaults, e.g. {@code {"type": "StepLR", "step_size": 10, "gamma": 0.5}}. Unknown keys,
 * missing required ones and out-of-range values fail with a {@link SpecException} naming the full key, the value
 * and what is allowed. {@code SequentialLR} takes {@code "schedulers": [...]} (nested specs) and
 * {@code "milestones": [...]}; {@code InverseTimeDecay} ({@code decay}, {@code power}) is streamtrain's own.
 */
public final class Schedules {
  /** The accepted {@code type} values, in documentation order. */
  public static final List<String> TYPES =
      List.of(
          "StepLR",
          "MultiStepLR",
          "ExponentialLR",
          "CosineAnnealingLR",
          "CosineAnnealingWarmRestarts",
          "LinearLR",
          "SequentialLR",
          "OneCycleLR",
          "ReduceLROnPlateau",
          "InverseTimeDecay");

  private Schedules() {}

  /** As {@link #fromSpec(SpecReader, double, boolean)} for an optimizer that has a momentum or beta1. */
  public static LrScheduler fromSpec(SpecReader spec, double baseLr) {
    return fromSpec(spec, baseLr, true);
  }

  /**
   * Builds the schedule described by {@code spec}.
   *
   * @param baseLr the optimizer's lr (torch's {@code initial_lr}); OneCycleLR ignores it, as torch does
   * @param optimizerHasMomentum whether the driven optimizer has a momentum or Adam beta1 (false for Adagrad);
   *     OneCycleLR with {@code cycle_momentum} requires it, as torch does
   */
  public static LrScheduler fromSpec(SpecReader spec, double baseLr, boolean optimizerHasMomentum) {
    String type = spec.getEnum("type", null, TYPES);
    if (type == null) {
      spec.require("type");
    }
    try {
      return build(type, spec, baseLr, optimizerHasMomentum);
    } catch (SpecException e) {
      throw rekey(spec, e);
    }
  }

  private static LrScheduler build(String type, SpecReader s, double baseLr, boolean hasMomentum) {
    switch (type) {
      case "StepLR":
        s.rejectUnknown("type", "step_size", "gamma");
        return new StepLR(baseLr, requireLong(s, "step_size"), s.getDouble("gamma", 0.1));
      case "MultiStepLR":
        {
          s.rejectUnknown("type", "milestones", "gamma");
          s.require("milestones");
          return new MultiStepLR(baseLr, longs(s, "milestones"), s.getDouble("gamma", 0.1));
        }
      case "ExponentialLR":
        s.rejectUnknown("type", "gamma");
        return new ExponentialLR(baseLr, s.requireDouble("gamma"));
      case "CosineAnnealingLR":
        s.rejectUnknown("type", "T_max", "eta_min");
        return new CosineAnnealingLR(baseLr, requireLong(s, "T_max"), s.getDouble("eta_min", 0.0));
      case "CosineAnnealingWarmRestarts":
        s.rejectUnknown("type", "T_0", "T_mult", "eta_min");
        return new CosineAnnealingWarmRestarts(
            baseLr, requireLong(s, "T_0"), s.getLong("T_mult", 1), s.getDouble("eta_min", 0.0));
      case "LinearLR":
        s.rejectUnknown("type", "start_factor", "end_factor", "total_iters");
        return new LinearLR(
            baseLr,
            s.getDouble("start_factor", 1.0 / 3),
            s.getDouble("end_factor", 1.0),
            s.getLong("total_iters", 5));
      case "SequentialLR":
        {
          s.rejectUnknown("type", "schedulers", "milestones");
          List<SpecReader> childSpecs = s.children("schedulers");
          s.require("milestones");
          long[] milestones = longs(s, "milestones");
          List<LrScheduler> children = new ArrayList<>(childSpecs.size());
          for (SpecReader c : childSpecs) {
            children.add(fromSpec(c, baseLr, hasMomentum));
          }
          return new SequentialLR(baseLr, children, milestones);
        }
      case "OneCycleLR":
        return oneCycle(s, hasMomentum);
      case "ReduceLROnPlateau":
        s.rejectUnknown(
            "type", "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps");
        return new ReduceLROnPlateau(
            baseLr,
            s.getString("mode", "min"),
            s.getDouble("factor", 0.1),
            s.getLong("patience", 10),
            s.getDouble("threshold", 1e-4),
            s.getString("threshold_mode", "rel"),
            s.getLong("cooldown", 0),
            s.getDouble("min_lr", 0.0),
            s.getDouble("eps", 1e-8));
      case "InverseTimeDecay":
        s.rejectUnknown("type", "decay", "power");
        return new InverseTimeDecay(baseLr, s.requireDouble("decay"), s.getDouble("power", 1.0));
      default:
        throw new AssertionError(type);
    }
  }

  private static OneCycleLR oneCycle(SpecReader s, boolean hasMomentum) {
    s.rejectUnknown(
        "type",
        "max_lr",
        "total_steps",
        "epochs",
        "steps_per_epoch",
        "pct_start",
        "anneal_strategy",
        "cycle_momentum",
        "base_momentum",
        "max_momentum",
        "div_factor",
        "final_div_factor",
        "three_phase");
    double maxLr = s.requireDouble("max_lr");
    long totalSteps;
    // torch: total_steps wins when given; otherwise epochs * steps_per_epoch, both required.
    if (s.has("total_steps")) {
      totalSteps = Args.atLeast("total_steps", s.getLong("total_steps", 0), 1);
    } else if (s.has("epochs") || s.has("steps_per_epoch")) {
      long epochs = Args.atLeast("epochs", requireLong(s, "epochs"), 1);
      long perEpoch = Args.atLeast("steps_per_epoch", requireLong(s, "steps_per_epoch"), 1);
      totalSteps = Math.multiplyExact(epochs, perEpoch);
    } else {
      throw new SpecException("total_steps", "missing; give total_steps, or epochs and steps_per_epoch");
    }
    String strategy = s.getEnum("anneal_strategy", "cos", List.of("cos", "linear"));
    boolean cycleMomentum = s.getBoolean("cycle_momentum", true);
    if (cycleMomentum && !hasMomentum) {
      throw new SpecException(
          "cycle_momentum",
          true,
          "allowed: false, because the optimizer has no momentum or beta1 (torch: optimizer must support"
              + " momentum with `cycle_momentum` option enabled)");
    }
    return new OneCycleLR(
        maxLr,
        totalSteps,
        s.getDouble("pct_start", 0.3),
        "cos".equals(strategy) ? OneCycleLR.Anneal.COS : OneCycleLR.Anneal.LINEAR,
        cycleMomentum,
        s.getDouble("base_momentum", 0.85),
        s.getDouble("max_momentum", 0.95),
        s.getDouble("div_factor", 25.0),
        s.getDouble("final_div_factor", 1e4),
        s.getBoolean("three_phase", false));
  }

  private static long requireLong(SpecReader s, String name) {
    return SpecReader.toLong(s.key(name), s.require(name));
  }

  private static long[] longs(SpecReader s, String name) {
    List<?> list = SpecReader.toList(s.key(name), s.raw(name));
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = SpecReader.toLong(s.key(name) + "[" + i + "]", list.get(i));
    }
    return out;
  }

  /**
   * Constructors key their errors by the bare torch parameter name; give them the full path of the spec. Errors
   * raised by the SpecReader (already keyed with the path) pass through unchanged.
   */
  private static SpecException rekey(SpecReader spec, SpecException e) {
    String prefix = spec.path().isEmpty() ? "" : spec.path() + ".";
    // base_lr is the optimizer's lr, given beside the schedule (not inside it), so it keeps its own name.
    if (prefix.isEmpty() || e.key().startsWith(prefix) || e.key().equals("base_lr")) {
      return e;
    }
    String rest = e.getMessage().substring(e.key().length() + 2);
    SpecException out = new SpecException(prefix + e.key(), rest);
    out.setStackTrace(e.getStackTrace());
    return out;
  }
}
