package io.streamtrain.core.model.layer;

import io.streamtrain.core.data.Batch;

/**
 * One stage of a {@link Sequential} model over a batch of n rows, row-major {@code n x width()} activations. A
 * layer reads its parameters at fixed offsets of the model's flat parameter vector {@code p} (and, for batch norm,
 * of the buffer vector), keeps its outputs and the statistics its backward pass needs in its own scratch, and
 * implements three passes:
 * <ul>
 *   <li>forward: {@code out = f(p, in)}; training mode uses batch statistics and dropout masks;
 *   <li>backward: given {@code d = dL/dout}, adds {@code dL/dp} into {@code grad} (when not null) and writes
 *       {@code dL/din} (into {@code d} itself for {@link #inPlace} layers);
 *   <li>R-op (Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 1994):
 *       {@link #rForward} computes {@code R{out} = d/dr f(p + r v, in + r R{in})} at r = 0, and {@link #rBackward}
 *       the R-image of the backward pass, adding {@code R{dL/dp}} into the Hessian-vector product.
 * </ul>
 * The first layer reads the batch itself ({@code in == null}): its input is data, so {@code R{in} = 0} and no
 * input gradient is formed. Backward and R passes use what the last training-mode forward (and rForward) left in
 * the scratch. Scratch grows to the largest batch seen; R scratch is allocated by the first {@link #rForward}.
 */
public interface Layer {

  /** Values per row of this layer's output. */
  int width();

  /** True when backward turns {@code d} into the input gradient in place (everything but {@link Dense}). */
  boolean inPlace();

  /** Grows the forward and backward scratch to {@code n} rows. */
  void ensureCapacity(int n);

  /** Grows the R-operator scratch to {@code n} rows (allocating it the first time). */
  void ensureRCapacity(int n);

  /** The last forward output (row-major, at least n x width). */
  double[] out();

  /** The last R-forward output. */
  double[] rOut();

  void forward(double[] p, double[] buffers, Batch b, double[] in, int n, boolean training);

  /**
   * dL/dout in {@code d} to dL/din in {@code dIn} ({@code d} itself for in-place layers; null skips it), adding the
   * parameter gradients into {@code grad} (null skips them).
   */
  void backward(double[] p, Batch b, double[] in, double[] d, double[] dIn, double[] grad, int n);

  void rForward(double[] p, double[] v, Batch b, double[] in, double[] rIn, int n);

  /**
   * The R-image of {@link #backward}: from d = dL/dout and rd = R{dL/dout}, writes dL/din and R{dL/din} (in place
   * for in-place layers; skipped when {@code dIn} is null) and adds R{dL/dp} into {@code hv}.
   */
  void rBackward(double[] p, double[] v, Batch b, double[] in, double[] rIn, double[] d, double[] rd, double[] dIn,
      double[] rdIn, double[] hv, int n);
}
