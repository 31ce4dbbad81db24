package io.streamtrain.core.state;

import java.io.DataOutput;

/**
 * A {@link DataOutput} that only counts the bytes written to it: a state part's length is written before its body,
 * so the body is first written here to measure it. Array writers that know their size without producing the bytes
 * ({@link io.streamtrain.core.optim.StateIo#writeValues}) add it with {@link #skip}, so measuring a part of 10^7
 * parameters costs nothing per value.
 */
public final class ByteCount implements DataOutput {
  private long count;

  public long count() {
    return count;
  }

  /** Counts {@code n} bytes without producing them. */
  public void skip(long n) {
    count += n;
  }

  @Override
  public void write(int b) {
    count++;
  }

  @Override
  public void write(byte[] b) {
    count += b.length;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    count += len;
  }

  @Override
  public void writeBoolean(boolean v) {
    count++;
  }

  @Override
  public void writeByte(int v) {
    count++;
  }

  @Override
  public void writeShort(int v) {
    count += 2;
  }

  @Override
  public void writeChar(int v) {
    count += 2;
  }

  @Override
  public void writeInt(int v) {
    count += 4;
  }

  @Override
  public void writeLong(long v) {
    count += 8;
  }

  @Override
  public void writeFloat(float v) {
    count += 4;
  }

  @Override
  public void writeDouble(double v) {
    count += 8;
  }

  @Override
  public void writeBytes(String s) {
    count += s.length();
  }

  @Override
  public void writeChars(String s) {
    count += 2L * s.length();
  }

  /** Modified UTF-8 with a two-byte length, as {@link java.io.DataOutputStream#writeUTF}. */
  @Override
  public void writeUTF(String s) {
    long len = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      len += c >= 0x0001 && c <= 0x007F ? 1 : c > 0x07FF ? 3 : 2;
    }
    count += 2 + len;
  }
}
