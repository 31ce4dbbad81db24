package io.streamtrain.core.diag;

/**
 * A symmetric linear map on R^n given only by its action, {@code out = A v}: for the diagnostics a Hessian-vector
 * product of the training objective, for tests an explicit matrix. Implementations must not modify {@code v}.
 */
@FunctionalInterface
public interface LinearOperator {
  void apply(double[] v, double[] out);
}
