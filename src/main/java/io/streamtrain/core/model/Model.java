package io.streamtrain.core.model;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;

/**
 * A differentiable model as the trainer, the replay evaluator and the diagnostics use it. The model object holds
 * only configuration and scratch memory; the state lives outside in two flat vectors the caller owns:
 * {@code params} (trained by gradients, laid out by {@link #layout()}) and {@code buffers} (statistics that are
 * not trained by gradients but are part of checkpoints and snapshots, e.g. batch-norm running mean and
 * variance, laid out by {@link #bufferLayout()}; empty for most models).
 *
 * <p>Objective. For a batch of n rows with weights w_i, per-sample losses l_i and penalized weights theta:
 * {@code L = (1/n) sum_i w_i l_i + l1 * sum|theta| + (l2/2) * sum theta^2}. Dividing by n (not by the weight
 * sum) follows torch's {@code BCEWithLogitsLoss(weight=w, reduction="mean")}: with unit weights it is the plain
 * batch mean that torch reports. Penalties touch only {@link ParamGroup.Role#WEIGHT} groups (not biases or
 * batch-norm scale/shift); the L2 gradient {@code l2 * theta} equals torch's {@code weight_decay} on those groups.
 *
 * <p>Purity. {@link #lossAndGradient}, {@link #loss} and {@link #hessianVectorProduct} are pure functions of
 * (params, batch, dropout step): they never write params or buffers, so finite differences and
 * Hessian-vector products can call them at perturbed points. Training mode (batch statistics for batch norm,
 * dropout active with a mask derived from {@link #setDropoutStep}) is used by those three; {@link #updateBuffers}
 * is the explicit call that advances the running statistics after a training step. Evaluation mode (running
 * statistics, no dropout) is used by {@link #predict} and {@link #evalLoss}.
 *
 * <p>Determinism. Every sum runs in a fixed order, so the same inputs give bit-identical results run to run.
 * exp, log and tanh come from {@link Math} (JIT intrinsics): identical on the same JVM build and CPU
 * architecture, which is what checkpoint recovery needs; across architectures they may differ in the last bit.
 * Initialization uses {@link StrictMath} and is bit-identical everywhere.
 *
 * <p>Memory. Scratch arrays live in the instance and grow to the largest batch seen, so steady-state calls
 * allocate nothing. An instance is NOT thread-safe: use one per thread (create it from the {@link ModelSpec}).
 */
public interface Model {

  ModelSpec spec();

  FeatureSpace featureSpace();

  /** Trainable parameters, in torch {@code parameters()} order. */
  ParamLayout layout();

  /** Non-trainable state (batch-norm running statistics); {@link ParamLayout#EMPTY} when there is none. */
  ParamLayout bufferLayout();

  default int numParams() {
    return layout().size();
  }

  default int numBuffers() {
    return bufferLayout().size();
  }

  /** Values {@link #predict} writes per sample: 1 for linear and logistic, K for softmax. */
  int outputDim();

  /**
   * Fills {@code params} with the configured initializer, deterministically from {@code seed} (same seed, same
   * values on every machine). Batch-norm scale is 1 and shift 0, as in torch.
   */
  void init(double[] params, long seed);

  /** Initial buffers: running mean 0 and running variance 1 (torch BatchNorm1d). */
  void initBuffers(double[] buffers);

  /**
   * Sets the step the dropout masks derive from (a counter-based hash of the spec's seed, this step, the row and
   * the unit), so a step's mask is reproducible and identical across calls within the step. No effect without
   * dropout.
   */
  void setDropoutStep(long step);

  /**
   * Folds a batch's dense features into the input-scaling statistics in {@code buffers} (models with
   * {@code scaling}; a no-op otherwise), before the batch is trained on.
   */
  default void observeInputs(Batch batch, double[] buffers) {}

  /** The buffers whose input-scaling statistics training-mode passes use (a no-op without {@code scaling}). */
  default void useInputStatistics(double[] buffers) {}

  /** Training-mode objective L (see class doc); writes dL/dparams into {@code grad} (overwritten). */
  double lossAndGradient(double[] params, Batch batch, double[] grad);

  /** Training-mode objective L without the gradient. */
  double loss(double[] params, Batch batch);

  /**
   * Hessian of the training-mode objective L times {@code v}, into {@code out}; exact (Pearlmutter's
   * R-operator, forward-over-reverse) including batch norm's dependence on the batch statistics. The L1
   * penalty contributes 0 (its second derivative away from 0). ReLU and Huber contribute their a.e. second
   * derivatives (0 at the kinks).
   */
  void hessianVectorProduct(double[] params, Batch batch, double[] v, double[] out);

  /**
   * Advances the running statistics in {@code buffers} with this batch's statistics (momentum 0.1, unbiased
   * variance, torch BatchNorm1d). Call once per training step; a no-op for models without batch norm.
   */
  void updateBuffers(double[] params, Batch batch, double[] buffers);

  /**
   * Evaluation-mode predictions, {@link #outputDim()} values per row, row-major into {@code out}: the
   * regression value, P(y=1) for logistic, class probabilities for softmax.
   */
  void predict(double[] params, double[] buffers, Batch batch, double[] out);

  /** Evaluation-mode prediction for one (valid) example. */
  void predict(double[] params, double[] buffers, Example example, double[] out);

  /** Evaluation-mode mean weighted loss (1/n) sum w_i l_i, without penalties (for holdout and prequential scores). */
  double evalLoss(double[] params, double[] buffers, Batch batch);

  /** True when {@link #perSampleGradSquaredNorms} is available (not with batch norm, which couples samples). */
  boolean hasPerSampleGradients();

  /**
   * For each row i, the squared norm of the gradient of its own weighted loss term {@code w_i * l_i} (without
   * penalties, no 1/n), so the batch gradient is {@code (1/n) sum_i g_i} plus the penalty gradient. Computed
   * in one backward pass from the per-layer rank-one structure (Goodfellow, "Efficient per-example gradient
   * computations", 2015). Feeds the gradient noise scale.
   *
   * @throws UnsupportedOperationException when {@link #hasPerSampleGradients()} is false
   */
  void perSampleGradSquaredNorms(double[] params, Batch batch, double[] out);

  /** A batch of this model's feature space. */
  default Batch newBatch(int capacity) {
    return new Batch(featureSpace(), capacity);
  }
}
