package io.streamtrain.core.model;

import java.util.Arrays;

/**
 * One named tensor inside a flat parameter (or buffer) vector: its name (e.g. {@code "W1"}), offset, shape in
 * torch order (a weight is {@code [out, in]}, a bias {@code [out]}, a scalar {@code []}), role, and the 1-based
 * layer it belongs to (0 for single-layer models' groups, which are all layer 1 as well). Elements are stored
 * row-major, as {@code torch.Tensor.flatten()} orders them.
 */
public record ParamGroup(String name, int offset, int[] shape, Role role, int layer) {

  /** What a group is; decides penalties (only {@link #WEIGHT} is penalized) and initialization. */
  public enum Role {
    WEIGHT,
    BIAS,
    BN_SCALE,
    BN_SHIFT,
    RUNNING_MEAN,
    RUNNING_VAR,
    /** {@link InputScaling}'s statistics: count, means, sums of squared deviations. */
    INPUT_SCALING
  }

  public ParamGroup {
    shape = shape.clone();
  }

  /** Number of elements (1 for a scalar). */
  public int size() {
    int n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public int end() {
    return offset + size();
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public int dim(int i) {
    return shape[i];
  }

  public boolean penalized() {
    return role == Role.WEIGHT;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParamGroup g
        && g.name.equals(name)
        && g.offset == offset
        && Arrays.equals(g.shape, shape)
        && g.role == role
        && g.layer == layer;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape) + "@" + offset;
  }
}
