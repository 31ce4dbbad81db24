package io.streamtrain.core.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A reusable in-memory {@link DataOutput} (big-endian, the format of {@link java.io.DataOutputStream}) that grows
 * once and is then rewritten in place: the loss-spike guard copies optimizer and schedule state through their
 * versioned {@code writeState} methods every few dozen steps, and a {@code DataOutputStream} over a
 * {@code ByteArrayOutputStream} costs a synchronized call per value (tens of ns per double, a large share of an
 * Adam step on a big model). Doubles and longs go through a byte-array view VarHandle here. {@link ByteSource} reads
 * it back without copying.
 */
public final class ByteSink implements DataOutput {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  private byte[] buf = new byte[256];
  private int size;

  /** Forgets the content (keeps the memory). */
  public void reset() {
    size = 0;
  }

  public int size() {
    return size;
  }

  /** A reader over the current content. */
  public DataInput input() {
    return new ByteSource().set(buf, 0, size);
  }

  /** Writes the content length and bytes. */
  public void writeTo(DataOutput out) throws IOException {
    out.writeInt(size);
    out.write(buf, 0, size);
  }

  /** Replaces the content with a length-prefixed block written by {@link #writeTo}. */
  public void readFrom(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("negative state block length " + n);
    }
    size = 0;
    ensure(n);
    in.readFully(buf, 0, n);
    size = n;
  }

  /** The backing array: its first {@link #size} bytes are the content (valid until the next write). */
  public byte[] array() {
    return buf;
  }

  /** Drops the first {@code n} bytes of the content, moving the rest to the front. */
  public void discardFront(int n) {
    if (n < 0 || n > size) {
      throw new IndexOutOfBoundsException("discard " + n + " of " + size + " bytes");
    }
    System.arraycopy(buf, n, buf, 0, size - n);
    size -= n;
  }

  private void ensure(int more) {
    int need = size + more;
    if (need > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
    }
  }

  @Override
  public void write(int b) {
    ensure(1);
    buf[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b) {
    write(b, 0, b.length);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, size, len);
    size += len;
  }

  @Override
  public void writeBoolean(boolean v) {
    write(v ? 1 : 0);
  }

  @Override
  public void writeByte(int v) {
    write(v);
  }

  @Override
  public void writeShort(int v) {
    ensure(2);
    buf[size++] = (byte) (v >>> 8);
    buf[size++] = (byte) v;
  }

  @Override
  public void writeChar(int v) {
    writeShort(v);
  }

  @Override
  public void writeInt(int v) {
    ensure(4);
    INTS.set(buf, size, v);
    size += 4;
  }

  @Override
  public void writeLong(long v) {
    ensure(8);
    LONGS.set(buf, size, v);
    size += 8;
  }

  @Override
  public void writeFloat(float v) {
    writeInt(Float.floatToIntBits(v));
  }

  @Override
  public void writeDouble(double v) {
    // DataOutputStream writes doubleToLongBits (NaNs canonicalized); keep the same bytes.
    writeLong(Double.doubleToLongBits(v));
  }

  @Override
  public void writeBytes(String s) {
    for (int i = 0; i < s.length(); i++) {
      write(s.charAt(i));
    }
  }

  @Override
  public void writeChars(String s) {
    for (int i = 0; i < s.length(); i++) {
      writeChar(s.charAt(i));
    }
  }

  /** Modified UTF-8 with a two-byte length, as {@link java.io.DataOutputStream#writeUTF}. */
  @Override
  public void writeUTF(String s) throws IOException {
    long len = io.streamtrain.core.state.ByteCount.utfLength(s);
    if (len > 65535) {
      throw new UTFDataFormatException("encoded string too long: " + len + " bytes");
    }
    writeShort((int) len);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x0001 && c <= 0x007F) {
        write(c);
      } else if (c > 0x07FF) {
        write(0xE0 | ((c >> 12) & 0x0F));
        write(0x80 | ((c >> 6) & 0x3F));
        write(0x80 | (c & 0x3F));
      } else {
        write(0xC0 | ((c >> 6) & 0x1F));
        write(0x80 | (c & 0x3F));
      }
    }
  }
}
