package io.streamtrain.core.schedule;

import io.streamtrain.core.SpecException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;

/**
 * torch.optim.lr_scheduler.SequentialLR: runs {@code schedulers[0]} until {@code milestones[0]}, then
 * {@code schedulers[1]}, and so on, e.g. a LinearLR warmup into a CosineAnnealingLR. It reproduces torch 1.13.1
 * including its quirks:
 *
 * <ul>
 *   <li>At construction torch has already stepped every child once; it resets the group lr to the base lr,
 *       decrements every child's {@code last_epoch} and re-runs only the first child's initial step.
 *   <li>At a milestone torch calls {@code step(0)} on the next child, which (with a deprecation warning) uses that
 *       class's closed form at epoch 0 rather than its chainable form: the new phase starts from
 *       {@code base_lr}-derived values (e.g. StepLR restarts at {@code base_lr}, LinearLR at
 *       {@code base_lr * start_factor}, a MultiStepLR milestone at 0 applies at once), never from the previous
 *       phase's last lr. The child's own step count restarts at 0 there.
 *   <li>Between milestones the active child steps in its chainable form from the shared group lr.
 * </ul>
 *
 * Children must be chainable torch schedules built for the same base lr and not yet stepped; the SequentialLR owns
 * them afterwards. ReduceLROnPlateau (torch's {@code step(0)} would feed it 0 as a metric), OneCycleLR (torch's
 * rewrites the group's initial_lr at construction, changing every other child's base) and nested SequentialLR
 * (torch's {@code step()} takes no epoch) are rejected. Milestones must be strictly increasing and {@code >= 1};
 * torch accepts other lists silently and then skips or misroutes children.
 */
public final class SequentialLR implements LrScheduler {
  private final double baseLr;
  private final ChainableScheduler[] schedulers;
  private final long[] milestones;
  private long lastEpoch;
  /** The optimizer group's lr, shared by the children as in torch. */
  private double lr;

  public SequentialLR(double baseLr, List<? extends LrScheduler> schedulers, long[] milestones) {
    this.baseLr = Args.finiteAtLeast("base_lr", baseLr, 0.0);
    if (schedulers.isEmpty()) {
      throw new SpecException("schedulers", "[]", "allowed: a non-empty list of schedules");
    }
    if (milestones.length != schedulers.size() - 1) {
      throw new SpecException(
          "milestones",
          java.util.Arrays.stream(milestones).boxed().toList(),
          "allowed: exactly one milestone fewer than schedulers (" + (schedulers.size() - 1) + ")");
    }
    for (int i = 0; i < milestones.length; i++) {
      long lo = i == 0 ? 1 : milestones[i - 1] + 1;
      if (milestones[i] < lo) {
        throw new SpecException(
            "milestones[" + i + "]", milestones[i], "allowed: strictly increasing integers >= 1");
      }
    }
    this.milestones = milestones.clone();
    this.schedulers = new ChainableScheduler[schedulers.size()];
    for (int i = 0; i < this.schedulers.length; i++) {
      LrScheduler s = schedulers.get(i);
      String key = "schedulers[" + i + "]";
      if (!(s instanceof ChainableScheduler c) || s instanceof OneCycleLR) {
        throw new SpecException(
            key + ".type",
            s.type(),
            "allowed inside SequentialLR: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR,"
                + " CosineAnnealingWarmRestarts, LinearLR, InverseTimeDecay");
      }
      if (Double.doubleToLongBits(c.baseLr) != Double.doubleToLongBits(baseLr)) {
        throw new SpecException(
            key, "built for base lr " + c.baseLr + " but the SequentialLR has base lr " + baseLr);
      }
      if (c.stepCount() != 0) {
        throw new SpecException(key, "has already been stepped; children must be fresh");
      }
      for (int j = 0; j < i; j++) {
        if (this.schedulers[j] == c) {
          throw new SpecException(key, "is the same instance as schedulers[" + j + "]");
        }
      }
      this.schedulers[i] = c;
    }
    // torch: self.last_epoch = last_epoch + 1; group lr = initial_lr; every child's last_epoch -= 1;
    // schedulers[0]._initial_step().
    for (ChainableScheduler c : this.schedulers) {
      c.lastEpoch -= 1;
    }
    lastEpoch = 0;
    lr = this.schedulers[0].advance(baseLr);
  }

  @Override
  public String type() {
    return "SequentialLR";
  }

  @Override
  public double lr() {
    return lr;
  }

  @Override
  public long stepCount() {
    return lastEpoch;
  }

  @Override
  public void step() {
    lastEpoch++;
    int idx = MultiStepLR.bisectRight(milestones, lastEpoch);
    ChainableScheduler s = schedulers[idx];
    if (idx > 0 && milestones[idx - 1] == lastEpoch) {
      lr = s.restartAtZero(lr);
    } else {
      lr = s.advance(lr);
    }
  }

  @Override
  public void writeState(DataOutput out) throws IOException {
    Args.writeHeader(out, type());
    out.writeInt(schedulers.length);
    out.writeLong(lastEpoch);
    out.writeDouble(lr);
    for (ChainableScheduler s : schedulers) {
      s.writeState(out);
    }
  }

  @Override
  public void readState(DataInput in) throws IOException {
    Args.readHeader(in, type());
    int n = in.readInt();
    if (n != schedulers.length) {
      throw new IOException(
          "SequentialLR state has " + n + " schedulers, this SequentialLR has " + schedulers.length);
    }
    lastEpoch = in.readLong();
    lr = in.readDouble();
    for (ChainableScheduler s : schedulers) {
      s.readState(in);
    }
  }
}
