package io.streamtrain.core.optim;

/**
 * A transform state that reads the learning rate; a schedule changes it through {@link Optimizer#setLr}, the
 * equivalent of assigning torch's {@code param_group['lr']}. The learning rate always acts outside the
 * momentum and moment buffers, so a change takes effect on the next step exactly as in torch.
 */
public interface HasLearningRate {
  double lr();

  void setLr(double lr);
}
