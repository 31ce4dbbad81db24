package io.streamtrain.core.optim;

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

  static void checkFinite(String name, double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException(name + ": " + v + " is not allowed; allowed: a finite number");
    }
  }

  static void checkNonNegative(String name, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(name + ": " + v + " is not allowed; allowed: a number in [0, inf)");
    }
  }

  static void checkBeta(String name, double v) {
    if (!(v >= 0 && v < 1)) {
      throw new IllegalArgumentException(name + ": " + v + " is not allowed; allowed: a number in [0, 1)");
    }
  }
}
