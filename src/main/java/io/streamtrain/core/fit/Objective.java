package io.streamtrain.core.fit;

/**
 * A smooth function of a flat parameter vector as the batch minimizers in this package see it: its value with
 * the gradient, its value alone, and exact Hessian-vector products. {@link ModelObjective} is the one over a
 * {@link io.streamtrain.core.model.Model} and a fixed data set; tests use closed forms. Implementations must not
 * modify {@code x} or {@code v}.
 */
public interface Objective {
  /** The number of parameters. */
  int dimension();

  /** f(x); writes the gradient into {@code grad} (overwritten). */
  double valueAndGradient(double[] x, double[] grad);

  /** f(x) alone. */
  double value(double[] x);

  /** The Hessian of f at x times v, into {@code out} (overwritten). */
  void hessianVector(double[] x, double[] v, double[] out);
}
