package io.streamtrain.io;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Opens input files as line readers: gzip is recognised by its magic bytes (1f 8b), so {@code data.csv.gz} and a
 * gzip file without the extension both work; the raw file bytes consumed are counted for progress and ETA.
 */
public final class Inputs {
  private Inputs() {}

  /** A reader over the file's text (UTF-8, gunzipped when needed) and the counter of raw bytes consumed. */
  public record Opened(BufferedReader reader, CountingInputStream counter, long size, boolean gzip) {}

  public static Opened open(Path file) throws IOException {
    long size = Files.size(file);
    CountingInputStream counting = new CountingInputStream(Files.newInputStream(file));
    BufferedInputStream buffered = new BufferedInputStream(counting, 1 << 16);
    buffered.mark(2);
    int b0 = buffered.read();
    int b1 = buffered.read();
    buffered.reset();
    boolean gzip = b0 == 0x1f && b1 == 0x8b;
    InputStream in = gzip ? new GZIPInputStream(buffered, 1 << 16) : buffered;
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    return new Opened(reader, counting, size, gzip);
  }

  /** Counts bytes read through it. */
  public static final class CountingInputStream extends FilterInputStream {
    private volatile long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    public long count() {
      return count;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = super.skip(n);
      count += s;
      return s;
    }
  }
}
