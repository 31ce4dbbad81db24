package io.streamtrain.core.train;

import io.streamtrain.core.train.ModelTrainer.StepResult;

/**
 * Something that happened to a model's training, for its next report's event list: its type, the trainer step it
 * happened at and a sentence for the operator. The factories here are the trainer's events and their texts (the
 * diagnostics have their own, {@link io.streamtrain.core.diag.DiagEvent}).
 */
public record TrainerEvent(String type, long step, String message) {

  /** Adds to {@code events} what a step did that an operator should hear of: a rollback or a skipped batch. */
  public static void ofStep(StepResult r, TrainerState s, LossGuard guard, java.util.List<TrainerEvent> events) {
    if (r.rolledBack) {
      events.add(new TrainerEvent("loss_spike_rollback", s.step, "batch loss " + r.loss + " exceeded "
          + guard.spikeFactor() + " x smoothed loss " + r.smoothedLoss + "; batch not applied, parameters, optimizer"
          + " and schedule rolled back to their state before step " + s.guard.goodStep + ", learning-rate scale now "
          + s.guard.lrScale));
    } else if (r.skipped) {
      events.add(new TrainerEvent("skipped_batch", s.step,
          "non-finite loss or gradient (loss " + r.loss + ", gradient norm " + r.gradNorm + "); batch skipped"));
    }
  }

  /** Which kernel a model trains with, and why (a model's first event, and again after a configuration change). */
  public static TrainerEvent trainingPath(long step, TrainingPath path) {
    return new TrainerEvent("training_path", step, path.describe());
  }

  /** A model that started from a published snapshot instead of its initializer. */
  public static TrainerEvent warmStarted(String sourceId, long sourceVersion, long continuesFrom) {
    return new TrainerEvent("warm_started", 0L, "parameters and buffers from snapshot " + sourceId + " version "
        + sourceVersion + "; optimizer and schedule fresh"
        + (continuesFrom > 0 ? "; versions continue from " + continuesFrom : ""));
  }

  /** A snapshot was due but the parameters are not finite. */
  public static TrainerEvent snapshotWithheld(long step) {
    return new TrainerEvent("snapshot_withheld", step, "parameters are not finite; not published");
  }

  /** Buffered samples hashed for another width than the configuration's, not trained. */
  public static TrainerEvent staleHashes(long step, int stale, int staleBits, int bits) {
    return new TrainerEvent("stale_hashed_samples", step, stale + " buffered samples were hashed into " + staleBits
        + " bits, the configuration now has hash_bits " + bits + "; not trained, counted as rejected");
  }
}
