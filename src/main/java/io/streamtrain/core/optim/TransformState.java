package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The mutable state of one {@link GradientTransform} over a flat parameter vector of {@link #size()} elements:
 * primitive arrays updated in place plus a few scalars (step count, bias corrections, a mutable learning rate
 * or momentum). A step runs in two phases so that a {@link Chain} can fuse all element-wise transforms block by
 * block: {@link #prepare()} once per step (scalar bookkeeping), then {@link #apply} over consecutive index
 * ranges. A global transform (clipping by the global norm) additionally sees every range through {@link
 * #accumulate} in the pass before its own, and decides its scalar in {@link #finishReduction()}.
 */
public interface TransformState {
  /** Number of parameters this state was created for. */
  int size();

  /** A stable name of the transform and of its structural options; written into serialized state. */
  String kind();

  /** True for transforms that need a reduction over all gradients before they can apply (global norm). */
  default boolean isGlobal() {
    return false;
  }

  /** Per-step scalar bookkeeping, called once per step before the pass in which this state takes part. */
  void prepare();

  /**
   * Turns gradients {@code g[from, to)} into updates in place. Transforms that act on parameters (decoupled
   * weight decay) may also change {@code p[from, to)}; all others only read it.
   */
  void apply(double[] g, double[] p, int from, int to);

  /** Global transforms only: folds {@code g[from, to)} (as produced by the preceding transforms) in. */
  default void accumulate(double[] g, int from, int to) {
    throw new UnsupportedOperationException(kind() + " is not a global transform");
  }

  /**
   * Global transforms only: completes the reduction of this step. Returns false when the reduction is not
   * finite; the transform then leaves the gradients unscaled, and a chain that starts with it skips the step.
   */
  default boolean finishReduction() {
    return true;
  }

  /**
   * The sparse form of {@link #apply}: {@code g[0, nnz)} holds the gradient entries of the distinct coordinates
   * {@code idx[0, nnz)}; every other coordinate's gradient is zero. Implemented by the transforms whose
   * configuration says {@link GradientTransform#sparseExact()}: for them a zero gradient leaves a coordinate's
   * update at exactly zero and its state untouched, so this equals {@link #apply} over the whole vector.
   */
  default void applySparse(double[] g, double[] p, int[] idx, int nnz) {
    throw new UnsupportedOperationException(kind() + " has no sparse form");
  }

  /** Global transforms only: the sparse form of {@link #accumulate} (entries as in {@link #applySparse}). */
  default void accumulateSparse(double[] g, int[] idx, int nnz) {
    throw new UnsupportedOperationException(kind() + " has no sparse form");
  }

  /** Writes the mutable state (scalars and arrays, not the immutable configuration). */
  void write(DataOutput out) throws IOException;

  /** Reads what {@link #write} wrote, into this state, checking its structure. */
  void read(DataInput in) throws IOException;
}
