package io.streamtrain.core.model;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.init.SplitMix64;
import io.streamtrain.core.model.layer.ActivationLayer;
import io.streamtrain.core.model.layer.BatchNorm;
import io.streamtrain.core.model.layer.Dense;
import io.streamtrain.core.model.layer.Dropout;
import io.streamtrain.core.model.layer.Layer;
import io.streamtrain.core.model.layer.Sequential;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one implementation behind every {@link ModelSpec}: a {@link Sequential} of layers, for an MLP
 * {@code Dense -> [BatchNorm] -> Activation -> [Dropout]} per hidden layer and a last {@code Dense}, for linear,
 * logistic and softmax regression a single {@code Dense} (only the parameter names differ, see {@link ModelSpec}),
 * followed by the loss head ({@link LossHead}). This class lays out the parameters and buffers in torch order,
 * checks arguments, and turns the {@link Model} calls into the layer passes: forward, backward, the R-operator
 * (Pearlmutter 1994) for exact Hessian-vector products, running-statistics updates and per-sample gradient norms.
 *
 * <p>Scratch belongs to the layers the model has: a linear model holds its logits, one gradient buffer and the
 * head's; an MLP's hidden layers each hold what their backward pass needs. Nothing is ever sized by the input
 * width (2^bits for a hashed model). R-operator scratch is allocated on the first Hessian-vector product. Scratch
 * grows with the largest batch; steady-state calls allocate nothing. Not thread-safe.
 */
final class DenseNetwork implements Model {
  private final ModelSpec spec;
  private final FeatureSpace space;
  private final int inDim;
  private final int denseDim;
  private final int outDim;
  private final int nLayers;
  private final double l1;
  private final double l2;
  private final ParamLayout layout;
  private final ParamLayout bufferLayout;
  private final Sequential net;
  private final LossHead head;
  private final Dense[] dense;
  private final BatchNorm[] batchNorms;
  private final Dropout[] dropouts;
  private int cap;
  private double[] rowScale = new double[0];
  private Batch single;
  /** The dense-input standardization (null: none), its buffer offset, and its scaled copy of a batch's block. */
  private final InputScaling scaling;
  private final int scalingOff;
  private double[] scaledInput = new double[0];
  /** The statistics training-mode passes scale with (the trainer's state's buffers, see useInputStatistics). */
  private double[] trainStats;

  DenseNetwork(ModelSpec spec, int initialCapacity) {
    this.spec = spec;
    this.space = spec.features();
    int[] width = spec.layers();
    this.nLayers = width.length - 1;
    this.inDim = width[0];
    this.denseDim = space.denseDim();
    this.outDim = width[nLayers];
    this.l1 = spec.l1();
    this.l2 = spec.l2();
    if (inDim != space.inputDim()) {
      throw new IllegalArgumentException("layers[0] " + inDim + " != input width " + space.inputDim());
    }
    Head h = spec.head();
    boolean mlp = spec.type() == ModelSpec.ModelType.MLP;
    ParamLayout.Builder pb = new ParamLayout.Builder();
    ParamLayout.Builder bb = new ParamLayout.Builder();
    List<Layer> layers = new ArrayList<>();
    List<BatchNorm> bns = new ArrayList<>();
    List<Dropout> drops = new ArrayList<>();
    dense = new Dense[nLayers];
    int off = 0;
    int boff = 0;
    for (int k = 1; k <= nLayers; k++) {
      int rows = width[k];
      int cols = width[k - 1];
      int wOff = off;
      if (mlp) {
        pb.add("W" + k, ParamGroup.Role.WEIGHT, k, rows, cols);
      } else if (h == Head.SOFTMAX) {
        pb.add("weight", ParamGroup.Role.WEIGHT, k, rows, cols);
      } else {
        pb.add("weight", ParamGroup.Role.WEIGHT, k, cols);
      }
      off += Math.multiplyExact(rows, cols);
      int bOff = off;
      if (mlp) {
        pb.add("b" + k, ParamGroup.Role.BIAS, k, rows);
      } else if (h == Head.SOFTMAX) {
        pb.add("bias", ParamGroup.Role.BIAS, k, rows);
      } else {
        pb.add("bias", ParamGroup.Role.BIAS, k);
      }
      off += rows;
      dense[k - 1] = new Dense(rows, cols, wOff, bOff, k == 1, denseDim);
      layers.add(dense[k - 1]);
      if (k == nLayers) {
        break;
      }
      if (spec.batchNorm()) {
        pb.add("gamma" + k, ParamGroup.Role.BN_SCALE, k, rows);
        pb.add("beta" + k, ParamGroup.Role.BN_SHIFT, k, rows);
        bb.add("running_mean" + k, ParamGroup.Role.RUNNING_MEAN, k, rows);
        bb.add("running_var" + k, ParamGroup.Role.RUNNING_VAR, k, rows);
        BatchNorm bn = new BatchNorm(rows, off, off + rows, boff, boff + rows);
        off += 2 * rows;
        boff += 2 * rows;
        bns.add(bn);
        layers.add(bn);
      }
      layers.add(new ActivationLayer(spec.activation(), rows));
      if (spec.dropout() > 0) {
        Dropout d = new Dropout(rows, k, spec.dropout(), spec.seed());
        drops.add(d);
        layers.add(d);
      }
    }
    layout = pb.build();
    scaling = spec.scaling();
    scalingOff = boff;
    if (scaling != null) {
      bb.add("input_scaling", ParamGroup.Role.INPUT_SCALING, 0, InputScaling.size(denseDim));
      boff += InputScaling.size(denseDim);
    }
    bufferLayout = boff == 0 ? ParamLayout.EMPTY : bb.build();
    batchNorms = bns.toArray(new BatchNorm[0]);
    dropouts = drops.toArray(new Dropout[0]);
    net = new Sequential(layers);
    head = new LossHead(h, spec.loss(), spec.delta(), outDim);
    ensureCapacity(Math.max(1, initialCapacity));
  }

  private void ensureCapacity(int n) {
    net.ensureCapacity(n);
    head.ensureCapacity(n);
    if (n > cap) {
      cap = n;
      rowScale = new double[n];
    }
  }

  // ------------------------------------------------------------------ Model: description and state

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public FeatureSpace featureSpace() {
    return space;
  }

  @Override
  public ParamLayout layout() {
    return layout;
  }

  @Override
  public ParamLayout bufferLayout() {
    return bufferLayout;
  }

  @Override
  public int outputDim() {
    return outDim;
  }

  /**
   * One {@link SplitMix64} stream seeded with {@code seed} fills, layer by layer in layout order, the weight
   * (row-major) and then the bias; batch-norm scale 1 and shift 0 draw nothing.
   */
  @Override
  public void init(double[] params, long seed) {
    checkLength("params", params, layout.size());
    SplitMix64 rng = new SplitMix64(seed);
    for (Dense d : dense) {
      d.init(params, spec.init(), rng);
    }
    for (BatchNorm bn : batchNorms) {
      bn.init(params);
    }
  }

  @Override
  public void initBuffers(double[] buffers) {
    checkLength("buffers", buffers, bufferLayout.size());
    for (BatchNorm bn : batchNorms) {
      bn.initBuffers(buffers);
    }
    if (scaling != null) {
      java.util.Arrays.fill(buffers, scalingOff, scalingOff + InputScaling.size(denseDim), 0.0);
    }
  }

  @Override
  public void observeInputs(Batch batch, double[] buffers) {
    if (scaling != null && batch.size() > 0) {
      scaling.observe(batch.dense(), batch.size(), denseDim, buffers, scalingOff);
    }
  }

  @Override
  public void useInputStatistics(double[] buffers) {
    trainStats = buffers;
  }

  /**
   * With input scaling, the batch's dense block standardized by {@code stats} (the given buffers in evaluation,
   * the trainer's in training) into a scratch copy the first layer reads instead of the batch's own values.
   */
  private void prepareInput(Batch b, int n, double[] buffers) {
    if (scaling == null) {
      return;
    }
    double[] stats = buffers != null ? buffers : trainStats;
    if (stats == null) {
      throw new IllegalStateException("input scaling: no statistics for a training pass (useInputStatistics)");
    }
    if (scaledInput.length < n * denseDim) {
      scaledInput = new double[Math.max(n, cap) * denseDim];
    }
    InputScaling.apply(b.dense(), n, denseDim, stats, scalingOff, scaledInput);
    dense[0].useDenseInput(scaledInput);
  }

  /** The masks' hash, see {@link Dropout}. */
  @Override
  public void setDropoutStep(long step) {
    for (Dropout d : dropouts) {
      d.setStep(step);
    }
  }

  private static void checkLength(String what, double[] arr, int n) {
    if (arr.length < n) {
      throw new IllegalArgumentException(what + " has length " + arr.length + ", the model needs " + n);
    }
  }

  private int requireRows(Batch b) {
    int n = b.size();
    if (n == 0) {
      throw new IllegalArgumentException("empty batch");
    }
    if (b.space().inputDim() != inDim || b.denseDim() != denseDim) {
      throw new IllegalArgumentException("batch of " + b.space() + " does not match the model's " + space);
    }
    ensureCapacity(n);
    return n;
  }

  private double[] meanScale(Batch b, int n) {
    double[] w = b.weights();
    double inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
      rowScale[i] = w[i] * inv;
    }
    return rowScale;
  }

  /** Adds l1 sum|w| + l2/2 sum w^2 over weight matrices; adds its gradient into grad when not null. */
  private double penalty(double[] p, double[] grad) {
    if (l1 == 0.0 && l2 == 0.0) {
      return 0.0;
    }
    return net.penalty(p, grad, l1, l2);
  }

  // ------------------------------------------------------------------ objective, gradient, Hessian

  @Override
  public double loss(double[] params, Batch batch) {
    int n = requireRows(batch);
    prepareInput(batch, n, null);
    double[] z = net.forward(params, null, batch, n, true);
    return head.lossAndGrad(z, batch, n, meanScale(batch, n), null) + penalty(params, null);
  }

  @Override
  public double lossAndGradient(double[] params, Batch batch, double[] grad) {
    int n = requireRows(batch);
    checkLength("grad", grad, layout.size());
    prepareInput(batch, n, null);
    double[] z = net.forward(params, null, batch, n, true);
    double loss = head.lossAndGrad(z, batch, n, meanScale(batch, n), net.outputGrad());
    Arrays.fill(grad, 0, layout.size(), 0.0);
    net.backward(params, batch, grad, n);
    return loss + penalty(params, grad);
  }

  @Override
  public void hessianVectorProduct(double[] params, Batch batch, double[] v, double[] out) {
    int n = requireRows(batch);
    checkLength("v", v, layout.size());
    checkLength("out", out, layout.size());
    net.ensureRCapacity(n);
    prepareInput(batch, n, null);
    double[] z = net.forward(params, null, batch, n, true);
    double[] rz = net.rForward(params, v, batch, n);
    double[] scale = meanScale(batch, n);
    head.lossAndGrad(z, batch, n, scale, net.outputGrad());
    head.r(z, batch, n, scale, rz, net.outputRGrad());
    Arrays.fill(out, 0, layout.size(), 0.0);
    net.rBackward(params, v, batch, out, n);
    if (l2 != 0.0) {
      net.penaltyR(v, out, l2);
    }
  }

  @Override
  public void updateBuffers(double[] params, Batch batch, double[] buffers) {
    if (bufferLayout.isEmpty()) {
      return;
    }
    int n = requireRows(batch);
    prepareInput(batch, n, null);
    net.forward(params, null, batch, n, true);
    net.updateRunningStatistics(buffers, n);
  }

  // ------------------------------------------------------------------ evaluation

  @Override
  public void predict(double[] params, double[] buffers, Batch batch, double[] out) {
    int n = requireRows(batch);
    prepareInput(batch, n, buffers);
    head.predict(net.forward(params, buffers, batch, n, false), n, out);
  }

  @Override
  public void predict(double[] params, double[] buffers, Example example, double[] out) {
    if (single == null) {
      single = new Batch(space, 1);
    }
    single.clear();
    single.add(example);
    predict(params, buffers, single, out);
  }

  @Override
  public double evalLoss(double[] params, double[] buffers, Batch batch) {
    int n = requireRows(batch);
    prepareInput(batch, n, buffers);
    double[] z = net.forward(params, buffers, batch, n, false);
    return head.lossAndGrad(z, batch, n, meanScale(batch, n), null);
  }

  // ------------------------------------------------------------------ per-sample gradients

  @Override
  public boolean hasPerSampleGradients() {
    return !spec.batchNorm() || nLayers == 1;
  }

  /**
   * Without batch norm the rows of every backward quantity are independent, and a dense layer's per-sample
   * weight gradient is the outer product g_i a_i^T, so ||dW_i||^2 = ||g_i||^2 ||a_i||^2 and ||db_i||^2 = ||g_i||^2.
   */
  @Override
  public void perSampleGradSquaredNorms(double[] params, Batch batch, double[] out) {
    if (!hasPerSampleGradients()) {
      throw new UnsupportedOperationException(
          "per-sample gradients are not defined with batch norm (the batch statistics couple the samples)");
    }
    int n = requireRows(batch);
    prepareInput(batch, n, null);
    double[] z = net.forward(params, null, batch, n, true);
    System.arraycopy(batch.weights(), 0, rowScale, 0, n);
    head.lossAndGrad(z, batch, n, rowScale, net.outputGrad());
    Arrays.fill(out, 0, n, 0.0);
    net.perSampleSquaredNorms(params, batch, out, n);
  }
}
