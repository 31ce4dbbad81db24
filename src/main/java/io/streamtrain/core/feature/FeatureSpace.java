package io.streamtrain.core.feature;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;

/**
 * The input a model declares: a dense block of {@code dense} values, sparse index/value pairs with indices in
 * [0, {@code sparse}), and named fields hashed into 2^{@code hashBits} slots, plus the kind of label it accepts.
 * The model's input vector concatenates the three: columns [0, dense) are the dense block, [dense, dense+sparse)
 * the sparse indices, and [dense+sparse, dense+sparse+2^hashBits) the hashed slots.
 *
 * <p>Hashing follows Weinberger et al., "Feature Hashing for Large Scale Multitask Learning" (ICML 2009): one
 * hash picks the slot, an independent one picks the sign, so collisions cancel in expectation instead of adding
 * a bias. The key of a categorical field is the UTF-8 string {@code name + "=" + value} with value 1; the key of
 * a numeric field is its {@code name}, with its value. Slot = MurmurHash3_x86_32(key, seed 0) mod 2^hashBits
 * (the low bits of the unsigned hash); sign = +1 when MurmurHash3_x86_32(key, seed 1) has its top bit clear,
 * else -1. In Python: {@code mmh3.hash(key, 0, signed=False) & (2**bits - 1)} and
 * {@code 1 if mmh3.hash(key, 1, signed=False) < 2**31 else -1}. Immutable and thread-safe.
 */
public final class FeatureSpace {
  /** Largest hashed space: 2^30 slots keeps every input column index inside an int. */
  public static final int MAX_HASH_BITS = 30;

  /**
   * Largest accepted magnitude of a feature value or a label: beyond it, squares and products in the loss and
   * its gradient overflow double precision (1e100 squared is 1e200; 1e300 squared is infinite).
   */
  public static final double MAX_ABS_VALUE = 1e100;

  public static final int INDEX_SEED = 0;
  public static final int SIGN_SEED = 1;

  private final int dense;
  private final int sparse;
  private final int hashBits;
  private final Target target;
  private final int classes;

  private FeatureSpace(int dense, int sparse, int hashBits, Target target, int classes) {
    if (dense < 0 || sparse < 0 || hashBits < 0 || hashBits > MAX_HASH_BITS) {
      throw new IllegalArgumentException(
          "bad feature space: dense=" + dense + ", sparse=" + sparse + ", hash_bits=" + hashBits);
    }
    if ((long) dense + sparse + (hashBits > 0 ? 1L << hashBits : 0L) > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("feature space too large: dense + sparse + 2^hash_bits must fit an int");
    }
    if (target == Target.CLASSES && classes < 2) {
      throw new IllegalArgumentException("a class target needs at least 2 classes, got " + classes);
    }
    this.dense = dense;
    this.sparse = sparse;
    this.hashBits = hashBits;
    this.target = target;
    this.classes = target == Target.CLASSES ? classes : (target == Target.BINARY ? 2 : 0);
  }

  /** A space of {@code dense} dense features with a real-valued label. */
  public static FeatureSpace dense(int dense) {
    return new FeatureSpace(dense, 0, 0, Target.REAL, 0);
  }

  public static FeatureSpace of(int dense, int sparse, int hashBits) {
    return new FeatureSpace(dense, sparse, hashBits, Target.REAL, 0);
  }

  /** This space with labels restricted to {@code target} ({@code classes} is used for {@link Target#CLASSES}). */
  public FeatureSpace withTarget(Target target, int classes) {
    return new FeatureSpace(dense, sparse, hashBits, target, classes);
  }

  /** The {@code features} section's keys. */
  static final class Spec {
    private Spec() {}

    static final ConfigDef FEATURES = new ConfigDef();
    static final Key<Integer> DENSE = FEATURES.define("dense", Types.INT, 0,
        Validators.intRange(0, Integer.MAX_VALUE - 8), "");
    static final Key<Integer> SPARSE = FEATURES.define("sparse", Types.INT, 0,
        Validators.intRange(0, Integer.MAX_VALUE - 8), "");
    static final Key<Integer> HASH_BITS = FEATURES.define("hash_bits", Types.INT, 0,
        Validators.intRange(0, MAX_HASH_BITS), "");
  }

  /**
   * Parses {@code {"dense": D, "sparse": S, "hash_bits": b}} (all optional, default 0). The label kind comes
   * from the model, not from this object; it is set with {@link #withTarget}.
   */
  public static FeatureSpace fromSpec(SpecReader r) {
    ConfigValues v = Spec.FEATURES.parse(r);
    int d = v.get(Spec.DENSE);
    int s = v.get(Spec.SPARSE);
    int b = v.get(Spec.HASH_BITS);
    if ((long) d + s + (b > 0 ? 1L << b : 0L) > Integer.MAX_VALUE - 8) {
      throw new SpecException(r.path(), "dense + sparse + 2^hash_bits must stay below 2^31, got dense=" + d
          + ", sparse=" + s + ", hash_bits=" + b);
    }
    if (d + s + b == 0) {
      throw new SpecException(r.path(), "declares no input; allowed: at least one of dense > 0, sparse > 0, "
          + "hash_bits > 0");
    }
    return of(d, s, b);
  }

  public int denseDim() {
    return dense;
  }

  public int sparseDim() {
    return sparse;
  }

  public int hashBits() {
    return hashBits;
  }

  public int hashSize() {
    return hashBits > 0 ? 1 << hashBits : 0;
  }

  /** Total input width: dense + sparse + 2^hashBits (0 slots when hashing is off). */
  public int inputDim() {
    return dense + sparse + hashSize();
  }

  /** First input column of the sparse indices. */
  public int sparseOffset() {
    return dense;
  }

  /** First input column of the hashed slots. */
  public int hashOffset() {
    return dense + sparse;
  }

  public Target target() {
    return target;
  }

  /** K for {@link Target#CLASSES}, 2 for binary, 0 for real labels. */
  public int classes() {
    return classes;
  }

  /** True when some column may be filled from sparse pairs or hashed fields (the batch then keeps a CSR part). */
  public boolean hasSparsePart() {
    return sparse > 0 || hashBits > 0;
  }

  /** Input column of a named field (categorical when {@code value != null}), offset included. */
  public int hashedColumn(String name, String value) {
    return hashOffset() + slot(MurmurHash3.hashUtf8(name, value, INDEX_SEED, SIGN_SEED));
  }

  /** The sign (+1 or -1) applied to a named field's value. */
  public double hashedSign(String name, String value) {
    return sign(MurmurHash3.hashUtf8(name, value, INDEX_SEED, SIGN_SEED));
  }

  /** Slot in [0, 2^hashBits) from the packed pair returned by {@link MurmurHash3#hashUtf8}. */
  public int slot(long packedHashes) {
    return (int) (packedHashes >>> 32) & (hashSize() - 1);
  }

  /** Sign from the packed pair returned by {@link MurmurHash3#hashUtf8}. */
  public static double sign(long packedHashes) {
    return ((int) packedHashes) >= 0 ? 1.0 : -1.0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureSpace f
        && f.dense == dense
        && f.sparse == sparse
        && f.hashBits == hashBits
        && f.target == target
        && f.classes == classes;
  }

  @Override
  public int hashCode() {
    return ((dense * 31 + sparse) * 31 + hashBits) * 31 + target.ordinal() * 7 + classes;
  }

  @Override
  public String toString() {
    return "FeatureSpace{dense=" + dense + ", sparse=" + sparse + ", hash_bits=" + hashBits + ", target=" + target
        + (target == Target.CLASSES ? "(" + classes + ")" : "") + "}";
  }
}
