package io.streamtrain.cli;

import io.streamtrain.io.SampleReader;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * What {@code produce} says about malformed input lines: the first {@code --show-malformed} of them on stderr, with
 * their line numbers and control bytes escaped, then one note that the rest are only counted (the reader counts
 * them all). Under {@code --strict} the first one is kept as the reason to stop; the reader stage checks
 * {@link #strictStop()} and sends nothing after it.
 */
final class MalformedReport implements SampleReader.MalformedListener {
  private final PrintWriter err;
  private final int show;
  private final boolean strict;
  private long shown;
  /** The first malformed line under --strict ("line N: reason"), set by the reader stage. */
  private volatile String strictStop;

  MalformedReport(PrintWriter err, int show, boolean strict) {
    this.err = err;
    this.show = show;
    this.strict = strict;
  }

  @Override
  public void malformed(long line, String reason) {
    if (strict && strictStop == null) {
      strictStop = "line " + line + ": " + printable(reason);
    }
    if (shown < show) {
      err.println("malformed line " + line + ": " + printable(reason));
      err.flush();
    } else if (shown == show && show > 0) {
      err.println("(further malformed lines are counted, not shown; see --show-malformed)");
      err.flush();
    }
    shown++;
  }

  /** Under --strict, the first malformed line ("line N: reason"); otherwise null. */
  String strictStop() {
    return strictStop;
  }

  /** Reasons quote the input; control bytes (a binary file given as text) must not reach the terminal raw. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> {
      if (Character.isISOControl(c) || c == 0xFFFD) {
        b.append(String.format(Locale.ROOT, "\\x%02x", c & 0xFF));
      } else {
        b.appendCodePoint(c);
      }
    });
    return b.toString();
  }
}
