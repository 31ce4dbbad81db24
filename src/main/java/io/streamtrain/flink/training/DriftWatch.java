package io.streamtrain.flink.training;

import io.streamtrain.avro.DriftStatus;
import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.core.drift.DriftConfig;
import io.streamtrain.core.drift.DriftMonitor;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.ModelTrainer.StepResult;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.job.JobSpec;
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
  private ValueState<DriftSlot> state;

  DriftWatch(JobSpec spec) {
    this.spec = spec;
    int n = spec.configs().size();
    configJson = new String[n];
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
    slot.monitor.beforeStep(s);
    return slot;
  }

  /** Feeds the step's signal; events and the reaction for what the detector saw; stores the monitor. */
  void after(DriftSlot slot, ModelTrainer trainer, StepResult r, TrainerState s, ListState<TrainingEvent> events)
      throws Exception {
    DriftMonitor m = slot.monitor;
    int flags = m.afterStep(trainer, r, s);
    DriftConfig c = m.config();
    if ((flags & DriftMonitor.WARNING_STARTED) != 0) {
      events.add(new TrainingEvent("drift_warning", m.lastWarningStep, c.detector() + " on " + signal(c)
          + " entered its warning zone at value " + m.lastWarningIndex));
    }
    if ((flags & DriftMonitor.DETECTED) != 0) {
      events.add(new TrainingEvent("drift_detected", m.lastDetectionStep, c.detector() + " on " + signal(c)
          + " detected a change at value " + m.lastDetectionIndex + m.reactionDescription()));
    }
    state.update(slot);
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
