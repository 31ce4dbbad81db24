package io.streamtrain.core.data;

import java.util.Arrays;

/**
 * One training sample as the core sees it, before vectorization: model id, event time, a dense value block,
 * sparse index/value pairs, named categorical fields (name, string value) and named numeric fields (name,
 * value) that a {@link io.streamtrain.core.feature.FeatureSpace} hashes into its feature space, a label (a real
 * value, 0/1 for binary models, or a class index for softmax) and a sample weight (default 1). Instances are
 * mutable and meant to be reused: a decoder calls {@link #clear()} and refills the same object, and the backing
 * arrays only grow (so steady-state decoding allocates nothing). Strings are held by reference, not copied. Not
 * thread-safe.
 */
public final class Example {
  private static final double[] NO_DOUBLES = new double[0];
  private static final int[] NO_INTS = new int[0];
  private static final String[] NO_STRINGS = new String[0];

  private String modelId = "";
  private long eventTime;

  private double[] dense = NO_DOUBLES;
  private int denseLength;

  private int[] sparseIndex = NO_INTS;
  private double[] sparseValue = NO_DOUBLES;
  private int sparseLength;

  private String[] categoricalName = NO_STRINGS;
  private String[] categoricalValue = NO_STRINGS;
  private int categoricalLength;

  private String[] numericName = NO_STRINGS;
  private double[] numericValue = NO_DOUBLES;
  private int numericLength;

  private double label;
  private double weight = 1.0;

  public Example() {}

  /** A dense example (model id "", event time 0, weight 1), handy in tests and tools. */
  public static Example dense(double[] x, double label) {
    Example e = new Example();
    e.setDense(x, x.length);
    e.setLabel(label);
    return e;
  }

  /** Empties all features, resets label to 0 and weight to 1; keeps the arrays for reuse. */
  public Example clear() {
    modelId = "";
    eventTime = 0L;
    denseLength = 0;
    sparseLength = 0;
    categoricalLength = 0;
    numericLength = 0;
    label = 0.0;
    weight = 1.0;
    return this;
  }

  /** Makes this a deep copy of {@code other} (arrays copied into this instance's own, grown if needed). */
  public Example copyFrom(Example other) {
    modelId = other.modelId;
    eventTime = other.eventTime;
    setDense(other.dense, other.denseLength);
    sparseLength = 0;
    ensureSparseCapacity(other.sparseLength);
    System.arraycopy(other.sparseIndex, 0, sparseIndex, 0, other.sparseLength);
    System.arraycopy(other.sparseValue, 0, sparseValue, 0, other.sparseLength);
    sparseLength = other.sparseLength;
    categoricalLength = 0;
    ensureCategoricalCapacity(other.categoricalLength);
    System.arraycopy(other.categoricalName, 0, categoricalName, 0, other.categoricalLength);
    System.arraycopy(other.categoricalValue, 0, categoricalValue, 0, other.categoricalLength);
    categoricalLength = other.categoricalLength;
    numericLength = 0;
    ensureNumericCapacity(other.numericLength);
    System.arraycopy(other.numericName, 0, numericName, 0, other.numericLength);
    System.arraycopy(other.numericValue, 0, numericValue, 0, other.numericLength);
    numericLength = other.numericLength;
    label = other.label;
    weight = other.weight;
    return this;
  }

  // ---- identity and target

  public String modelId() {
    return modelId;
  }

  public Example setModelId(String modelId) {
    this.modelId = modelId;
    return this;
  }

  public long eventTime() {
    return eventTime;
  }

  public Example setEventTime(long eventTime) {
    this.eventTime = eventTime;
    return this;
  }

  public double label() {
    return label;
  }

  public Example setLabel(double label) {
    this.label = label;
    return this;
  }

  public double weight() {
    return weight;
  }

  public Example setWeight(double weight) {
    this.weight = weight;
    return this;
  }

  // ---- dense block

  public int denseLength() {
    return denseLength;
  }

  public double denseValue(int i) {
    return dense[i];
  }

  /** The backing array; only the first {@link #denseLength()} entries are meaningful. */
  public double[] denseValues() {
    return dense;
  }

  /** Copies {@code length} values from {@code src} into the dense block. */
  public Example setDense(double[] src, int length) {
    ensureDenseCapacity(length);
    System.arraycopy(src, 0, dense, 0, length);
    denseLength = length;
    return this;
  }

  /** Grows the dense array to hold at least {@code n} values and returns it, for a decoder to fill in place. */
  public double[] ensureDenseCapacity(int n) {
    if (dense.length < n) {
      dense = Arrays.copyOf(dense, Math.max(n, 2 * dense.length));
    }
    return dense;
  }

  /** Sets the dense length after filling {@link #ensureDenseCapacity} in place. */
  public Example setDenseLength(int n) {
    if (n < 0 || n > dense.length) {
      throw new IllegalArgumentException("dense length " + n + " outside [0, " + dense.length + "]");
    }
    denseLength = n;
    return this;
  }

  public Example addDense(double v) {
    ensureDenseCapacity(denseLength + 1);
    dense[denseLength++] = v;
    return this;
  }

  // ---- sparse pairs

  public int sparseLength() {
    return sparseLength;
  }

  public int sparseIndex(int i) {
    return sparseIndex[i];
  }

  public double sparseValue(int i) {
    return sparseValue[i];
  }

  public Example addSparse(int index, double value) {
    ensureSparseCapacity(sparseLength + 1);
    sparseIndex[sparseLength] = index;
    sparseValue[sparseLength] = value;
    sparseLength++;
    return this;
  }

  private void ensureSparseCapacity(int n) {
    if (sparseIndex.length < n) {
      int cap = Math.max(n, 2 * sparseIndex.length);
      sparseIndex = Arrays.copyOf(sparseIndex, cap);
      sparseValue = Arrays.copyOf(sparseValue, cap);
    }
  }

  // ---- named categorical fields (hashed as "name=value")

  public int categoricalLength() {
    return categoricalLength;
  }

  public String categoricalName(int i) {
    return categoricalName[i];
  }

  public String categoricalValue(int i) {
    return categoricalValue[i];
  }

  public Example addCategorical(String name, String value) {
    ensureCategoricalCapacity(categoricalLength + 1);
    categoricalName[categoricalLength] = name;
    categoricalValue[categoricalLength] = value;
    categoricalLength++;
    return this;
  }

  private void ensureCategoricalCapacity(int n) {
    if (categoricalName.length < n) {
      int cap = Math.max(n, 2 * categoricalName.length);
      categoricalName = Arrays.copyOf(categoricalName, cap);
      categoricalValue = Arrays.copyOf(categoricalValue, cap);
    }
  }

  // ---- named numeric fields (hashed by name, value kept)

  public int numericLength() {
    return numericLength;
  }

  public String numericName(int i) {
    return numericName[i];
  }

  public double numericValue(int i) {
    return numericValue[i];
  }

  public Example addNumeric(String name, double value) {
    ensureNumericCapacity(numericLength + 1);
    numericName[numericLength] = name;
    numericValue[numericLength] = value;
    numericLength++;
    return this;
  }

  private void ensureNumericCapacity(int n) {
    if (numericName.length < n) {
      int cap = Math.max(n, 2 * numericName.length);
      numericName = Arrays.copyOf(numericName, cap);
      numericValue = Arrays.copyOf(numericValue, cap);
    }
  }

  /** True when the example carries no feature at all (no dense value, sparse pair or named field). */
  public boolean hasNoFeatures() {
    return denseLength == 0 && sparseLength == 0 && categoricalLength == 0 && numericLength == 0;
  }

  @Override
  public String toString() {
    return "Example{model=" + modelId + ", t=" + eventTime + ", dense=" + denseLength + ", sparse=" + sparseLength
        + ", cat=" + categoricalLength + ", num=" + numericLength + ", label=" + label + ", weight=" + weight + "}";
  }
}
