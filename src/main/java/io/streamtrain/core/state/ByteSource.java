package io.streamtrain.core.state;

import java.io.DataInput;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A reusable {@link DataInput} over a window of a byte array (big-endian, the format of
 * {@link java.io.DataOutputStream} and {@link ByteSink}): {@link #set} points it at new bytes without allocating, and
 * {@link #position} says how far it has read. Ints, longs and doubles go through byte-array view VarHandles.
 */
public final class ByteSource implements DataInput {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  private byte[] buf = new byte[0];
  private int pos;
  private int end;

  /** Reads {@code buf[from .. to)} next. */
  public ByteSource set(byte[] buf, int from, int to) {
    if (from < 0 || from > to || to > buf.length) {
      throw new IndexOutOfBoundsException("window [" + from + ", " + to + ") of " + buf.length + " bytes");
    }
    this.buf = buf;
    this.pos = from;
    this.end = to;
    return this;
  }

  /** The index in the array of the next byte to read. */
  public int position() {
    return pos;
  }

  private int need(int n) throws EOFException {
    if (end - pos < n) {
      throw new EOFException("needs " + n + " bytes at " + pos + ", the window ends at " + end);
    }
    int at = pos;
    pos += n;
    return at;
  }

  @Override
  public void readFully(byte[] b) throws IOException {
    readFully(b, 0, b.length);
  }

  @Override
  public void readFully(byte[] b, int off, int len) throws IOException {
    System.arraycopy(buf, need(len), b, off, len);
  }

  @Override
  public int skipBytes(int n) {
    int k = Math.max(0, Math.min(n, end - pos));
    pos += k;
    return k;
  }

  @Override
  public boolean readBoolean() throws IOException {
    return buf[need(1)] != 0;
  }

  @Override
  public byte readByte() throws IOException {
    return buf[need(1)];
  }

  @Override
  public int readUnsignedByte() throws IOException {
    return buf[need(1)] & 0xFF;
  }

  @Override
  public short readShort() throws IOException {
    int at = need(2);
    return (short) ((buf[at] << 8) | (buf[at + 1] & 0xFF));
  }

  @Override
  public int readUnsignedShort() throws IOException {
    return readShort() & 0xFFFF;
  }

  @Override
  public char readChar() throws IOException {
    return (char) readShort();
  }

  @Override
  public int readInt() throws IOException {
    return (int) INTS.get(buf, need(4));
  }

  @Override
  public long readLong() throws IOException {
    return (long) LONGS.get(buf, need(8));
  }

  @Override
  public float readFloat() throws IOException {
    return Float.intBitsToFloat(readInt());
  }

  @Override
  public double readDouble() throws IOException {
    return Double.longBitsToDouble(readLong());
  }

  @Override
  public String readLine() {
    throw new UnsupportedOperationException("readLine is deprecated and not part of the state formats");
  }

  @Override
  public String readUTF() throws IOException {
    return DataInputStream.readUTF(this);
  }
}
