package io.streamtrain.core.optim;

/**
 * A validated optimizer configuration not yet bound to a parameter count: the torch preset name, its chain,
 * and an optional clipping stage that {@link #create(int[])} puts in front once the parameter split is known.
 */
public record OptimizerSpec(String type, Chain chain, Clipping clipping) {
  /** True when a step on a sparse gradient is exact for this optimizer, clipping included. */
  public boolean sparseExact() {
    return chain.sparseExact() && (clipping == null || clipping.transform(null).sparseExact());
  }

  public OptimizerSpec withClipping(Clipping clipping) {
    return new OptimizerSpec(type, chain, clipping);
  }

  /** An optimizer for {@code n} parameters; the clipping stage (if any) sees them as one tensor. */
  public Optimizer create(int n) {
    return new Optimizer(type, clipping == null ? chain : chain.after(clipping.transform(null)), n);
  }

  /** An optimizer for parameter tensors of the given sizes, flattened into one vector in this order. */
  public Optimizer create(int[] paramSplit) {
    int n = 0;
    for (int s : paramSplit) {
      if (s < 0) {
        throw new IllegalArgumentException("param_split: sizes must be >= 0, got " + s);
      }
      n = Math.addExact(n, s);
    }
    return new Optimizer(type, clipping == null ? chain : chain.after(clipping.transform(paramSplit)), n);
  }
}
