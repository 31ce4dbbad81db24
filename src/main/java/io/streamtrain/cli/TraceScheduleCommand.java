package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
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

  @Override
  Map<String, Object> result(SpecReader r) {
    return run(r);
  }

  /** Runs a parsed trace spec; public so tests and other tools can call it without a file. */
  public static Map<String, Object> run(SpecReader spec) {
    spec.rejectUnknown("schedule", "base_lr", "steps", "metrics", "optimizer");
    SpecReader sched = spec.child("schedule");
    String type = sched.getString("type", null);
    boolean oneCycle = "OneCycleLR".equals(type);
    double baseLr;
    if (oneCycle) {
      // torch's OneCycleLR ignores the optimizer's lr; accept it but do not require it.
      baseLr = spec.has("base_lr") ? checkedBaseLr(spec) : 0.0;
    } else {
      spec.require("base_lr");
      baseLr = checkedBaseLr(spec);
    }
    int steps = spec.getInt("steps", 0, 0, Integer.MAX_VALUE);
    spec.require("steps");
    String optimizer = spec.getEnum("optimizer", "sgd", OPTIMIZERS);
    LrScheduler s = Schedules.fromSpec(sched, baseLr, !"adagrad".equals(optimizer));

    double[] metrics = null;
    if (s.needsMetric()) {
      metrics = spec.requireDoubleArray("metrics");
      if (metrics.length != steps) {
        throw new SpecException(
            "metrics",
            "has " + metrics.length + " values; allowed: exactly one metric per step (steps = " + steps + ")");
      }
    } else if (spec.has("metrics")) {
      throw new SpecException("metrics", "only ReduceLROnPlateau reads metrics; remove it for " + s.type());
    }
    if (s instanceof OneCycleLR oc && steps > oc.totalSteps()) {
      throw new SpecException(
          "steps",
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

  private static double checkedBaseLr(SpecReader spec) {
    return spec.getDouble("base_lr", 0.0, 0.0, false, Double.POSITIVE_INFINITY, true);
  }
}
