package io.streamtrain.core.diag;

import java.util.Locale;

/**
 * Classifies one batch's training state from cheap statistics and the latest curvature probe, with the
 * evidence, following Goodfellow, Bengio and Courville, Deep Learning, section 8.2: non-finite values mean
 * divergence; a gradient norm far above its running mean is a cliff (exploding gradients); a small gradient with
 * a clearly negative lambda_min is a saddle point, with lambda_min &gt;= 0 a minimum; lr * lambda_max near the
 * gradient-descent stability bound 2, or a large curvature spread while the loss is flat and consecutive gradients
 * point against each other, is ill-conditioning; a first/last layer gradient ratio far below 1 is vanishing
 * gradients. Rules are tried in that order (most severe first); thresholds come from {@link DiagnosticsConfig}.
 * Pure and stateless.
 */
public final class StateClassifier {
  private StateClassifier() {}

  /**
   * The figures one classification looks at. {@code gradMeanBefore} is the smoothed gradient norm before this
   * batch; probe figures are NaN without a probe; {@code layerRatio} and {@code cosine} are NaN when unknown.
   */
  public record Signals(
      boolean finite,
      double loss,
      double gradNorm,
      double gradMeanBefore,
      double gradPeak,
      long batches,
      boolean trendKnown,
      boolean plateau,
      double lossChange,
      double layerRatio,
      double cosine,
      double lr,
      double lambdaMax,
      double lambdaMin,
      double condition) {}

  public static Classification classify(DiagnosticsConfig c, Signals s) {
    if (!s.finite) {
      return new Classification(TrainingState.DIVERGED,
          "loss " + f(s.loss) + ", gradient norm " + f(s.gradNorm) + ": not finite");
    }
    if (s.gradNorm > c.explodeNorm()) {
      return new Classification(TrainingState.EXPLODING,
          "gradient norm " + f(s.gradNorm) + " > " + f(c.explodeNorm()));
    }
    if (s.batches > c.warmup() && s.gradMeanBefore > 0 && s.gradNorm > c.explodeFactor() * s.gradMeanBefore) {
      return new Classification(TrainingState.EXPLODING, "gradient norm " + f(s.gradNorm) + " is "
          + f(s.gradNorm / s.gradMeanBefore) + "x its running mean " + f(s.gradMeanBefore) + " (limit "
          + f(c.explodeFactor()) + "x)");
    }
    if (s.layerRatio > 1.0 / c.vanishRatio()) {
      return new Classification(TrainingState.EXPLODING, "first/last layer gradient ratio " + f(s.layerRatio)
          + " > " + f(1.0 / c.vanishRatio()));
    }
    double smallBound = Math.max(c.smallGradient(), c.smallGradientRelative() * s.gradPeak);
    boolean small = s.gradNorm <= smallBound;
    boolean probed = !Double.isNaN(s.lambdaMax) && !Double.isNaN(s.lambdaMin);
    if (probed) {
      double scale = Math.max(Math.abs(s.lambdaMax), Math.abs(s.lambdaMin));
      boolean negative = s.lambdaMin < -c.negativeCurvature() * scale && s.lambdaMin < 0;
      if (small && negative) {
        return new Classification(TrainingState.SADDLE, "gradient norm " + f(s.gradNorm) + " <= " + f(smallBound)
            + " with lambda_min " + f(s.lambdaMin) + " < 0 (lambda_max " + f(s.lambdaMax) + ")");
      }
      double lrl = s.lr * s.lambdaMax;
      if (lrl >= c.stability()) {
        return new Classification(TrainingState.ILL_CONDITIONED, "lr * lambda_max = " + f(s.lr) + " * "
            + f(s.lambdaMax) + " = " + f(lrl) + " >= " + f(c.stability()) + " (gradient descent is stable below 2)"
            + (Double.isNaN(s.condition) ? "" : "; condition " + f(s.condition)));
      }
      if (s.condition >= c.condition() && s.plateau && s.cosine <= c.oscillation()) {
        return new Classification(TrainingState.ILL_CONDITIONED, "condition " + f(s.condition) + " >= "
            + f(c.condition()) + ", loss flat, consecutive gradients at mean cosine " + f(s.cosine));
      }
    }
    if (s.layerRatio < c.vanishRatio()) {
      return new Classification(TrainingState.VANISHING, "first/last layer gradient ratio " + f(s.layerRatio)
          + " < " + f(c.vanishRatio()));
    }
    if (small) {
      return new Classification(TrainingState.NEAR_MINIMUM, "gradient norm " + f(s.gradNorm) + " <= "
          + f(smallBound) + (probed ? " with lambda_min " + f(s.lambdaMin) + " (no clearly negative curvature)"
          : " (no curvature probe yet)"));
    }
    if (!s.trendKnown) {
      return new Classification(TrainingState.UNKNOWN, "fewer batches than the loss window");
    }
    if (s.plateau || !(s.lossChange < 0)) {
      return new Classification(TrainingState.PLATEAU, "loss change over the window " + f(s.lossChange)
          + (s.plateau ? " is within the plateau tolerance" : " is not a decrease") + "; gradient norm "
          + f(s.gradNorm) + " not small");
    }
    return new Classification(TrainingState.DESCENDING, "loss change over the window " + f(s.lossChange));
  }

  static String f(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return Double.toString(v);
    }
    double a = Math.abs(v);
    if (a != 0 && (a < 1e-3 || a >= 1e5)) {
      return String.format(Locale.ROOT, "%.3e", v);
    }
    return String.format(Locale.ROOT, "%.4g", v);
  }
}
