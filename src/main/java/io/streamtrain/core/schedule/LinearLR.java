package io.streamtrain.core.schedule;

/**
 * torch.optim.lr_scheduler.LinearLR, the usual warmup: the factor on {@code base_lr} moves linearly from
 * {@code start_factor} to {@code end_factor} over {@code total_iters} steps and then stays,
 * {@code lr_t = base_lr * (s + (e - s) * min(t, T) / T)}. {@code step()} uses torch's chainable form (the previous
 * lr times the ratio of consecutive factors); the closed form serves {@code step(0)} inside a SequentialLR.
 */
public final class LinearLR extends ChainableScheduler {
  private final double startFactor;
  private final double endFactor;
  private final long totalIters;

  /**
   * @param startFactor factor at step 0, in (0, 1] (torch default 1/3; torch 1.13 accepts 0 but then fails with
   *     ZeroDivisionError at step 1)
   * @param endFactor factor from step {@code totalIters} on, in [0, 1] (torch default 1)
   * @param totalIters length of the ramp, {@code >= 1} (torch default 5)
   */
  public LinearLR(double baseLr, double startFactor, double endFactor, long totalIters) {
    super(baseLr);
    this.startFactor = Args.range("start_factor", startFactor, 0.0, true, 1.0, false);
    this.endFactor = Args.range("end_factor", endFactor, 0.0, false, 1.0, false);
    this.totalIters = Args.atLeast("total_iters", totalIters, 1);
    initialStep();
  }

  @Override
  public String type() {
    return "LinearLR";
  }

  @Override
  double chainedLr(double groupLr) {
    if (lastEpoch == 0) {
      return groupLr * startFactor;
    }
    if (lastEpoch > totalIters) {
      return groupLr;
    }
    return groupLr
        * (1.0
            + (endFactor - startFactor)
                / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor)));
  }

  @Override
  double closedFormLr() {
    return baseLr
        * (startFactor + (endFactor - startFactor) * Math.min(totalIters, lastEpoch) / totalIters);
  }
}
