package io.streamtrain.core.schedule;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigTable;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
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

  /** Each scheduler's keys with torch's defaults; the values are checked by the schedulers' constructors. */
  static final class Spec {
    private Spec() {}


    static final ConfigDef STEP = ConfigDef.withType(true);
    static final Key<Long> STEP_SIZE = STEP.required("step_size", Types.LONG, "");
    static final Key<Double> STEP_GAMMA = STEP.define("gamma", Types.DOUBLE, 0.1, "");

    static final ConfigDef MULTI_STEP = ConfigDef.withType(true);
    static final Key<Object> MULTI_MILESTONES = MULTI_STEP.required("milestones", Types.ANY, "");
    static final Key<Double> MULTI_GAMMA = MULTI_STEP.define("gamma", Types.DOUBLE, 0.1, "");

    static final ConfigDef EXPONENTIAL = ConfigDef.withType(true);
    static final Key<Double> EXP_GAMMA = EXPONENTIAL.required("gamma", Types.DOUBLE, "");

    static final ConfigDef COSINE = ConfigDef.withType(true);
    static final Key<Long> T_MAX = COSINE.required("T_max", Types.LONG, "");
    static final Key<Double> COSINE_ETA_MIN = COSINE.define("eta_min", Types.DOUBLE, 0.0, "");

    static final ConfigDef WARM_RESTARTS = ConfigDef.withType(true);
    static final Key<Long> T_0 = WARM_RESTARTS.required("T_0", Types.LONG, "");
    static final Key<Long> T_MULT = WARM_RESTARTS.define("T_mult", Types.LONG, 1L, "");
    static final Key<Double> RESTARTS_ETA_MIN = WARM_RESTARTS.define("eta_min", Types.DOUBLE, 0.0, "");

    static final ConfigDef LINEAR = ConfigDef.withType(true);
    static final Key<Double> START_FACTOR = LINEAR.define("start_factor", Types.DOUBLE, 1.0 / 3, "1/3",
        Validators.any(), "");
    static final Key<Double> END_FACTOR = LINEAR.define("end_factor", Types.DOUBLE, 1.0, "");
    static final Key<Long> TOTAL_ITERS = LINEAR.define("total_iters", Types.LONG, 5L, "");

    static final ConfigDef SEQUENTIAL = ConfigDef.withType(true);
    static final Key<Object> SCHEDULERS = SEQUENTIAL.required("schedulers", Types.ANY, "");
    static final Key<Object> SEQ_MILESTONES = SEQUENTIAL.required("milestones", Types.ANY, "");

    static final ConfigDef ONE_CYCLE = ConfigDef.withType(true);
    static final Key<Double> MAX_LR = ONE_CYCLE.required("max_lr", Types.DOUBLE, "");
    static final Key<Long> TOTAL_STEPS = ONE_CYCLE.optional("total_steps", Types.LONG, "(or `epochs` x"
        + " `steps_per_epoch`)");
    static final Key<Long> EPOCHS = ONE_CYCLE.optional("epochs", Types.LONG, "");
    static final Key<Long> STEPS_PER_EPOCH = ONE_CYCLE.optional("steps_per_epoch", Types.LONG, "");
    static final Key<Double> PCT_START = ONE_CYCLE.define("pct_start", Types.DOUBLE, 0.3, "");
    static final Key<OneCycleLR.Anneal> ANNEAL = ONE_CYCLE.define("anneal_strategy",
        Types.enumOf(OneCycleLR.Anneal.class), OneCycleLR.Anneal.COS, "");
    static final Key<Boolean> CYCLE_MOMENTUM = ONE_CYCLE.define("cycle_momentum", Types.BOOLEAN, true, "");
    static final Key<Double> BASE_MOMENTUM = ONE_CYCLE.define("base_momentum", Types.DOUBLE, 0.85, "");
    static final Key<Double> MAX_MOMENTUM = ONE_CYCLE.define("max_momentum", Types.DOUBLE, 0.95, "");
    static final Key<Double> DIV_FACTOR = ONE_CYCLE.define("div_factor", Types.DOUBLE, 25.0, "");
    static final Key<Double> FINAL_DIV = ONE_CYCLE.define("final_div_factor", Types.DOUBLE, 1e4, "");
    static final Key<Boolean> THREE_PHASE = ONE_CYCLE.define("three_phase", Types.BOOLEAN, false, "");

    static final ConfigDef PLATEAU = ConfigDef.withType(true);
    static final Key<String> MODE = PLATEAU.define("mode", Types.STRING, "min", "");
    static final Key<Double> FACTOR = PLATEAU.define("factor", Types.DOUBLE, 0.1, "");
    static final Key<Long> PATIENCE = PLATEAU.define("patience", Types.LONG, 10L, "");
    static final Key<Double> THRESHOLD = PLATEAU.define("threshold", Types.DOUBLE, 1e-4, "");
    static final Key<String> THRESHOLD_MODE = PLATEAU.define("threshold_mode", Types.STRING, "rel", "");
    static final Key<Long> COOLDOWN = PLATEAU.define("cooldown", Types.LONG, 0L, "");
    static final Key<Double> MIN_LR = PLATEAU.define("min_lr", Types.DOUBLE, 0.0, "");
    static final Key<Double> EPS = PLATEAU.define("eps", Types.DOUBLE, 1e-8, "");

    static final ConfigDef INVERSE_TIME = ConfigDef.withType(true);
    static final Key<Double> DECAY = INVERSE_TIME.required("decay", Types.DOUBLE, "");
    static final Key<Double> POWER = INVERSE_TIME.define("power", Types.DOUBLE, 1.0, "");

    /** In {@link #TYPES} order. */
    static final List<ConfigDef> BY_TYPE = List.of(STEP, MULTI_STEP, EXPONENTIAL, COSINE, WARM_RESTARTS, LINEAR,
        SEQUENTIAL, ONE_CYCLE, PLATEAU, INVERSE_TIME);
  }

  /** Each scheduler's keys and defaults, for the docs: {@code StepLR `step_size` (required), `gamma` (0.1); ...}. */
  public static String keysDoc() {
    List<String> out = new ArrayList<>();
    for (int t = 0; t < TYPES.size(); t++) {
      out.add(TYPES.get(t) + " " + ConfigTable.inline(Spec.BY_TYPE.get(t), "type"));
    }
    return String.join("; ", out);
  }

  private static LrScheduler build(String type, SpecReader s, double baseLr, boolean hasMomentum) {
    ConfigValues v = Spec.BY_TYPE.get(TYPES.indexOf(type)).parse(s);
    switch (type) {
      case "StepLR":
        return new StepLR(baseLr, v.get(Spec.STEP_SIZE), v.get(Spec.STEP_GAMMA));
      case "MultiStepLR":
        return new MultiStepLR(baseLr, longs(v, Spec.MULTI_MILESTONES), v.get(Spec.MULTI_GAMMA));
      case "ExponentialLR":
        return new ExponentialLR(baseLr, v.get(Spec.EXP_GAMMA));
      case "CosineAnnealingLR":
        return new CosineAnnealingLR(baseLr, v.get(Spec.T_MAX), v.get(Spec.COSINE_ETA_MIN));
      case "CosineAnnealingWarmRestarts":
        return new CosineAnnealingWarmRestarts(baseLr, v.get(Spec.T_0), v.get(Spec.T_MULT),
            v.get(Spec.RESTARTS_ETA_MIN));
      case "LinearLR":
        return new LinearLR(baseLr, v.get(Spec.START_FACTOR), v.get(Spec.END_FACTOR), v.get(Spec.TOTAL_ITERS));
      case "SequentialLR":
        {
          List<SpecReader> childSpecs = s.children(Spec.SCHEDULERS.name());
          long[] milestones = longs(v, Spec.SEQ_MILESTONES);
          List<LrScheduler> children = new ArrayList<>(childSpecs.size());
          for (SpecReader c : childSpecs) {
            children.add(fromSpec(c, baseLr, hasMomentum));
          }
          return new SequentialLR(baseLr, children, milestones);
        }
      case "OneCycleLR":
        return oneCycle(v, hasMomentum);
      case "ReduceLROnPlateau":
        return new ReduceLROnPlateau(baseLr, v.get(Spec.MODE), v.get(Spec.FACTOR), v.get(Spec.PATIENCE),
            v.get(Spec.THRESHOLD), v.get(Spec.THRESHOLD_MODE), v.get(Spec.COOLDOWN), v.get(Spec.MIN_LR),
            v.get(Spec.EPS));
      case "InverseTimeDecay":
        return new InverseTimeDecay(baseLr, v.get(Spec.DECAY), v.get(Spec.POWER));
      default:
        throw new AssertionError(type);
    }
  }

  private static OneCycleLR oneCycle(ConfigValues v, boolean hasMomentum) {
    long totalSteps;
    // torch: total_steps wins when given; otherwise epochs * steps_per_epoch, both required.
    if (v.has(Spec.TOTAL_STEPS)) {
      totalSteps = Args.atLeast("total_steps", v.get(Spec.TOTAL_STEPS), 1);
    } else if (v.has(Spec.EPOCHS) || v.has(Spec.STEPS_PER_EPOCH)) {
      long epochs = Args.atLeast("epochs", SpecReader.toLong(v.path(Spec.EPOCHS),
          v.reader().require(Spec.EPOCHS.name())), 1);
      long perEpoch = Args.atLeast("steps_per_epoch", SpecReader.toLong(v.path(Spec.STEPS_PER_EPOCH),
          v.reader().require(Spec.STEPS_PER_EPOCH.name())), 1);
      totalSteps = Math.multiplyExact(epochs, perEpoch);
    } else {
      throw new SpecException("total_steps", "missing; give total_steps, or epochs and steps_per_epoch");
    }
    boolean cycleMomentum = v.get(Spec.CYCLE_MOMENTUM);
    if (cycleMomentum && !hasMomentum) {
      throw new SpecException(
          "cycle_momentum",
          true,
          "allowed: false, because the optimizer has no momentum or beta1 (torch: optimizer must support"
              + " momentum with `cycle_momentum` option enabled)");
    }
    return new OneCycleLR(v.get(Spec.MAX_LR), totalSteps, v.get(Spec.PCT_START), v.get(Spec.ANNEAL), cycleMomentum,
        v.get(Spec.BASE_MOMENTUM), v.get(Spec.MAX_MOMENTUM), v.get(Spec.DIV_FACTOR), v.get(Spec.FINAL_DIV),
        v.get(Spec.THREE_PHASE));
  }

  private static long[] longs(ConfigValues v, Key<Object> key) {
    List<?> list = SpecReader.toList(v.path(key), v.raw(key));
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = SpecReader.toLong(v.path(key) + "[" + i + "]", list.get(i));
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
