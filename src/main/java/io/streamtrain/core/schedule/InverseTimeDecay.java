package io.streamtrain.core.schedule;

/**
 * Inverse-time decay as used by online learners, {@code lr_t = base_lr / (1 + decay * t)^power}. Not a torch class
 * (torch expresses it as a LambdaLR): with power 1 it is Bottou's {@code gamma_0 / (1 + gamma_0 lambda t)} ("Stochastic
 * Gradient Descent Tricks", 2012, with {@code decay = gamma_0 lambda}); with power 1/2 the classic {@code 1/sqrt(t)}
 * rate of online convex optimization (Zinkevich 2003). Closed form at every step, so the group's lr never feeds
 * back; inside a SequentialLR its step count restarts at 0 at its milestone, like torch's LambdaLR.
 */
public final class InverseTimeDecay extends ChainableScheduler {
  private final double decay;
  private final double power;

  /**
   * @param decay finite and {@code >= 0}
   * @param power finite and {@code >= 0} (default 1)
   */
  public InverseTimeDecay(double baseLr, double decay, double power) {
    super(baseLr);
    this.decay = Args.finiteAtLeast("decay", decay, 0.0);
    this.power = Args.finiteAtLeast("power", power, 0.0);
    initialStep();
  }

  @Override
  public String type() {
    return "InverseTimeDecay";
  }

  @Override
  double chainedLr(double groupLr) {
    return closedFormLr();
  }

  @Override
  double closedFormLr() {
    return baseLr / StrictMath.pow(1.0 + decay * lastEpoch, power);
  }
}
