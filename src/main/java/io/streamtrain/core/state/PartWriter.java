package io.streamtrain.core.state;

import java.io.DataOutput;
import java.io.IOException;

/**
 * Writes a state as tagged parts: the number of parts, then each part as its tag (unsigned short), its version
 * (unsigned byte), its body's length in bytes (long) and the body. A reader ({@link PartReader}) finds each part
 * by its tag, reads it by its own version and length, and skips a part it does not know, so parts can be added,
 * reordered or dropped without a reader mistaking one part's bytes for another's.
 */
public final class PartWriter {
  private final DataOutput out;
  private final int parts;
  private int written;

  /** Starts a state of {@code parts} parts on {@code out}. */
  public PartWriter(DataOutput out, int parts) throws IOException {
    if (parts < 0 || parts > 0xFFFF) {
      throw new IllegalArgumentException("a state has 0 to 65535 parts, not " + parts);
    }
    this.out = out;
    this.parts = parts;
    out.writeShort(parts);
  }

  /** Writes one part: measures the body, writes the header, then the body (checked against the measure). */
  public PartWriter part(int tag, int version, PartBody body) throws IOException {
    if (written == parts) {
      throw new IllegalStateException("part " + tag + " is one more than the " + parts + " announced");
    }
    ByteCount measure = new ByteCount();
    body.write(measure);
    out.writeShort(tag);
    out.writeByte(version);
    out.writeLong(measure.count());
    Counted counted = new Counted(out);
    body.write(counted);
    if (counted.count != measure.count()) {
      throw new IllegalStateException("part " + tag + " wrote " + counted.count + " bytes, measured "
          + measure.count() + ": its body is not a function of the state");
    }
    written++;
    return this;
  }

  /** Checks that every announced part was written. */
  public void finish() {
    if (written != parts) {
      throw new IllegalStateException(parts + " parts announced, " + written + " written");
    }
  }

  /** Forwards to the real output and counts what passes (the chunked array writes make this one call per chunk). */
  private static final class Counted implements DataOutput {
    private final DataOutput out;
    private long count;

    Counted(DataOutput out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b) throws IOException {
      out.write(b);
      count += b.length;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void writeBoolean(boolean v) throws IOException {
      out.writeBoolean(v);
      count++;
    }

    @Override
    public void writeByte(int v) throws IOException {
      out.writeByte(v);
      count++;
    }

    @Override
    public void writeShort(int v) throws IOException {
      out.writeShort(v);
      count += 2;
    }

    @Override
    public void writeChar(int v) throws IOException {
      out.writeChar(v);
      count += 2;
    }

    @Override
    public void writeInt(int v) throws IOException {
      out.writeInt(v);
      count += 4;
    }

    @Override
    public void writeLong(long v) throws IOException {
      out.writeLong(v);
      count += 8;
    }

    @Override
    public void writeFloat(float v) throws IOException {
      out.writeFloat(v);
      count += 4;
    }

    @Override
    public void writeDouble(double v) throws IOException {
      out.writeDouble(v);
      count += 8;
    }

    @Override
    public void writeBytes(String s) throws IOException {
      out.writeBytes(s);
      count += s.length();
    }

    @Override
    public void writeChars(String s) throws IOException {
      out.writeChars(s);
      count += 2L * s.length();
    }

    @Override
    public void writeUTF(String s) throws IOException {
      ByteCount c = new ByteCount();
      c.writeUTF(s);
      out.writeUTF(s);
      count += c.count();
    }
  }
}
