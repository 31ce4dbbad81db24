package io.streamtrain.core.schedule;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Common part of the schedules that follow torch's {@code _LRScheduler}: a {@code last_epoch} counter starting at
 * -1, a construction-time initial step to 0, and a chainable {@code get_lr()} that computes the next lr from the
 * optimizer group's current lr. torch keeps that lr in the optimizer's param group, which schedulers inside a
 * SequentialLR share; here it is passed in explicitly ({@link #advance}), and a standalone scheduler feeds back its
 * own output. {@link #restartAtZero} is torch's {@code step(0)}, which SequentialLR issues at a milestone and which
 * uses the class's {@code _get_closed_form_lr} where torch defines one.
 */
abstract class ChainableScheduler implements LrScheduler {
  final double baseLr;
  /** torch's {@code last_epoch}: -1 before the initial step, then the number of steps taken. */
  long lastEpoch = -1;
  /** The param group's lr when this scheduler runs on its own (unused inside a SequentialLR). */
  double lr;

  ChainableScheduler(double baseLr) {
    this.baseLr = Args.finiteAtLeast("base_lr", baseLr, 0.0);
  }

  /** torch's {@code _initial_step()}: called once by a standalone scheduler after its fields are set. */
  final void initialStep() {
    lr = advance(baseLr);
  }

  @Override
  public final double lr() {
    return lr;
  }

  @Override
  public void step() {
    lr = advance(lr);
  }

  @Override
  public final long stepCount() {
    return lastEpoch;
  }

  /** torch {@code step()}: {@code last_epoch += 1}, then the chainable {@code get_lr()} from the group lr. */
  double advance(double groupLr) {
    lastEpoch++;
    return chainedLr(groupLr);
  }

  /** torch {@code get_lr()} at the current {@code lastEpoch}, given the group's lr before this step. */
  abstract double chainedLr(double groupLr);

  /**
   * torch {@code step(0)}: {@code last_epoch = 0} and the closed form where the class has one. Subclasses without
   * a closed form in torch override this.
   */
  double restartAtZero(double groupLr) {
    lastEpoch = 0;
    return closedFormLr();
  }

  /** torch {@code _get_closed_form_lr()} at the current {@code lastEpoch}. */
  abstract double closedFormLr();

  @Override
  public final void writeState(DataOutput out) throws IOException {
    Args.writeHeader(out, type());
    out.writeLong(lastEpoch);
    out.writeDouble(lr);
    writeExtra(out);
  }

  @Override
  public final void readState(DataInput in) throws IOException {
    Args.readHeader(in, type());
    lastEpoch = in.readLong();
    lr = in.readDouble();
    readExtra(in);
  }

  /** Extra mutable fields of a subclass (none by default). */
  void writeExtra(DataOutput out) throws IOException {}

  void readExtra(DataInput in) throws IOException {}
}
