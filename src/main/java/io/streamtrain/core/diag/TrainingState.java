package io.streamtrain.core.diag;

/**
 * What the diagnostics conclude about a model's training, in the terms of the optimization literature (Goodfellow,
 * Bengio and Courville, Deep Learning, chapter 8.2). {@link #severity()} orders the states, most severe highest;
 * a report names the state that held for most of its batches and lists the most severe one separately. The wire
 * name is {@link #name()}; the ordinal is the gauge code and part of the checkpoint format, so new states are
 * appended (their severity says where they rank).
 */
public enum TrainingState {
  /** Not enough batches yet for a loss trend. */
  UNKNOWN(0),
  /** The loss goes down. */
  DESCENDING(1),
  /** The loss is flat or rising but nothing explains it (gradient not small, no curvature evidence). */
  PLATEAU(2),
  /**
   * Gradient within its noise, the loss not falling significantly, and a curvature probe of these parameters without
   * clearly negative curvature: a local minimum or a flat region.
   */
  NEAR_MINIMUM(3),
  /** The first layers' gradients are orders of magnitude below the last layer's. */
  VANISHING(5),
  /** lr * lambda_max near the stability bound 2 (at or above {@code stability}, not above 2), or a large curvature
   * spread with a flat loss and a gradient that flips direction (bouncing across a ravine). */
  ILL_CONDITIONED(6),
  /** Gradient within its noise with clearly negative curvature: a saddle point. */
  SADDLE(7),
  /** The gradient norm jumped far above its running mean (a cliff) or grows across the depth. */
  EXPLODING(9),
  /** Loss or gradient not finite. */
  DIVERGED(10),
  /** lr * lambda_max above 2: the step size exceeds gradient descent's stability bound along the top eigenvector. */
  UNSTABLE(8),
  /**
   * Gradient within its noise and the loss not falling significantly, but no curvature probe describes these
   * parameters (none has finished yet, or a saddle escape moved them since): a critical point that may be a
   * minimum or a saddle; ranks above NEAR_MINIMUM because it may be the latter.
   */
  STATIONARY(4);

  private final int severity;

  TrainingState(int severity) {
    this.severity = severity;
  }

  /** Rank by severity (0 = UNKNOWN, 10 = DIVERGED). */
  public int severity() {
    return severity;
  }

  /** The more severe of the two ({@code a} may be null). */
  public static TrainingState worst(TrainingState a, TrainingState b) {
    if (a == null) {
      return b;
    }
    return b != null && b.severity > a.severity ? b : a;
  }
}
