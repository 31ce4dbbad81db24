package io.streamtrain.core.schedule;

/**
 * torch.optim.lr_scheduler.ExponentialLR: multiplies the lr by {@code gamma} every step,
 * {@code lr_t = base_lr * gamma^t}, computed recursively as torch does (one multiplication per step); the closed
 * form serves {@code step(0)} inside a SequentialLR.
 */
public final class ExponentialLR extends ChainableScheduler {
  private final double gamma;

  /** @param gamma multiplicative factor per step, finite and {@code >= 0} (required in torch) */
  public ExponentialLR(double baseLr, double gamma) {
    super(baseLr);
    this.gamma = Args.finiteAtLeast("gamma", gamma, 0.0);
    initialStep();
  }

  @Override
  public String type() {
    return "ExponentialLR";
  }

  @Override
  double chainedLr(double groupLr) {
    return lastEpoch == 0 ? groupLr : groupLr * gamma;
  }

  @Override
  double closedFormLr() {
    return baseLr * StrictMath.pow(gamma, (double) lastEpoch);
  }
}
