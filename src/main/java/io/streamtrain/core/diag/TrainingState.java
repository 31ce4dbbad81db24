package io.streamtrain.core.diag;

/**
 * What the diagnostics conclude about a model's training, in the terms of the optimization literature (Goodfellow,
 * Bengio and Courville, Deep Learning, chapter 8.2): the states are ordered by severity, most severe last, so an
 * interval reports the worst state any of its batches showed. The wire name is {@link #name()}.
 */
public enum TrainingState {
  /** Not enough batches yet for a loss trend. */
  UNKNOWN,
  /** The loss goes down. */
  DESCENDING,
  /** The loss is flat or rising but nothing explains it (gradient not small, no curvature evidence). */
  PLATEAU,
  /** Small gradient and (when probed) no clearly negative curvature: a local minimum or a flat region. */
  NEAR_MINIMUM,
  /** The first layers' gradients are orders of magnitude below the last layer's. */
  VANISHING,
  /** lr * lambda_max near or above the stability bound 2, or a large curvature spread with a flat loss and a
   * gradient that flips direction (bouncing across a ravine). */
  ILL_CONDITIONED,
  /** Small gradient with clearly negative curvature: a saddle point. */
  SADDLE,
  /** The gradient norm jumped far above its running mean (a cliff) or grows across the depth. */
  EXPLODING,
  /** Loss or gradient not finite. */
  DIVERGED;

  /** The more severe of the two. */
  public static TrainingState worst(TrainingState a, TrainingState b) {
    if (a == null) {
      return b;
    }
    return b != null && b.ordinal() > a.ordinal() ? b : a;
  }
}
