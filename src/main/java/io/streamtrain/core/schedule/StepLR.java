package io.streamtrain.core.schedule;

/**
 * torch.optim.lr_scheduler.StepLR: multiplies the lr by {@code gamma} every {@code step_size} steps, so
 * {@code lr_t = base_lr * gamma^floor(t / step_size)}. Computed in torch's chainable form (the previous lr times
 * gamma at each multiple of step_size), which is what torch's {@code step()} does; the closed form is used only
 * for {@code step(0)} inside a SequentialLR, as in torch.
 */
public final class StepLR extends ChainableScheduler {
  private final long stepSize;
  private final double gamma;

  /**
   * @param stepSize period of the decay, {@code >= 1} (torch fails with ZeroDivisionError on 0)
   * @param gamma multiplicative factor, finite and {@code >= 0} (torch default 0.1)
   */
  public StepLR(double baseLr, long stepSize, double gamma) {
    super(baseLr);
    this.stepSize = Args.atLeast("step_size", stepSize, 1);
    this.gamma = Args.finiteAtLeast("gamma", gamma, 0.0);
    initialStep();
  }

  @Override
  public String type() {
    return "StepLR";
  }

  @Override
  double chainedLr(double groupLr) {
    if (lastEpoch == 0 || lastEpoch % stepSize != 0) {
      return groupLr;
    }
    return groupLr * gamma;
  }

  @Override
  double closedFormLr() {
    return baseLr * StrictMath.pow(gamma, (double) (lastEpoch / stepSize));
  }
}
