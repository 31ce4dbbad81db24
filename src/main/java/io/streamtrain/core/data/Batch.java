package io.streamtrain.core.data;

import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import java.util.Arrays;

/**
 * A reusable mini-batch in the compact primitive form the models compute on. {@link #add(Example)} vectorizes
 * one example through the {@link FeatureSpace}: its dense block goes into a row-major {@code size x denseDim}
 * block, its sparse pairs and hashed named fields into one CSR structure whose column indices are input columns
 * (offset by the dense dimension, see {@link FeatureSpace}). Within a row the CSR entries keep the order the
 * example gives them and duplicates (hash collisions inside one sample) are summed into the first, so each row is a
 * proper sparse vector. Labels
 * and weights sit in their own arrays. {@link #clear()} keeps every array, so a batch refilled with rows of
 * similar shape allocates nothing. Not thread-safe.
 */
public final class Batch {
  private final FeatureSpace space;
  private final int capacity;
  private final int denseDim;
  private final double[] dense;
  private final double[] labels;
  private final double[] weights;
  private final int[] rowPtr;
  private int[] colIdx;
  private double[] colVal;
  private int size;
  private final MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
  /** Scratch of {@link #mergeDuplicates}: row position per slot, -1 when empty. */
  private int[] rowTable = new int[0];
  /** Scratch of {@link #mayHaveDuplicates}: 4096 bits, all zero between rows. */
  private final long[] rowBits = new long[64];

  public Batch(FeatureSpace space, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("batch capacity must be >= 1, got " + capacity);
    }
    this.space = space;
    this.capacity = capacity;
    this.denseDim = space.denseDim();
    this.dense = new double[Math.multiplyExact(capacity, denseDim)];
    this.labels = new double[capacity];
    this.weights = new double[capacity];
    this.rowPtr = new int[capacity + 1];
    int guess = space.hasSparsePart() ? capacity * 8 : 0;
    this.colIdx = new int[guess];
    this.colVal = new double[guess];
  }

  public FeatureSpace space() {
    return space;
  }

  public int capacity() {
    return capacity;
  }

  public int size() {
    return size;
  }

  public boolean isFull() {
    return size == capacity;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  public void clear() {
    size = 0;
  }

  /**
   * Clears this batch and fills it with up to {@code n} samples drawn from {@code shuffle} ({@link ShuffleBuffer#draw}),
   * in draw order; returns how many were drawn.
   */
  public int drawFrom(ShuffleBuffer<Example> shuffle, int n) {
    int k = shuffle.draw(n);
    int from = shuffle.size();
    clear();
    for (int i = 0; i < k; i++) {
      add(shuffle.slot(from + i));
    }
    return k;
  }

  /**
   * Appends one example, which must have passed {@link Validation#check} (this method only re-checks what
   * would corrupt memory: the dense length and the sparse index range).
   */
  public void add(Example e) {
    if (size == capacity) {
      throw new IllegalStateException("batch is full (capacity " + capacity + ")");
    }
    if (e.denseLength() != denseDim) {
      throw new IllegalArgumentException("dense length " + e.denseLength() + " != " + denseDim);
    }
    System.arraycopy(e.denseValues(), 0, dense, size * denseDim, denseDim);
    int start = rowPtr[size];
    int extra = e.sparseLength() + e.categoricalLength() + e.numericLength() + e.hashedLength();
    if (extra > 0) {
      ensureNnz(start + extra);
      int p = start;
      int off = space.sparseOffset();
      int sparseDim = space.sparseDim();
      for (int i = 0; i < e.sparseLength(); i++) {
        int idx = e.sparseIndex(i);
        if (idx < 0 || idx >= sparseDim) {
          throw new IllegalArgumentException("sparse index " + idx + " outside [0, " + sparseDim + ")");
        }
        colIdx[p] = off + idx;
        colVal[p++] = e.sparseValue(i);
      }
      if (e.categoricalLength() + e.numericLength() > 0 && space.hashBits() == 0) {
        throw new IllegalArgumentException("named fields given but the feature space has no hashed part");
      }
      int hoff = space.hashOffset();
      for (int i = 0; i < e.categoricalLength(); i++) {
        long h = hasher.hash(
            e.categoricalName(i), e.categoricalValue(i), FeatureSpace.INDEX_SEED, FeatureSpace.SIGN_SEED);
        colIdx[p] = hoff + space.slot(h);
        colVal[p++] = FeatureSpace.sign(h);
      }
      for (int i = 0; i < e.numericLength(); i++) {
        long h = hasher.hash(e.numericName(i), null, FeatureSpace.INDEX_SEED, FeatureSpace.SIGN_SEED);
        colIdx[p] = hoff + space.slot(h);
        colVal[p++] = FeatureSpace.sign(h) * e.numericValue(i);
      }
      int nh = e.hashedLength();
      if (nh > 0 && e.hashedBits() != space.hashBits()) {
        throw new IllegalArgumentException("fields hashed into " + e.hashedBits() + " bits, the feature space has "
            + space.hashBits());
      }
      for (int i = 0; i < nh; i++) {
        colIdx[p] = hoff + e.hashedSlot(i);
        colVal[p++] = e.hashedValue(i);
      }
      rowPtr[size + 1] = mergeDuplicates(start, p);
    } else {
      rowPtr[size + 1] = start;
    }
    labels[size] = e.label();
    weights[size] = e.weight();
    size++;
  }

  /** Appends a dense row (the feature space must be dense only) with its label and weight. */
  public void addDense(double[] x, int offset, double label, double weight) {
    if (size == capacity) {
      throw new IllegalStateException("batch is full (capacity " + capacity + ")");
    }
    System.arraycopy(x, offset, dense, size * denseDim, denseDim);
    rowPtr[size + 1] = rowPtr[size];
    labels[size] = label;
    weights[size] = weight;
    size++;
  }

  /**
   * Appends a copy of row {@code i} of {@code src} (same feature space): its dense values, sparse entries, label
   * and weight. Used to keep samples (the diagnostics' reservoir) without going back to the examples.
   */
  public void addRowFrom(Batch src, int i) {
    if (size == capacity) {
      throw new IllegalStateException("batch is full (capacity " + capacity + ")");
    }
    if (src.denseDim != denseDim) {
      throw new IllegalArgumentException("dense width " + src.denseDim + " != " + denseDim);
    }
    System.arraycopy(src.dense, i * denseDim, dense, size * denseDim, denseDim);
    int from = src.rowPtr[i];
    int len = src.rowPtr[i + 1] - from;
    int start = rowPtr[size];
    if (len > 0) {
      ensureNnz(start + len);
      System.arraycopy(src.colIdx, from, colIdx, start, len);
      System.arraycopy(src.colVal, from, colVal, start, len);
    }
    rowPtr[size + 1] = start + len;
    labels[size] = src.labels[i];
    weights[size] = src.weights[i];
    size++;
  }

  /**
   * Writes row {@code i} (dense values, sparse entries, label, weight) in the form {@link #readRow} appends, so
   * kept samples (the diagnostics' reservoir) can be checkpointed exactly.
   */
  public void writeRow(java.io.DataOutput out, int i) throws java.io.IOException {
    for (int k = 0; k < denseDim; k++) {
      out.writeDouble(dense[i * denseDim + k]);
    }
    int from = rowPtr[i];
    int len = rowPtr[i + 1] - from;
    out.writeInt(len);
    for (int k = 0; k < len; k++) {
      out.writeInt(colIdx[from + k]);
      out.writeDouble(colVal[from + k]);
    }
    out.writeDouble(labels[i]);
    out.writeDouble(weights[i]);
  }

  /** Appends a row written by {@link #writeRow} (same feature space). */
  public void readRow(java.io.DataInput in) throws java.io.IOException {
    if (size == capacity) {
      throw new IllegalStateException("batch is full (capacity " + capacity + ")");
    }
    for (int k = 0; k < denseDim; k++) {
      dense[size * denseDim + k] = in.readDouble();
    }
    int len = in.readInt();
    if (len < 0) {
      throw new java.io.IOException("row with " + len + " sparse entries");
    }
    int start = rowPtr[size];
    ensureNnz(start + len);
    for (int k = 0; k < len; k++) {
      colIdx[start + k] = in.readInt();
      colVal[start + k] = in.readDouble();
    }
    rowPtr[size + 1] = start + len;
    labels[size] = in.readDouble();
    weights[size] = in.readDouble();
    size++;
  }

  /**
   * Merges duplicate columns of one row (hash collisions inside a sample) into their first occurrence, keeping
   * first-appearance order; returns the new end. A small open-addressing table of the row's columns (cleared
   * through the row itself) makes it O(row length), where sorting a 20-field row cost more than training on it.
   */
  private int mergeDuplicates(int from, int to) {
    int len = to - from;
    if (len < 2 || !mayHaveDuplicates(from, to)) {
      return to;
    }
    int want = Integer.highestOneBit(len * 2 - 1) << 1;
    if (rowTable.length < want) {
      rowTable = new int[want];
      Arrays.fill(rowTable, -1);
    }
    int mask = want - 1;
    int w = from;
    for (int i = from; i < to; i++) {
      int c = colIdx[i];
      int h = (c * 0x9E3779B9) >>> 16 & mask;
      while (true) {
        int at = rowTable[h];
        if (at < 0) {
          rowTable[h] = w;
          colIdx[w] = c;
          colVal[w] = colVal[i];
          w++;
          break;
        }
        if (colIdx[at] == c) {
          colVal[at] += colVal[i];
          break;
        }
        h = (h + 1) & mask;
      }
    }
    // Clear exactly the slots this row used (each kept column sits where the probe for it ends).
    for (int i = from; i < w; i++) {
      int h = (colIdx[i] * 0x9E3779B9) >>> 16 & mask;
      while (rowTable[h] != i) {
        h = (h + 1) & mask;
      }
      rowTable[h] = -1;
    }
    return w;
  }

  /**
   * A filter before the merge: each column sets one bit of a 4096-bit map; a row whose columns all set distinct
   * bits has no duplicates (the common case: 20 hashed fields collide in a 2^18-slot space about once in 1300
   * rows), and only a row with a shared bit pays for the exact merge. The map is cleared through the row.
   */
  private boolean mayHaveDuplicates(int from, int to) {
    long[] bits = rowBits;
    boolean shared = false;
    for (int i = from; i < to; i++) {
      int h = (colIdx[i] * 0x9E3779B9) >>> 20;
      long m = 1L << h;
      int w = h >>> 6;
      shared |= (bits[w] & m) != 0;
      bits[w] |= m;
    }
    for (int i = from; i < to; i++) {
      bits[(colIdx[i] * 0x9E3779B9) >>> 26] = 0;
    }
    return shared;
  }

  private void ensureNnz(int n) {
    if (colIdx.length < n) {
      int cap = Math.max(n, 2 * colIdx.length);
      colIdx = Arrays.copyOf(colIdx, cap);
      colVal = Arrays.copyOf(colVal, cap);
    }
  }

  // ---- read access for models (arrays are live; only the first size rows are meaningful)

  /** Row-major {@code size x denseDim} dense block. */
  public double[] dense() {
    return dense;
  }

  public int denseDim() {
    return denseDim;
  }

  public double[] labels() {
    return labels;
  }

  public double[] weights() {
    return weights;
  }

  /** CSR row pointers: row i's entries are [rowPtr[i], rowPtr[i+1]). */
  public int[] rowPtr() {
    return rowPtr;
  }

  /** CSR input columns (already offset past the dense block). */
  public int[] colIdx() {
    return colIdx;
  }

  public double[] colVal() {
    return colVal;
  }

  public int nnz() {
    return rowPtr[size];
  }

  public double label(int i) {
    return labels[i];
  }

  public double weight(int i) {
    return weights[i];
  }
}
