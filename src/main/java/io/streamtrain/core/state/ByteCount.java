package io.streamtrain.core.state;

import java.io.DataOutput;
import java.io.IOException;

/**
 * A {@link DataOutput} that counts the bytes written to it, and passes them on to another output when it has one.
 * A state part's length is written before its body, so the body is first written to a bare count to measure it
 * (array writers that know their size without producing the bytes, {@link
 * io.streamtrain.core.optim.StateIo#writeValues}, add it with {@link #skip}: measuring a part of 10^7 parameters
 * costs nothing per value), then through a forwarding count that checks the body wrote what was measured.
 */
public final class ByteCount implements DataOutput {
  private final DataOutput target;
  private long count;

  /** Counts only. */
  public ByteCount() {
    this(null);
  }

  /** Counts what passes on to {@code target} (null: counts only). */
  public ByteCount(DataOutput target) {
    this.target = target;
  }

  public long count() {
    return count;
  }

  /** Counts {@code n} bytes without producing them (only while measuring: a forwarding count has to write them). */
  public void skip(long n) {
    if (target != null) {
      throw new IllegalStateException("a forwarding count passes bytes on; it cannot skip them");
    }
    count += n;
  }

  /** Whether bytes pass on (array writers then write them; otherwise they only {@link #skip}). */
  public boolean forwards() {
    return target != null;
  }

  @Override
  public void write(int b) throws IOException {
    count++;
    if (target != null) {
      target.write(b);
    }
  }

  @Override
  public void write(byte[] b) throws IOException {
    write(b, 0, b.length);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    count += len;
    if (target != null) {
      target.write(b, off, len);
    }
  }

  @Override
  public void writeBoolean(boolean v) throws IOException {
    write(v ? 1 : 0);
  }

  @Override
  public void writeByte(int v) throws IOException {
    write(v);
  }

  @Override
  public void writeShort(int v) throws IOException {
    count += 2;
    if (target != null) {
      target.writeShort(v);
    }
  }

  @Override
  public void writeChar(int v) throws IOException {
    writeShort(v);
  }

  @Override
  public void writeInt(int v) throws IOException {
    count += 4;
    if (target != null) {
      target.writeInt(v);
    }
  }

  @Override
  public void writeLong(long v) throws IOException {
    count += 8;
    if (target != null) {
      target.writeLong(v);
    }
  }

  @Override
  public void writeFloat(float v) throws IOException {
    writeInt(Float.floatToIntBits(v));
  }

  @Override
  public void writeDouble(double v) throws IOException {
    writeLong(Double.doubleToLongBits(v)); // DataOutputStream's bytes (NaNs canonicalized)
  }

  @Override
  public void writeBytes(String s) throws IOException {
    count += s.length();
    if (target != null) {
      target.writeBytes(s);
    }
  }

  @Override
  public void writeChars(String s) throws IOException {
    count += 2L * s.length();
    if (target != null) {
      target.writeChars(s);
    }
  }

  /** Modified UTF-8 with a two-byte length, as {@link java.io.DataOutputStream#writeUTF}. */
  @Override
  public void writeUTF(String s) throws IOException {
    count += 2 + utfLength(s);
    if (target != null) {
      target.writeUTF(s);
    }
  }

  /** The length of {@code s} in modified UTF-8 (without the two-byte length {@code writeUTF} puts before it). */
  public static long utfLength(String s) {
    long len = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      len += c >= 0x0001 && c <= 0x007F ? 1 : c > 0x07FF ? 3 : 2;
    }
    return len;
  }
}
