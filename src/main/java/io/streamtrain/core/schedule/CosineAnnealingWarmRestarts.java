package io.streamtrain.core.schedule;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * torch.optim.lr_scheduler.CosineAnnealingWarmRestarts, SGDR (Loshchilov and Hutter, arXiv:1608.03983):
 * {@code eta_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2}, where {@code T_cur} counts the
 * steps since the last restart and the period {@code T_i} starts at {@code T_0} and is multiplied by
 * {@code T_mult} at each restart. torch computes this in closed form from {@code T_cur}/{@code T_i} (it has no
 * chainable form), so the group's lr never feeds back; {@code step(0)} (SequentialLR milestone) resets the cycle.
 */
public final class CosineAnnealingWarmRestarts extends ChainableScheduler {
  private final long t0;
  private final long tMult;
  private final double etaMin;
  private long tI;
  private long tCur;

  /**
   * @param t0 steps until the first restart, {@code >= 1}
   * @param tMult period multiplier after each restart, {@code >= 1} (torch default 1)
   * @param etaMin minimum lr, finite and {@code >= 0} (torch default 0)
   */
  public CosineAnnealingWarmRestarts(double baseLr, long t0, long tMult, double etaMin) {
    super(baseLr);
    this.t0 = Args.atLeast("T_0", t0, 1);
    this.tMult = Args.atLeast("T_mult", tMult, 1);
    this.etaMin = Args.finiteAtLeast("eta_min", etaMin, 0.0);
    this.tI = t0;
    this.tCur = -1; // torch: self.T_cur = last_epoch
    initialStep();
  }

  @Override
  public String type() {
    return "CosineAnnealingWarmRestarts";
  }

  @Override
  double advance(double groupLr) {
    // torch's own step(epoch=None): the very first call (last_epoch < 0) is step(0).
    if (lastEpoch < 0) {
      return restartAtZero(groupLr);
    }
    lastEpoch++;
    tCur++;
    if (tCur >= tI) {
      tCur -= tI;
      tI *= tMult;
    }
    return chainedLr(groupLr);
  }

  @Override
  double restartAtZero(double groupLr) {
    // torch step(epoch=0): epoch < T_0, so T_i = T_0 and T_cur = 0.
    tI = t0;
    tCur = 0;
    lastEpoch = 0;
    return chainedLr(groupLr);
  }

  @Override
  double chainedLr(double groupLr) {
    return etaMin + (baseLr - etaMin) * (1 + StrictMath.cos(Math.PI * tCur / tI)) / 2;
  }

  @Override
  double closedFormLr() {
    return chainedLr(Double.NaN);
  }

  @Override
  void writeExtra(DataOutput out) throws IOException {
    out.writeLong(tI);
    out.writeLong(tCur);
  }

  @Override
  void readExtra(DataInput in) throws IOException {
    tI = in.readLong();
    tCur = in.readLong();
  }
}
