package io.streamtrain.core.schedule;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.OptionalDouble;

/**
 * A learning-rate schedule with torch.optim.lr_scheduler semantics: a small state machine that says which lr (and,
 * for OneCycleLR, which momentum or Adam beta1) the optimizer must use for the current step, and advances by one
 * step at a time. A freshly built scheduler is in torch's state right after construction ({@code last_epoch == 0}),
 * so {@link #lr()} is the lr of the first optimizer step. A training loop follows torch's order (optimizer step,
 * then scheduler step):
 *
 * <pre>{@code
 * opt.setLr(sched.lr());
 * if (sched.cyclesMomentum()) opt.setMomentum(sched.currentMomentum());   // or sched.momentum().ifPresent(opt::setMomentum)
 * opt.step(grads);
 * sched.step();                                                          // ReduceLROnPlateau: sched.step(metric)
 * }</pre>
 *
 * <p>{@code step()} and the accessors allocate nothing. The mutable state (never the configuration) is written by
 * {@link #writeState} in a versioned binary form; {@link #readState} into a scheduler built from the same spec
 * continues bit-identically.
 */
public interface LrScheduler {

  /** Version of the binary state layout written by {@link #writeState}; bumped on any layout change. */
  int STATE_FORMAT_VERSION = 1;

  /** The torch class name of this schedule (e.g. {@code "StepLR"}); also the type tag of its binary state. */
  String type();

  /** The learning rate to use for the current optimizer step. */
  double lr();

  /** True when this schedule drives the optimizer's momentum (SGD/RMSprop momentum or Adam/AdamW beta1). */
  default boolean cyclesMomentum() {
    return false;
  }

  /** The momentum (or beta1) for the current step when {@link #cyclesMomentum()}, else NaN. */
  default double currentMomentum() {
    return Double.NaN;
  }

  /**
   * The momentum (or beta1) for the current step, present only for schedules that set it (OneCycleLR with
   * cycle_momentum). Convenience over {@link #cyclesMomentum()}/{@link #currentMomentum()}; the JIT removes the
   * wrapper in a loop, but the primitive pair is the guaranteed allocation-free path.
   */
  default OptionalDouble momentum() {
    return cyclesMomentum() ? OptionalDouble.of(currentMomentum()) : OptionalDouble.empty();
  }

  /** True for schedules that must be stepped with a metric ({@link #step(double)}), i.e. ReduceLROnPlateau. */
  default boolean needsMetric() {
    return false;
  }

  /**
   * Advances by one step (torch {@code scheduler.step()}).
   *
   * @throws IllegalStateException for ReduceLROnPlateau, which needs a metric, and for OneCycleLR stepped past
   *     total_steps (torch raises ValueError there)
   */
  void step();

  /**
   * Advances by one step after an epoch or step whose monitored metric was {@code metric}. ReduceLROnPlateau
   * reads it; every other schedule ignores it and behaves as {@link #step()}, so a trainer may always pass its
   * loss.
   */
  default void step(double metric) {
    step();
  }

  /** Number of {@link #step} calls since construction (torch's {@code last_epoch}). */
  long stepCount();

  /** Writes the mutable state (format version, type tag, then the fields) so that {@link #readState} resumes it. */
  void writeState(DataOutput out) throws IOException;

  /**
   * Replaces the mutable state with one written by {@link #writeState} of a scheduler built from the same spec.
   *
   * The configuration is not part of the state: restoring into a scheduler built from another spec of the same
   * type is not detected. After a failed read the scheduler's state is undefined; rebuild it from the spec.
   *
   * @throws IOException when the version or the type tag does not match, or the input is truncated
   */
  void readState(DataInput in) throws IOException;
}
