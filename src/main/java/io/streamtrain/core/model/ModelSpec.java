package io.streamtrain.core.model;

import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.init.InitSpec;
import io.streamtrain.core.loss.RegressionLoss;

/**
 * A validated, immutable model configuration (parse one with {@link ModelSpecs#fromSpec}); {@link #newModel()}
 * creates a {@link Model} instance with its own scratch memory (one per thread). {@code layers} lists the layer
 * widths from input to output: {@code [inputDim, outputs]} for linear, logistic and softmax models, the full
 * stack for an MLP (its first entry equals the feature space's input width).
 *
 * <p>Parameter layouts (torch order and shapes, all row-major):
 * <ul>
 *   <li>linear, logistic: {@code weight [inputDim]}, {@code bias []} (a scalar; torch's nn.Linear(d, 1) weight
 *       [1, d] and bias [1] flattened)
 *   <li>softmax: {@code weight [K, inputDim]}, {@code bias [K]} (nn.Linear(d, K))
 *   <li>mlp with layers [n0, ..., nL]: per layer k = 1..L {@code Wk [nk, n(k-1)]}, {@code bk [nk]}, and for hidden
 *       layers with batch norm {@code gammak [nk]}, {@code betak [nk]} (BatchNorm1d weight and bias). Buffers:
 *       {@code running_meank [nk]}, {@code running_vark [nk]}. A hidden layer computes
 *       Linear -> BatchNorm1d (optional) -> activation -> Dropout (optional), like torch's
 *       {@code nn.Sequential(Linear, BatchNorm1d, Tanh, Dropout, ..., Linear)}.
 * </ul>
 */
public record ModelSpec(
    ModelType type,
    FeatureSpace features,
    int[] layers,
    Activation activation,
    Head head,
    RegressionLoss loss,
    double delta,
    boolean batchNorm,
    double dropout,
    double l1,
    double l2,
    InitSpec init,
    long seed,
    InputScaling scaling) {

  /** The model families. */
  public enum ModelType {
    LINEAR("linear"),
    LOGISTIC("logistic"),
    SOFTMAX("softmax"),
    MLP("mlp");

    public final String specName;

    ModelType(String specName) {
      this.specName = specName;
    }
  }

  public ModelSpec {
    layers = layers.clone();
  }

  /** Without input scaling. */
  public ModelSpec(ModelType type, FeatureSpace features, int[] layers, Activation activation, Head head,
      RegressionLoss loss, double delta, boolean batchNorm, double dropout, double l1, double l2, InitSpec init,
      long seed) {
    this(type, features, layers, activation, head, loss, delta, batchNorm, dropout, l1, l2, init, seed, null);
  }

  @Override
  public int[] layers() {
    return layers.clone();
  }

  public int inputDim() {
    return layers[0];
  }

  /** Width of the last layer: 1, or K for a softmax head. */
  public int outputs() {
    return layers[layers.length - 1];
  }

  /** Creates a model instance whose scratch memory grows with the largest batch it sees. */
  public Model newModel() {
    return new DenseNetwork(this, 1);
  }

  /** Creates a model instance with scratch memory pre-sized for batches of up to {@code maxBatch} rows. */
  public Model newModel(int maxBatch) {
    return new DenseNetwork(this, maxBatch);
  }

  /** The same spec with another seed (for a model id that should start differently). */
  public ModelSpec withSeed(long newSeed) {
    return new ModelSpec(type, features, layers, activation, head, loss, delta, batchNorm, dropout, l1, l2, init,
        newSeed, scaling);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelSpec s
        && s.type == type
        && s.features.equals(features)
        && java.util.Arrays.equals(s.layers, layers)
        && s.activation == activation
        && s.head == head
        && s.loss == loss
        && Double.compare(s.delta, delta) == 0
        && s.batchNorm == batchNorm
        && Double.compare(s.dropout, dropout) == 0
        && Double.compare(s.l1, l1) == 0
        && Double.compare(s.l2, l2) == 0
        && s.init.equals(init)
        && s.seed == seed
        && java.util.Objects.equals(s.scaling, scaling);
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + java.util.Arrays.hashCode(layers);
  }
}
