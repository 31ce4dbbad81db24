package io.streamtrain.core.optim;

/**
 * A transform state with a schedulable momentum coefficient: torch's {@code momentum} for SGD and RMSprop, and
 * {@code betas[0]} for Adam and AdamW (what OneCycleLR cycles). A new value takes effect on the next step.
 */
public interface HasMomentum {
  double momentum();

  void setMomentum(double momentum);
}
