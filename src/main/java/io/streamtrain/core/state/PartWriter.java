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
    ByteCount counted = new ByteCount(out);
    body.write(counted);
    if (counted.count() != measure.count()) {
      throw new IllegalStateException("part " + tag + " wrote " + counted.count() + " bytes, measured "
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
}
