package io.streamtrain.flink.training;

import io.streamtrain.avro.DriftStatus;
import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.core.drift.DriftConfig;
import io.streamtrain.core.drift.DriftMonitor;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.ModelTrainer.StepResult;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.job.JobSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ValueState;

/**
 * The trainer's drift watch per model ({@code drift} section of the job spec): before a step it sets the
 * learning-rate boost the reaction decided, after it feeds the detector the step's progressive errors or loss,
 * turns warning onsets and detections into {@code drift_warning} / {@code drift_detected} events, applies the
 * reaction (reset the optimizer's state, or raise the learning rate for some steps) and keeps the monitor in its
 * own keyed state ({@link DriftSlot}), so the trainer's state format stays as it is. The math is in
 * {@code core.drift}.
 */
final class DriftWatch {
  private final JobSpec spec;
  private final String[] configJson;
  /** Per configuration: a fresh optimizer's state (for reset_optimizer), made when first needed. */
  private final byte[][] freshOptimizer;
  private ValueState<DriftSlot> state;

  DriftWatch(JobSpec spec) {
    this.spec = spec;
    int n = spec.configs().size();
    configJson = new String[n];
    freshOptimizer = new byte[n][];
    for (int i = 0; i < n; i++) {
      DriftConfig c = spec.drift(i);
      configJson[i] = c == null ? null : DriftSlot.json(c);
    }
  }

  void open(RuntimeContext ctx) {
    state = ctx.getState(DriftSlot.descriptor());
  }

  /**
   * The current model's drift state for configuration {@code cfg} (null when drift is off for it), created fresh
   * when the model has none or its section changed (then said in an event); sets the state's learning-rate boost
   * for the coming step.
   */
  DriftSlot before(int cfg, TrainerState s, ListState<TrainingEvent> events) throws Exception {
    if (configJson[cfg] == null) {
      s.lrBoost = 1.0;
      return null;
    }
    DriftSlot slot = state.value();
    if (slot == null || !slot.configJson.equals(configJson[cfg])) {
      events.add(new TrainingEvent("drift_watch_started", s.step, "drift detection " + configJson[cfg]
          + (slot == null ? "" : " replaces " + slot.configJson) + ", from sample " + s.samplesSeen));
      slot = new DriftSlot(configJson[cfg], new DriftMonitor(spec.drift(cfg)));
      state.update(slot);
    }
    s.lrBoost = slot.monitor.lrBoost(s.step);
    return slot;
  }

  /** Feeds the step's signal; events and the reaction for what the detector saw; stores the monitor. */
  void after(DriftSlot slot, int cfg, ModelTrainer trainer, StepResult r, TrainerState s,
      ListState<TrainingEvent> events) throws Exception {
    DriftMonitor m = slot.monitor;
    int flags = m.observe(trainer.lastErrors(), r.correct >= 0 ? r.samples : 0, r.loss, s.step);
    DriftConfig c = m.config();
    if ((flags & DriftMonitor.WARNING_STARTED) != 0) {
      events.add(new TrainingEvent("drift_warning", m.lastWarningStep, c.detector() + " on " + signal(c)
          + " entered its warning zone at value " + m.lastWarningIndex));
    }
    if ((flags & DriftMonitor.DETECTED) != 0) {
      String reaction = react(m, cfg, trainer, s);
      events.add(new TrainingEvent("drift_detected", m.lastDetectionStep, c.detector() + " on " + signal(c)
          + " detected a change at value " + m.lastDetectionIndex + reaction));
    }
    state.update(slot);
  }

  private String react(DriftMonitor m, int cfg, ModelTrainer trainer, TrainerState s) throws IOException {
    switch (m.config().reaction()) {
      case RESET_OPTIMIZER -> {
        if (freshOptimizer[cfg] == null) {
          ByteArrayOutputStream b = new ByteArrayOutputStream();
          trainer.newState(s.modelId).optimizer.writeState(new DataOutputStream(b));
          freshOptimizer[cfg] = b.toByteArray();
        }
        s.optimizer.readState(new DataInputStream(new ByteArrayInputStream(freshOptimizer[cfg])));
        return "; optimizer state reset";
      }
      case BOOST_LR -> {
        m.startBoost(s.step);
        return "; learning rate x " + m.config().boostFactor() + " until step " + m.boostUntilStep;
      }
      default -> {
        return "";
      }
    }
  }

  private static String signal(DriftConfig c) {
    return c.signal() == DriftConfig.Signal.ERROR ? "progressive errors" : "batch loss";
  }

  /** The report's drift figures for the current model (null when off), and resets its interval. */
  DriftStatus report(int cfg, TrainerState s) throws IOException {
    DriftSlot slot = cfg < 0 || configJson[cfg] == null ? null : state.value();
    if (slot == null) {
      return null;
    }
    DriftMonitor m = slot.monitor;
    DriftStatus d = DriftStatus.newBuilder()
        .setDetector(m.config().detector())
        .setSignal(m.config().signal().name().toLowerCase())
        .setDriftWarning(m.inWarning)
        .setDriftDetected(m.intervalDetections > 0)
        .setWarnings(m.intervalWarnings)
        .setDetections(m.intervalDetections)
        .setWarningsTotal(m.warnings)
        .setDetectionsTotal(m.detections)
        .setLastDetectionStep(m.lastDetectionStep >= 0 ? m.lastDetectionStep : null)
        .setLrBoost(m.lrBoost(s.step))
        .build();
    m.resetInterval();
    state.update(slot);
    return d;
  }
}
