package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import io.streamtrain.core.schedule.LrScheduler;
import io.streamtrain.core.schedule.OneCycleLR;
import io.streamtrain.core.schedule.Schedules;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code streamtrain trace schedule --spec FILE.json}: runs a learning-rate schedule for a number of steps and prints
 * the lr used by each optimizer step, read before {@code optimizer.step(); scheduler.step()} as in torch. Spec:
 * {@code {"schedule": {"type": "StepLR", ...}, "base_lr": 0.1, "steps": 60, "metrics": [...], "optimizer": "sgd"}}.
 * {@code base_lr} is the optimizer's lr (not needed for OneCycleLR, which sets its own); {@code metrics} holds one
 * metric per step for ReduceLROnPlateau (the metric observed after that step); {@code optimizer} (sgd, rmsprop,
 * adam, adamw, adagrad; default sgd) only matters to OneCycleLR, which needs a momentum or beta1 to cycle. Output:
 * {@code {"lr": [...]}}, plus {@code "momentum": [...]} (momentum or beta1 per step) when the schedule sets it.
 */
@Command(
    name = "schedule",
    mixinStandardHelpOptions = true,
    description = "Print the learning rate (and OneCycleLR momentum) of each step of a schedule as JSON.")
public final class TraceScheduleCommand extends JsonTraceCommand {
  private static final List<String> OPTIMIZERS = List.of("sgd", "rmsprop", "adam", "adamw", "adagrad");

  static final ConfigDef SPEC = new ConfigDef();
  static final Key<SpecReader> SCHEDULE = SPEC.required("schedule", Types.reader(r -> r),
      "`{type: StepLR, ...}` with torch's names and defaults");
  static final Key<Double> BASE_LR = SPEC.computed("base_lr", Types.DOUBLE, "required, except for OneCycleLR",
      Validators.range(0, false, Double.POSITIVE_INFINITY, true), "the optimizer's lr");
  static final Key<Integer> STEPS = SPEC.required("steps", Types.INT, Validators.intRange(0, Integer.MAX_VALUE),
      "optimizer steps traced");
  static final Key<double[]> METRICS = SPEC.optional("metrics", Types.DOUBLES,
      "ReduceLROnPlateau only: the metric observed after each step, one per step");
  static final Key<String> OPTIMIZER = SPEC.define("optimizer", Types.STRING, "sgd",
      Validators.oneOf(OPTIMIZERS),
      "OneCycleLR only: which momentum (or beta1) it cycles; adagrad has none");

  @Override
  Map<String, Object> result(SpecReader r) {
    return run(r);
  }

  /** Runs a parsed trace spec; public so tests and other tools can call it without a file. */
  public static Map<String, Object> run(SpecReader spec) {
    ConfigValues v = SPEC.parse(spec);
    SpecReader sched = v.get(SCHEDULE);
    // torch's OneCycleLR ignores the optimizer's lr; accept it but do not require it.
    if (!v.has(BASE_LR) && !"OneCycleLR".equals(sched.getString("type", null))) {
      throw new SpecException(v.path(BASE_LR), "missing; it is required");
    }
    double baseLr = v.get(BASE_LR, 0.0);
    int steps = v.get(STEPS);
    String optimizer = v.get(OPTIMIZER);
    LrScheduler s = Schedules.fromSpec(sched, baseLr, !"adagrad".equals(optimizer));

    double[] metrics = null;
    if (s.needsMetric()) {
      metrics = v.get(METRICS);
      if (metrics == null) {
        throw new SpecException(v.path(METRICS), "missing; it is required");
      }
      if (metrics.length != steps) {
        throw new SpecException(
            v.path(METRICS),
            "has " + metrics.length + " values; allowed: exactly one metric per step (steps = " + steps + ")");
      }
    } else if (v.has(METRICS)) {
      throw new SpecException(v.path(METRICS), "only ReduceLROnPlateau reads metrics; remove it for " + s.type());
    }
    if (s instanceof OneCycleLR oc && steps > oc.totalSteps()) {
      throw new SpecException(
          v.path(STEPS),
          steps,
          "allowed: at most total_steps = " + oc.totalSteps() + " for OneCycleLR (torch raises ValueError when"
              + " stepped past it)");
    }

    List<Double> lrs = new ArrayList<>(steps);
    List<Double> moms = s.cyclesMomentum() ? new ArrayList<>(steps) : null;
    for (int t = 0; t < steps; t++) {
      lrs.add(s.lr());
      if (moms != null) {
        moms.add(s.currentMomentum());
      }
      if (metrics != null) {
        s.step(metrics[t]);
      } else {
        s.step();
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("lr", lrs);
    if (moms != null) {
      out.put("momentum", moms);
    }
    return out;
  }

}
