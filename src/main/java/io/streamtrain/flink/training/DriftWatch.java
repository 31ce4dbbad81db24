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
  /** Per configuration: the training configuration's canonical JSON (a background model's identity). */
  private final String[] trainingJson;
  private ValueState<DriftSlot> state;

  DriftWatch(JobSpec spec) {
    this.spec = spec;
    int n = spec.configs().size();
    configJson = new String[n];
    trainingJson = new String[n];
    for (int i = 0; i < n; i++) {
      trainingJson[i] = TrainerSlot.canonicalJson(spec.configMap(i));
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
      s.setLrBoost(1.0);
      return null;
    }
    DriftSlot slot = state.value();
    if (slot == null || !slot.configJson.equals(configJson[cfg])) {
      events.add(new TrainingEvent("drift_watch_started", s.step, "drift detection " + configJson[cfg]
          + (slot == null ? "" : " replaces " + slot.configJson) + ", from sample " + s.samplesSeen));
      slot = new DriftSlot(configJson[cfg], new DriftMonitor(spec.drift(cfg)));
      state.update(slot);
    } else if (slot.monitor.background != null && !trainingJson[cfg].equals(slot.trainingJson)) {
      // The training configuration changed on a restart: the background model of the old one cannot be swapped in.
      events.add(new TrainingEvent("drift_background_dropped", s.step, "training configuration changed; the"
          + " background model trained since step " + slot.monitor.backgroundSince + " was dropped"));
      slot.monitor.background = null;
      slot.monitor.backgroundSince = -1;
    }
    slot.trainingJson = trainingJson[cfg];
    slot.monitor.beforeStep(s);
    return slot;
  }

  /**
   * Feeds the step's signal; events and the reaction for what the detector saw; stores the monitor. With the
   * background reaction this trains the background model on the trainer's batch, which overwrites the step's
   * result {@code r}: call it after everything that reads {@code r}.
   */
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
    if ((flags & DriftMonitor.WARNING_STARTED) != 0 && m.background != null && m.backgroundSince == s.step) {
      events.add(new TrainingEvent("drift_background_started", s.step, "background model training from step "
          + s.step));
    }
    state.update(slot);
  }

  /**
   * Whether the last step swapped a background model in (the caller then publishes a snapshot at once), and the
   * snapshot's origin saying so; null when not.
   */
  static String swapOrigin(DriftSlot slot, TrainerState s) {
    if (slot == null || !slot.monitor.swappedThisStep) {
      return null;
    }
    return "drift_swap: background model trained since step " + slot.monitor.lastSwapSince + " swapped in at step "
        + s.step + " (" + slot.monitor.config().detector() + " detection " + slot.monitor.detections + ")";
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
