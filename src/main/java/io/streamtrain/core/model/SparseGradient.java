package io.streamtrain.core.model;

import java.util.Arrays;

/**
 * A mini-batch gradient that is zero outside the parameters its batch touched, in compact form: {@code nnz()}
 * entries, {@code index()[k]} the parameter and {@code value()[k]} its gradient, each parameter at most once
 * (duplicates merged). Built per step by {@link SparseLinear} through an input-column map (an open-addressing
 * hash table from input column to slot, sized to the batch, cleared in O(touched)), so memory and time are
 * O(batch nonzeros) however large the model is. Entry order is the order in which the batch first touches a
 * column: deterministic for a given batch. Reused from step to step; not thread-safe.
 */
public final class SparseGradient {
  private int[] index = new int[256];
  private double[] value = new double[256];
  private int nnz;
  // input column -> slot, open addressing with linear probing; keys -1 = empty
  private int[] keys = new int[0];
  private int[] slots = new int[0];
  private int mask;
  private int[] columns = new int[256];
  /** Where each slot's column sits in the table, so clearing is O(touched) without probing. */
  private int[] tablePos = new int[256];
  private int nColumns;

  /** Entries of the last gradient built. */
  public int nnz() {
    return nnz;
  }

  /** Parameter index of each entry (live array; only the first {@link #nnz()} are meaningful). */
  public int[] index() {
    return index;
  }

  /** Gradient of each entry (live array; an optimizer step overwrites it with the applied update). */
  public double[] value() {
    return value;
  }

  /** Scatters the entries into a dense vector of zeros (for tests and checks; O(length)). */
  public double[] toDense(int length) {
    double[] d = new double[length];
    for (int k = 0; k < nnz; k++) {
      d[index[k]] += value[k];
    }
    return d;
  }

  // ---- building (package-private: the kernels fill it)

  /** Starts a gradient over at most {@code maxColumns} distinct input columns. */
  void begin(int maxColumns) {
    for (int c = 0; c < nColumns; c++) {
      keys[tablePos[c]] = -1;
    }
    nColumns = 0;
    nnz = 0;
    int want = Integer.highestOneBit(Math.max(16, maxColumns * 2 - 1)) << 1;
    if (keys.length < want) {
      keys = new int[want];
      slots = new int[want];
      Arrays.fill(keys, -1);
      mask = want - 1;
    }
    if (columns.length < maxColumns) {
      columns = new int[Math.max(maxColumns, 2 * columns.length)];
      tablePos = new int[columns.length];
    }
  }

  /** The slot of input column {@code c}, adding it (in first-touch order) when new. */
  int slot(int c) {
    int h = mix(c) & mask;
    while (true) {
      int k = keys[h];
      if (k == c) {
        return slots[h];
      }
      if (k == -1) {
        keys[h] = c;
        int s = nColumns++;
        slots[h] = s;
        columns[s] = c;
        tablePos[s] = h;
        return s;
      }
      h = (h + 1) & mask;
    }
  }

  /** Copies the columns, in slot order, to {@code into[0..columnCount())}. */
  void copyColumns(int[] into) {
    System.arraycopy(columns, 0, into, 0, nColumns);
  }

  int columnCount() {
    return nColumns;
  }

  int column(int slot) {
    return columns[slot];
  }

  /** Makes room for {@code n} entries and zeroes them. */
  void resize(int n) {
    if (index.length < n) {
      int cap = Math.max(n, 2 * index.length);
      index = new int[cap];
      value = new double[cap];
    }
    Arrays.fill(value, 0, n, 0.0);
    nnz = n;
  }

  /** Fibonacci hashing with the high bits folded down: consecutive columns spread over the table. */
  private static int mix(int c) {
    int h = c * 0x9E3779B9;
    return h ^ (h >>> 16);
  }
}
