package io.streamtrain.core.optim;

/**
 * A gradient transformation in the style of optax's {@code GradientTransformation}, with torch.optim's
 * semantics: an immutable configuration (each implementation is a Java record) whose {@link #init(int)}
 * creates the mutable {@link TransformState} for a vector of {@code n} parameters. Transforms are composed with
 * {@link Transforms#chain}, which runs them fused block by block; see {@link Chain}.
 */
public interface GradientTransform {
  /** Creates the state for {@code n} parameters (zeroed buffers, step 0). */
  TransformState init(int n);

  /**
   * True when a step on a sparse gradient (only the coordinates a batch touched) is exact: a coordinate with a zero
   * gradient gets a zero update and keeps its state, as in the dense step, or the transform is defined on sparse
   * gradients (torch.optim.SparseAdam, FTRL-Proximal). Then its state implements
   * {@link TransformState#applySparse} and a step costs O(touched coordinates).
   */
  default boolean sparseExact() {
    return false;
  }
}
