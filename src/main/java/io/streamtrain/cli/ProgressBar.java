package io.streamtrain.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress display on stderr: count, rate, percentage and ETA when the total is known. On a terminal
 * it redraws in place a few times a second; otherwise (a pipe or a log file) it writes a line every 5 seconds. It
 * measures wall-clock time for display only; nothing it computes feeds the data.
 */
final class ProgressBar {
  private final PrintStream err;
  private final String unit;
  private final boolean tty;
  private final long intervalNanos;
  private final long start = System.nanoTime();
  private long lastDraw = start;
  private boolean drawn;

  ProgressBar(PrintStream err, String unit, boolean enabled) {
    this.err = enabled ? err : null;
    this.unit = unit;
    this.tty = System.console() != null;
    this.intervalNanos = tty ? 250_000_000L : 5_000_000_000L;
  }

  /** Call often; draws only when the interval has passed. {@code fraction} in [0,1] or NaN when unknown. */
  void update(long count, double fraction) {
    if (err == null) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDraw < intervalNanos) {
      return;
    }
    lastDraw = now;
    draw(count, fraction, now);
  }

  private void draw(long count, double fraction, long now) {
    double seconds = (now - start) / 1e9;
    double rate = seconds > 0 ? count / seconds : 0;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%,d %s  %,.0f %s/s", count, unit, rate, unit));
    if (!Double.isNaN(fraction) && fraction > 0) {
      double eta = seconds * (1 - fraction) / fraction;
      sb.append(String.format(Locale.ROOT, "  %5.1f%%  ETA %s", 100 * Math.min(1, fraction), clock(eta)));
    }
    if (tty) {
      err.print("\r" + sb + "   ");
    } else {
      err.println(sb);
    }
    err.flush();
    drawn = true;
  }

  /** Ends the line on a terminal. */
  void finish() {
    if (err != null && tty && drawn) {
      err.println();
      err.flush();
    }
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
