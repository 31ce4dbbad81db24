package io.streamtrain.core.fit;

/**
 * How a {@link Minimizer} ended: whether the gradient tolerance was met, why it stopped, the iterations, the final
 * objective and gradient max-norm, and the passes it used (objective calls, see {@link CountingObjective}).
 */
public record FitResult(boolean converged, String reason, int iterations, double loss, double gradMaxAbs,
    long passes) {}
