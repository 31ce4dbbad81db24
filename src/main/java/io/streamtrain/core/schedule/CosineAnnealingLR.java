package io.streamtrain.core.schedule;

/**
 * torch.optim.lr_scheduler.CosineAnnealingLR, the annealing half of SGDR (Loshchilov and Hutter, "SGDR: Stochastic
 * Gradient Descent with Warm Restarts", arXiv:1608.03983): {@code eta_t = eta_min + (base_lr - eta_min) * (1 +
 * cos(pi * t / T_max)) / 2}. Like torch, {@code step()} uses the recursive form from the torch docs (ratio of
 * consecutive cosine terms applied to the previous lr, and the additive form at {@code t = (2k+1) T_max + 1}); past
 * {@code T_max} the lr climbs back up, periodically, as in torch. No restarts (see CosineAnnealingWarmRestarts).
 */
public final class CosineAnnealingLR extends ChainableScheduler {
  private final long tMax;
  private final double etaMin;

  /**
   * @param tMax half period in steps, {@code >= 1}
   * @param etaMin the minimum lr, finite and {@code >= 0} (torch default 0)
   */
  public CosineAnnealingLR(double baseLr, long tMax, double etaMin) {
    super(baseLr);
    this.tMax = Args.atLeast("T_max", tMax, 1);
    this.etaMin = Args.finiteAtLeast("eta_min", etaMin, 0.0);
    initialStep();
  }

  @Override
  public String type() {
    return "CosineAnnealingLR";
  }

  @Override
  double chainedLr(double groupLr) {
    // torch 1.13 also has a branch for `_step_count == 1 and last_epoch > 0`; it is reached only when a
    // scheduler is constructed with last_epoch != -1, which streamtrain never does (state is restored instead).
    long t = lastEpoch;
    if (t == 0) {
      return groupLr;
    }
    if (Math.floorMod(t - 1 - tMax, 2 * tMax) == 0) {
      return groupLr + (baseLr - etaMin) * (1 - StrictMath.cos(Math.PI / tMax)) / 2;
    }
    return (1 + StrictMath.cos(Math.PI * t / tMax))
            / (1 + StrictMath.cos(Math.PI * (t - 1) / tMax))
            * (groupLr - etaMin)
        + etaMin;
  }

  @Override
  double closedFormLr() {
    return etaMin + (baseLr - etaMin) * (1 + StrictMath.cos(Math.PI * lastEpoch / tMax)) / 2;
  }
}
