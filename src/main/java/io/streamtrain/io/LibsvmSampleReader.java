package io.streamtrain.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Streams a LIBSVM / SVMlight file ({@code label index:value index:value ... [# comment]}) into sparse samples.
 * Indices are 1-based in the format and stored 0-based in the Sample (index - 1); {@code zeroBased} accepts files
 * written with 0-based indices (as some tools do) and stores them unchanged. Indices must be strictly increasing.
 * A {@code qid:N} token (SVMlight ranking) is accepted and ignored, since Sample has no query id. Blank lines and
 * lines starting with '#' are skipped; everything after '#' on a line is a comment. A bad label, a token that is
 * not {@code index:value}, a non-finite value or an out-of-order index makes the line malformed (reported with its
 * line number). Input may be gzip-compressed.
 */
public final class LibsvmSampleReader extends LineSampleReader {
  private final boolean zeroBased;

  public LibsvmSampleReader(Path file, boolean zeroBased, ReaderOptions options, MalformedListener listener)
      throws IOException {
    super(file, options, listener);
    this.zeroBased = zeroBased;
  }

  /** Everything before a '#' (a comment), unless that is blank. */
  @Override
  String content(String line) {
    int hash = line.indexOf('#');
    String content = hash >= 0 ? line.substring(0, hash) : line;
    return content.isBlank() ? null : content;
  }

  @Override
  String parse(String line, MutableSample s) {
    start(s);
    int len = line.length();
    int i = skipSpace(line, 0);
    int end = nextSpace(line, i);
    String err = options.labelType().apply(line.substring(i, end), s);
    if (err != null) {
      return err;
    }
    long previous = Long.MIN_VALUE;
    i = skipSpace(line, end);
    while (i < len) {
      end = nextSpace(line, i);
      int colon = line.indexOf(':', i);
      if (colon < 0 || colon >= end) {
        return "token \"" + line.substring(i, end) + "\" is not index:value";
      }
      String idx = line.substring(i, colon);
      String val = line.substring(colon + 1, end);
      if (idx.equals("qid")) {
        i = skipSpace(line, end);
        continue;
      }
      long index;
      try {
        index = Long.parseLong(idx);
      } catch (NumberFormatException e) {
        return "index \"" + idx + "\" is not an integer";
      }
      long stored = zeroBased ? index : index - 1;
      if (stored < 0 || stored > Integer.MAX_VALUE) {
        return "index " + idx + " is out of range (" + (zeroBased ? "0-based" : "1-based") + " indices)";
      }
      if (stored <= previous) {
        return "index " + idx + " is not greater than the previous index (indices must be strictly increasing)";
      }
      double v = Numbers.parseFinite(val);
      if (Double.isNaN(v)) {
        return "value \"" + val + "\" of index " + idx + " is not a finite number";
      }
      s.addSparse((int) stored, v);
      previous = stored;
      i = skipSpace(line, end);
    }
    return null;
  }

  private static int skipSpace(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int nextSpace(String s, int i) {
    while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }
}
