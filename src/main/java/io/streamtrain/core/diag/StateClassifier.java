package io.streamtrain.core.diag;

import java.util.Locale;

/**
 * Classifies one batch's training state from cheap statistics and the latest curvature probe, with the
 * evidence, following Goodfellow, Bengio and Courville, Deep Learning, section 8.2: non-finite values mean
 * divergence; a gradient norm far above its running mean is a cliff (exploding gradients); lr * lambda_max above
 * 2 makes gradient descent diverge along the top eigenvector (unstable); a small gradient with a clearly negative
 * lambda_min is a saddle point; lr * lambda_max near 2, or a large curvature spread while the loss is flat and
 * consecutive gradients point against each other, is ill-conditioning; a first/last layer gradient ratio far below
 * 1 is vanishing gradients; a small gradient on a flat loss without negative curvature is a (local) minimum, and without a probe of the
 * parameters only a stationary point. Rules
 * are tried in that order; thresholds come from {@link DiagnosticsConfig}.
 *
 * <p>"Small" is judged against the gradient noise: E|g_batch|^2 = |G|^2 + tr(Sigma) / b, so the batch gradient of
 * b samples has a standard error of sqrt(tr(Sigma) / b) even at an exact minimum (G = 0). The gradient is small
 * when the smoothed unbiased estimate of |G|^2 is at most {@code noise_snr} times tr(Sigma) / b (both from the
 * noise-scale statistics, McCandlish et al. 2018, appendix A.1); without a noise estimate the fixed bounds apply.
 * Pure and stateless.
 */
public final class StateClassifier {
  private StateClassifier() {}

  /**
   * The figures one classification looks at; a reusable holder (the trainer fills one per step, so classifying
   * allocates nothing). {@code gradMeanBefore} is the smoothed gradient norm before this batch; probe figures
   * are NaN without a probe; {@code layerRatio} and {@code cosine} are NaN when unknown.
   */
  public static final class Signals {
    public boolean finite;
    public double loss;
    public double gradNorm;
    public double gradMeanBefore;
    public double gradPeak;
    /** |G|^2 over tr(Sigma) / b (see {@link DiagState#signalToNoise}); NaN without a noise estimate. */
    public double snr = Double.NaN;
    public long batches;
    public boolean trendKnown;
    public boolean plateau;
    public double lossChange;
    /** Standard error of {@code lossChange}; NaN when unknown. */
    public double lossChangeSe = Double.NaN;
    public double layerRatio = Double.NaN;
    public double cosine = Double.NaN;
    public double lr;
    public double lambdaMax = Double.NaN;
    public double lambdaMin = Double.NaN;
    public double condition = Double.NaN;
  }

  /** The state and the sentence saying why (formats numbers: call it when the evidence is needed). */
  public static Classification classify(DiagnosticsConfig c, Signals s) {
    TrainingState t = state(c, s);
    return new Classification(t, evidence(c, s, t));
  }

  private static double smallBound(DiagnosticsConfig c, Signals s) {
    return Math.max(c.smallGradient(), c.smallGradientRelative() * s.gradPeak);
  }

  /** The gradient is within its noise (or, without a noise estimate, under the fixed bounds). */
  public static boolean small(DiagnosticsConfig c, Signals s) {
    if (!Double.isNaN(s.snr)) {
      return s.snr <= c.noiseSnr();
    }
    return s.gradNorm <= smallBound(c, s);
  }

  private static String smallText(DiagnosticsConfig c, Signals s) {
    if (!Double.isNaN(s.snr)) {
      return "gradient within its noise (|G|^2 / (tr(Sigma)/b) = " + f(s.snr) + " <= " + f(c.noiseSnr()) + ")";
    }
    return "gradient norm " + f(s.gradNorm) + " <= " + f(smallBound(c, s));
  }

  /** The state alone; allocation-free, for every step. */
  public static TrainingState state(DiagnosticsConfig c, Signals s) {
    if (!s.finite) {
      return TrainingState.DIVERGED;
    }
    if (s.gradNorm > c.explodeNorm()) {
      return TrainingState.EXPLODING;
    }
    if (jumped(c, s)) {
      return TrainingState.EXPLODING;
    }
    if (s.layerRatio > 1.0 / c.vanishRatio()) {
      return TrainingState.EXPLODING;
    }
    boolean small = small(c, s);
    boolean probed = !Double.isNaN(s.lambdaMax) && !Double.isNaN(s.lambdaMin);
    if (s.lr * s.lambdaMax > 2.0) {
      return TrainingState.UNSTABLE;
    }
    if (probed) {
      double scale = Math.max(Math.abs(s.lambdaMax), Math.abs(s.lambdaMin));
      if (small && s.lambdaMin < 0 && s.lambdaMin < -c.negativeCurvature() * scale) {
        return TrainingState.SADDLE;
      }
      if (s.lr * s.lambdaMax >= c.stability()) {
        return TrainingState.ILL_CONDITIONED;
      }
      if (s.condition >= c.condition() && s.plateau && s.cosine <= c.oscillation()) {
        return TrainingState.ILL_CONDITIONED;
      }
    }
    if (s.layerRatio < c.vanishRatio()) {
      return TrainingState.VANISHING;
    }
    // A small gradient alone is not a minimum while the loss still goes down significantly (a slow direction of
    // a ravine): the fitted change over the window more than two standard errors below zero.
    // Without a probe of these parameters the curvature is unknown: a critical point, not yet a minimum.
    if (stalled(s, small)) {
      return probed ? TrainingState.NEAR_MINIMUM : TrainingState.STATIONARY;
    }
    if (!s.trendKnown) {
      return TrainingState.UNKNOWN;
    }
    if (s.plateau || !(s.lossChange < 0)) {
      return TrainingState.PLATEAU;
    }
    return TrainingState.DESCENDING;
  }

  /** The gradient within its noise while the loss does not fall significantly (flat, no trend yet, or no descent). */
  static boolean stalled(Signals s, boolean small) {
    return small && (s.plateau || !s.trendKnown || !significantDescent(s));
  }

  /** The loss window's fitted change is negative by more than two standard errors. */
  static boolean significantDescent(Signals s) {
    return s.lossChange < 0 && !(s.lossChange >= -2 * s.lossChangeSe);
  }

  private static boolean jumped(DiagnosticsConfig c, Signals s) {
    return s.batches > c.warmup() && s.gradMeanBefore > 0 && s.gradNorm > c.explodeFactor() * s.gradMeanBefore;
  }

  /** The evidence sentence for state {@code t} (as returned by {@link #state} for the same signals). */
  public static String evidence(DiagnosticsConfig c, Signals s, TrainingState t) {
    boolean probed = !Double.isNaN(s.lambdaMax) && !Double.isNaN(s.lambdaMin);
    switch (t) {
      case DIVERGED:
        return "loss " + f(s.loss) + ", gradient norm " + f(s.gradNorm) + ": not finite";
      case EXPLODING:
        if (s.gradNorm > c.explodeNorm()) {
          return "gradient norm " + f(s.gradNorm) + " > " + f(c.explodeNorm());
        }
        if (jumped(c, s)) {
          return "gradient norm " + f(s.gradNorm) + " is " + f(s.gradNorm / s.gradMeanBefore)
              + "x its running mean " + f(s.gradMeanBefore) + " (limit " + f(c.explodeFactor()) + "x)";
        }
        return "first/last layer gradient ratio " + f(s.layerRatio) + " > " + f(1.0 / c.vanishRatio());
      case UNSTABLE:
        return "lr * lambda_max = " + f(s.lr) + " * " + f(s.lambdaMax) + " = " + f(s.lr * s.lambdaMax)
            + " > 2: the step exceeds gradient descent's stability bound (lr < " + f(2.0 / s.lambdaMax) + ")";
      case SADDLE:
        return smallText(c, s) + " with lambda_min " + f(s.lambdaMin) + " < 0 (lambda_max " + f(s.lambdaMax) + ")";
      case ILL_CONDITIONED:
        if (s.lr * s.lambdaMax >= c.stability()) {
          return "lr * lambda_max = " + f(s.lr) + " * " + f(s.lambdaMax) + " = " + f(s.lr * s.lambdaMax) + " >= "
              + f(c.stability()) + " (gradient descent is stable below 2)"
              + (Double.isNaN(s.condition) ? "" : "; condition " + f(s.condition));
        }
        return "condition " + f(s.condition) + " >= " + f(c.condition()) + ", loss flat, consecutive gradients at "
            + "mean cosine " + f(s.cosine);
      case VANISHING:
        return "first/last layer gradient ratio " + f(s.layerRatio) + " < " + f(c.vanishRatio());
      case NEAR_MINIMUM:
        return smallText(c, s) + " with lambda_min " + f(s.lambdaMin) + " (no clearly negative curvature)";
      case STATIONARY:
        return smallText(c, s) + ", loss not falling; no curvature probe of these parameters yet (none finished, or a"
            + " saddle escape moved them since): a minimum or a saddle";
      case UNKNOWN:
        return "fewer batches than the loss window";
      case PLATEAU:
        return "loss change over the window " + f(s.lossChange) + (s.plateau ? " is within the plateau tolerance"
            : " is not a decrease") + "; gradient norm " + f(s.gradNorm) + " not small";
      default:
        return "loss change over the window " + f(s.lossChange);
    }
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
