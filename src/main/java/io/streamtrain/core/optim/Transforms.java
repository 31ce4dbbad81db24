package io.streamtrain.core.optim;

import io.streamtrain.core.config.Validators;
import java.util.List;

/**
 * Factory methods for the gradient transforms, named as in optax, with torch.optim's hyperparameter semantics
 * (see each record). {@code chain(addDecayedWeights(wd), traceMomentum(0.9, 0, false), scaleByLearningRate(lr))}
 * is torch's SGD with momentum; {@link Optimizers} builds every preset this way.
 */
public final class Transforms {
  private Transforms() {}

  public static Chain chain(GradientTransform... transforms) {
    return new Chain(List.of(transforms));
  }

  public static ClipByGlobalNorm clipByGlobalNorm(double maxNorm, double normType, int... split) {
    return new ClipByGlobalNorm(maxNorm, normType, split.length == 0 ? null : split);
  }

  public static ClipByValue clipByValue(double clipValue) {
    return new ClipByValue(clipValue);
  }

  public static AddDecayedWeights addDecayedWeights(double weightDecay) {
    return new AddDecayedWeights(weightDecay);
  }

  public static DecoupledWeightDecay decoupledWeightDecay(double weightDecay, double lr) {
    return new DecoupledWeightDecay(weightDecay, lr);
  }

  public static TraceMomentum traceMomentum(double momentum, double dampening, boolean nesterov) {
    return new TraceMomentum(momentum, dampening, nesterov);
  }

  public static ScaleByAdagrad scaleByAdagrad(double lrDecay, double initialAccumulatorValue, double eps) {
    return new ScaleByAdagrad(lrDecay, initialAccumulatorValue, eps);
  }

  public static ScaleByRms scaleByRms(double alpha, double eps, boolean centered) {
    return new ScaleByRms(alpha, eps, centered);
  }

  public static ScaleByAdam scaleByAdam(double beta1, double beta2, double eps, boolean amsgrad) {
    return new ScaleByAdam(beta1, beta2, eps, amsgrad);
  }

  public static ScaleByLearningRate scaleByLearningRate(double lr) {
    return new ScaleByLearningRate(lr);
  }

  // Built once: some checks run on every step (a schedule setting lr or momentum), which allocates nothing.
  private static final Validators.Range FINITE = Validators.finite();
  private static final Validators.Range NON_NEGATIVE = Validators.atLeast(0);
  private static final Validators.Range POSITIVE = Validators.above(0);
  private static final Validators.Range BETA = Validators.range(0, false, 1, true);

  static void checkFinite(String name, double v) {
    if (!FINITE.test(v)) {
      FINITE.checkArgument(name, v);
    }
  }

  static void checkNonNegative(String name, double v) {
    if (!NON_NEGATIVE.test(v)) {
      NON_NEGATIVE.checkArgument(name, v);
    }
  }

  static void checkPositive(String name, double v) {
    if (!POSITIVE.test(v)) {
      POSITIVE.checkArgument(name, v);
    }
  }

  static void checkBeta(String name, double v) {
    if (!BETA.test(v)) {
      BETA.checkArgument(name, v);
    }
  }
}
