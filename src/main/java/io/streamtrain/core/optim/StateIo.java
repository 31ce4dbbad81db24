package io.streamtrain.core.optim;

import io.streamtrain.core.state.ByteCount;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Binary helpers for state arrays: a length (or -1 for an absent array) followed by the raw IEEE-754 bits in
 * big-endian order (as {@link DataOutput#writeDouble}), copied through a chunk buffer because one call per
 * element is several times slower on 10^7-element states.
 */
public final class StateIo {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final int CHUNK = 8192;

  private StateIo() {}

  static void writeArray(DataOutput out, double[] a) throws IOException {
    if (a == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(a.length);
    writeValues(out, a);
  }

  /**
   * The values of {@code a} as big-endian IEEE doubles (raw bits: the bytes {@link DataOutput#writeDouble} gives for every non-NaN value), written in
   * 8 KiB chunks (a 2^22-parameter model is 4M values: one call per value would dominate a checkpoint).
   */
  public static void writeValues(DataOutput out, double[] a) throws IOException {
    if (a.length == 0) {
      return;
    }
    if (out instanceof ByteCount c && !c.forwards()) {
      c.skip(8L * a.length); // a state part being measured: the size is known without the bytes
      return;
    }
    byte[] buf = new byte[Math.min(CHUNK, a.length * 8)];
    int per = buf.length / 8;
    for (int i = 0; i < a.length; i += per) {
      int m = Math.min(per, a.length - i);
      for (int j = 0; j < m; j++) {
        LONGS.set(buf, j * 8, Double.doubleToRawLongBits(a[i + j]));
      }
      out.write(buf, 0, m * 8);
    }
  }

  /**
   * Writes {@code a[start], a[start + stride], ...} ({@code count} values) exactly as {@link #writeArray} writes
   * the array of those values, without building it (interleaved state written as separate arrays).
   */
  static void writeStrided(DataOutput out, double[] a, int start, int stride, int count) throws IOException {
    out.writeInt(count);
    if (count == 0) {
      return;
    }
    if (out instanceof ByteCount c && !c.forwards()) {
      c.skip(8L * count);
      return;
    }
    byte[] buf = new byte[Math.min(CHUNK, count * 8)];
    int per = buf.length / 8;
    for (int i = 0; i < count; i += per) {
      int m = Math.min(per, count - i);
      for (int j = 0; j < m; j++) {
        LONGS.set(buf, j * 8, Double.doubleToRawLongBits(a[start + (i + j) * stride]));
      }
      out.write(buf, 0, m * 8);
    }
  }

  /** Reads what {@link #writeArray} wrote into {@code a[start], a[start + stride], ...}; the array must be present. */
  static void readStrided(DataInput in, double[] a, int start, int stride, int expectedLength, String what)
      throws IOException {
    int len = in.readInt();
    if (len == -1) {
      throw new IncompatibleStateException("optimizer state: " + what + " is absent but required");
    }
    IncompatibleStateException.expect(what + " length", expectedLength, len);
    if (len == 0) {
      return;
    }
    byte[] buf = new byte[Math.min(CHUNK, len * 8)];
    int per = Math.max(1, buf.length / 8);
    for (int i = 0; i < len; i += per) {
      int m = Math.min(per, len - i);
      in.readFully(buf, 0, m * 8);
      for (int j = 0; j < m; j++) {
        a[start + (i + j) * stride] = Double.longBitsToDouble((long) LONGS.get(buf, j * 8));
      }
    }
  }

  /** Reads an array written by {@link #writeArray}; null if it was absent. */
  static double[] readArray(DataInput in, int expectedLength, String what) throws IOException {
    int len = in.readInt();
    if (len == -1) {
      return null;
    }
    IncompatibleStateException.expect(what + " length", expectedLength, len);
    double[] a = new double[len];
    readValues(in, a);
    return a;
  }

  /** Fills {@code a} with values written by {@link #writeValues}. */
  public static void readValues(DataInput in, double[] a) throws IOException {
    int len = a.length;
    if (len == 0) {
      return;
    }
    byte[] buf = new byte[Math.min(CHUNK, len * 8)];
    int per = Math.max(1, buf.length / 8);
    for (int i = 0; i < len; i += per) {
      int m = Math.min(per, len - i);
      in.readFully(buf, 0, m * 8);
      for (int j = 0; j < m; j++) {
        a[i + j] = Double.longBitsToDouble((long) LONGS.get(buf, j * 8));
      }
    }
  }

  static double[] readRequired(DataInput in, int expectedLength, String what) throws IOException {
    double[] a = readArray(in, expectedLength, what);
    if (a == null) {
      throw new IncompatibleStateException("optimizer state: " + what + " is absent but required");
    }
    return a;
  }

  static void writeHeader(DataOutput out, String kind) throws IOException {
    out.writeUTF(kind);
  }

  static void readHeader(DataInput in, String kind) throws IOException {
    IncompatibleStateException.expect("transform kind", kind, in.readUTF());
  }
}
