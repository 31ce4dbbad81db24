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
}
