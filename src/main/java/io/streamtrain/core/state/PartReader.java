package io.streamtrain.core.state;

import java.io.DataInput;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Reads a state written by {@link PartWriter}: hands each part's body to a handler as an input bounded by the
 * part's length. A part the handler does not know is skipped; a part it reads must be read exactly to its end (a
 * shorter or longer read means writer and reader disagree on the part's layout, which fails here instead of
 * shifting every later value).
 */
public final class PartReader {
  private PartReader() {}

  /** Reads one part's body; returns false when it does not know the tag (the part is then skipped). */
  @FunctionalInterface
  public interface Handler {
    boolean read(int tag, int version, DataInput body) throws IOException;
  }

  /** Reads every part of the state; returns the tags found, in their order. */
  public static Set<Integer> read(DataInput in, Handler handler) throws IOException {
    int parts = in.readUnsignedShort();
    Set<Integer> seen = new LinkedHashSet<>();
    for (int i = 0; i < parts; i++) {
      int tag = in.readUnsignedShort();
      int version = in.readUnsignedByte();
      long length = in.readLong();
      if (length < 0) {
        throw new IOException("state part " + tag + " has a negative length " + length);
      }
      if (!seen.add(tag)) {
        throw new IOException("state part " + tag + " appears twice");
      }
      Bounded body = new Bounded(in, length);
      boolean known;
      try {
        known = handler.read(tag, version, new DataInputStream(body));
      } catch (EOFException e) {
        throw new IOException("state part " + tag + " (version " + version + ") ends before its reader does: "
            + length + " bytes", e);
      }
      if (!known) {
        body.skipAll();
      } else if (body.remaining > 0) {
        throw new IOException("state part " + tag + " (version " + version + ") has " + body.remaining
            + " bytes after its reader's end, of " + length);
      }
    }
    return seen;
  }

  /** Fails unless {@code version} is one this build reads ({@code 1} to {@code max}) for the named part. */
  public static void expectVersion(String part, int version, int max) throws IOException {
    if (version < 1 || version > max) {
      throw new IOException("state part '" + part + "' has version " + version + "; this build reads 1 to " + max);
    }
  }

  /** The next {@code length} bytes of the state: end of stream after them. */
  private static final class Bounded extends InputStream {
    private final DataInput in;
    private long remaining;

    Bounded(DataInput in, long length) {
      this.in = in;
      this.remaining = length;
    }

    @Override
    public int read() throws IOException {
      if (remaining == 0) {
        return -1;
      }
      remaining--;
      return in.readUnsignedByte();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (remaining == 0) {
        return -1;
      }
      int n = (int) Math.min(len, remaining);
      in.readFully(b, off, n);
      remaining -= n;
      return n;
    }

    void skipAll() throws IOException {
      while (remaining > 0) {
        int n = (int) Math.min(Integer.MAX_VALUE, remaining);
        int done = in.skipBytes(n);
        if (done <= 0) {
          // skipBytes may stop early without end of input; read what it left.
          in.readByte();
          done = 1;
        }
        remaining -= done;
      }
    }
  }
}
