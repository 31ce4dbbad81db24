package io.streamtrain.io;

import java.io.IOException;

/**
 * A streaming source of samples read from a file, one line at a time (never the whole file). Lines that cannot
 * be read as a sample are not dropped silently and not coerced: each is reported to the {@link MalformedListener}
 * with its 1-based line number and the reason, and counted in {@link #malformed()}.
 */
public interface SampleReader extends AutoCloseable {

  /** Receives every malformed line. */
  @FunctionalInterface
  interface MalformedListener {
    void malformed(long lineNumber, String reason);
  }

  /** Fills {@code into} (cleared first) with the next well-formed sample; false at the end of the input. */
  boolean next(MutableSample into) throws IOException;

  /** Malformed lines seen so far. */
  long malformed();

  /** Bytes of the underlying file consumed so far (compressed bytes for gzip), for progress and ETA. */
  long bytesRead();

  @Override
  void close() throws IOException;
}
