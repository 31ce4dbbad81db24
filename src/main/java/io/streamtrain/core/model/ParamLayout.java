package io.streamtrain.core.model;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The named groups of a flat parameter or buffer vector, contiguous and in torch's {@code parameters()} order,
 * so clipping, optimizers and snapshots see "all parameters" as torch does. Converts a flat vector to and from
 * the nested JSON-like form ({@code {"W1": [[...]], "b1": [...], "bias": 0.5}}) used by the trace interface and
 * for warm starts. Immutable.
 */
public final class ParamLayout {
  private final List<ParamGroup> groups;
  private final int size;

  public ParamLayout(List<ParamGroup> groups) {
    int off = 0;
    for (ParamGroup g : groups) {
      if (g.offset() != off) {
        throw new IllegalArgumentException("groups must be contiguous: " + g + " expected at offset " + off);
      }
      off = g.end();
    }
    this.groups = List.copyOf(groups);
    this.size = off;
  }

  public static final ParamLayout EMPTY = new ParamLayout(List.of());

  /** Builds a layout from (name, shape, role, layer) entries laid out one after another. */
  public static final class Builder {
    private final List<ParamGroup> groups = new ArrayList<>();
    private int off;

    public Builder add(String name, ParamGroup.Role role, int layer, int... shape) {
      ParamGroup g = new ParamGroup(name, off, shape, role, layer);
      groups.add(g);
      off = g.end();
      return this;
    }

    public ParamLayout build() {
      return new ParamLayout(groups);
    }
  }

  public List<ParamGroup> groups() {
    return Collections.unmodifiableList(groups);
  }

  /** Total number of elements. */
  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The group called {@code name}, or null. */
  public ParamGroup group(String name) {
    for (ParamGroup g : groups) {
      if (g.name().equals(name)) {
        return g;
      }
    }
    return null;
  }

  /** Nested form: scalars for shape [], lists for [n], lists of lists for [r, c]; key order is layout order. */
  public Map<String, Object> toNested(double[] flat) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (ParamGroup g : groups) {
      out.put(g.name(), nest(flat, g.offset(), g.shape(), 0));
    }
    return out;
  }

  private static Object nest(double[] flat, int off, int[] shape, int dim) {
    if (dim == shape.length) {
      return flat[off];
    }
    int stride = 1;
    for (int i = dim + 1; i < shape.length; i++) {
      stride *= shape[i];
    }
    List<Object> list = new ArrayList<>(shape[dim]);
    for (int i = 0; i < shape[dim]; i++) {
      list.add(nest(flat, off + i * stride, shape, dim + 1));
    }
    return list;
  }

  /**
   * Reads the nested form back into {@code flat}; every group must be present with its exact shape and no
   * other key may appear. Errors name the key (under {@code r.path()}), what was found and the expected shape.
   */
  public void fromNested(SpecReader r, double[] flat) {
    List<String> names = new ArrayList<>();
    for (ParamGroup g : groups) {
      names.add(g.name());
    }
    r.rejectUnknown(names);
    for (ParamGroup g : groups) {
      Object v = r.require(g.name());
      fill(r.key(g.name()), v, g.shape(), 0, flat, g.offset());
    }
  }

  private static void fill(String key, Object v, int[] shape, int dim, double[] flat, int off) {
    if (dim == shape.length) {
      if (v instanceof List) {
        throw new SpecException(key, "found " + JsonShape.describe(v) + "; expected shape " + JsonShape.format(shape));
      }
      flat[off] = SpecReader.toDouble(key, v);
      return;
    }
    if (!(v instanceof List<?> list) || list.size() != shape[dim]) {
      throw new SpecException(key, "found " + JsonShape.describe(v) + "; expected shape " + JsonShape.format(shape));
    }
    int stride = 1;
    for (int i = dim + 1; i < shape.length; i++) {
      stride *= shape[i];
    }
    for (int i = 0; i < shape[dim]; i++) {
      fill(key + "[" + i + "]", list.get(i), shape, dim + 1, flat, off + i * stride);
    }
  }

  /** True when both layouts have the same group names, shapes and order. */
  public boolean sameShapes(ParamLayout o) {
    if (o.groups.size() != groups.size()) {
      return false;
    }
    for (int i = 0; i < groups.size(); i++) {
      ParamGroup a = groups.get(i);
      ParamGroup b = o.groups.get(i);
      if (!a.name().equals(b.name()) || !java.util.Arrays.equals(a.shape(), b.shape())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParamLayout l && l.groups.equals(groups);
  }

  @Override
  public int hashCode() {
    return groups.hashCode();
  }

  @Override
  public String toString() {
    return groups.toString();
  }

  /** Small helpers to describe a JSON value's shape in error messages. */
  static final class JsonShape {
    private JsonShape() {}

    static String format(int[] shape) {
      return shape.length == 0 ? "[] (a number)" : java.util.Arrays.toString(shape);
    }

    static String describe(Object v) {
      if (v instanceof List<?> l) {
        return "an array of length " + l.size();
      }
      return v instanceof Number ? "a number" : String.valueOf(v);
    }
  }
}
