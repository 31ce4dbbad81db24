package io.streamtrain.core.data;

import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
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
  /**
   * Named fields already hashed ({@link #hashNamedFields}): slots in [0, 2^hashedBits) and signed values, in the
   * order the named fields had (categorical, then numeric). An example carries either named fields or these.
   */
  private int[] hashedSlot = new int[0];
  private double[] hashedValue = NO_DOUBLES;
  private int hashedLength;
  private int hashedBits;

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
    hashedLength = 0;
    hashedBits = 0;
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
    hashedLength = 0;
    ensureHashedCapacity(other.hashedLength);
    System.arraycopy(other.hashedSlot, 0, hashedSlot, 0, other.hashedLength);
    System.arraycopy(other.hashedValue, 0, hashedValue, 0, other.hashedLength);
    hashedLength = other.hashedLength;
    hashedBits = other.hashedBits;
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

  /** The backing array of the named numeric values; only the first {@link #numericLength()} are meaningful. */
  public double[] numericValues() {
    return numericValue;
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
    return denseLength == 0 && sparseLength == 0 && categoricalLength == 0 && numericLength == 0
        && hashedLength == 0;
  }

  // ---- named fields, hashed

  public int hashedLength() {
    return hashedLength;
  }

  /** The hash width the slots were computed for (0 when there are none). */
  public int hashedBits() {
    return hashedBits;
  }

  public int hashedSlot(int i) {
    return hashedSlot[i];
  }

  public double hashedValue(int i) {
    return hashedValue[i];
  }

  /** Appends a hashed field: {@code slot} in [0, 2^bits), the value already signed. */
  public Example addHashed(int slot, double value, int bits) {
    if (hashedLength > 0 && bits != hashedBits) {
      throw new IllegalArgumentException("hashed slots of " + bits + " bits after slots of " + hashedBits);
    }
    ensureHashedCapacity(hashedLength + 1);
    hashedSlot[hashedLength] = slot;
    hashedValue[hashedLength] = value;
    hashedLength++;
    hashedBits = bits;
    return this;
  }

  /**
   * Replaces the named fields by their hashed form in {@code space} (its MurmurHash3 slot and sign, the same
   * entries {@link Batch#add} would compute, in the same order), so the strings need not travel further: a pipeline
   * hashes once, where samples are decoded, instead of in the trainer. No-op without named fields.
   */
  public Example hashNamedFields(FeatureSpace space, MurmurHash3.Utf8Hasher hasher) {
    int nc = categoricalLength;
    int nn = numericLength;
    if (nc + nn == 0) {
      return this;
    }
    int bits = space.hashBits();
    if (bits == 0) {
      throw new IllegalArgumentException("named fields given but the feature space has no hashed part");
    }
    ensureHashedCapacity(hashedLength + nc + nn);
    for (int i = 0; i < nc; i++) {
      long h = hasher.hash(categoricalName[i], categoricalValue[i], FeatureSpace.INDEX_SEED, FeatureSpace.SIGN_SEED);
      addHashed(space.slot(h), FeatureSpace.sign(h), bits);
    }
    for (int i = 0; i < nn; i++) {
      long h = hasher.hash(numericName[i], null, FeatureSpace.INDEX_SEED, FeatureSpace.SIGN_SEED);
      addHashed(space.slot(h), FeatureSpace.sign(h) * numericValue[i], bits);
    }
    categoricalLength = 0;
    numericLength = 0;
    return this;
  }

  private void ensureHashedCapacity(int n) {
    if (hashedSlot.length < n) {
      int cap = Math.max(n, Math.max(8, 2 * hashedSlot.length));
      hashedSlot = Arrays.copyOf(hashedSlot, cap);
      hashedValue = Arrays.copyOf(hashedValue, cap);
    }
  }

  @Override
  public String toString() {
    return "Example{model=" + modelId + ", t=" + eventTime + ", dense=" + denseLength + ", sparse=" + sparseLength
        + ", cat=" + categoricalLength + ", num=" + numericLength + ", label=" + label + ", weight=" + weight + "}";
  }
}
