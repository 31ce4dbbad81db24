package io.streamtrain.io;

/**
 * Strict, fast number parsing for readers: only plain finite decimal numbers are accepted, nothing is coerced.
 * Java's parser also accepts "NaN", "Infinity", hex floats and a trailing d/f suffix; those are refused here so
 * that a typo is reported instead of becoming a value.
 *
 * <p>Speed: a decimal with at most 15 or so significant digits whose mantissa m fits in 2^53 and whose decimal
 * exponent e satisfies |e| <= 22 is computed as m * 10^e or m / 10^-e. Both operands are exact doubles, so the
 * single IEEE operation is correctly rounded and equals {@link Double#parseDouble} bit for bit (Clinger, "How to
 * read floating point numbers accurately", PLDI 1990, the fast path). Everything else falls back to {@link
 * Double#parseDouble}. The parse works on a range of the line, so no substring is allocated on the fast path.
 */
public final class Numbers {
  private static final double[] POW10 = new double[23];

  static {
    double p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
  }

  private static final long MAX_EXACT = 1L << 53;

  private Numbers() {}

  /** The value of {@code s}, or NaN when it is not a finite decimal number. */
  public static double parseFinite(String s) {
    return parseFinite(s, 0, s.length());
  }

  // String rather than CharSequence: the reader always has a String, and charAt on the concrete class is cheaper.

  /** The value of {@code s[start, end)}, or NaN when it is not a finite decimal number. */
  public static double parseFinite(String s, int start, int end) {
    if (start >= end) {
      return Double.NaN;
    }
    int i = start;
    boolean negative = false;
    char c = s.charAt(i);
    if (c == '-' || c == '+') {
      negative = c == '-';
      i++;
    }
    long mantissa = 0;
    int digits = 0;
    int fractionDigits = 0;
    boolean seenDot = false;
    boolean exact = true;
    for (; i < end; i++) {
      c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        digits++;
        if (mantissa < MAX_EXACT / 10) {
          mantissa = mantissa * 10 + (c - '0');
          if (seenDot) {
            fractionDigits++;
          }
        } else {
          exact = false; // too many significant digits for the fast path
          break;
        }
      } else if (c == '.' && !seenDot) {
        seenDot = true;
      } else {
        break;
      }
    }
    if (!exact) {
      return slow(s, start, end);
    }
    if (digits == 0) {
      return Double.NaN;
    }
    int exponent = 0;
    if (i < end) {
      c = s.charAt(i);
      if (c != 'e' && c != 'E') {
        return Double.NaN;
      }
      i++;
      boolean expNegative = false;
      if (i < end && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
        expNegative = s.charAt(i) == '-';
        i++;
      }
      int expDigits = 0;
      for (; i < end; i++) {
        c = s.charAt(i);
        if (c < '0' || c > '9') {
          return Double.NaN;
        }
        if (exponent < 100_000) {
          exponent = exponent * 10 + (c - '0');
        }
        expDigits++;
      }
      if (expDigits == 0) {
        return Double.NaN;
      }
      if (expNegative) {
        exponent = -exponent;
      }
    }
    int e10 = exponent - fractionDigits;
    if (mantissa > MAX_EXACT || e10 > 22 || e10 < -22) {
      return slow(s, start, end);
    }
    double v = (double) mantissa;
    v = e10 >= 0 ? v * POW10[e10] : v / POW10[-e10];
    if (!Double.isFinite(v)) {
      return Double.NaN;
    }
    return negative ? -v : v;
  }

  private static double slow(String s, int start, int end) {
    for (int i = start; i < end; i++) {
      char c = s.charAt(i);
      boolean ok = (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
      if (!ok) {
        return Double.NaN;
      }
    }
    try {
      double v = Double.parseDouble(s.substring(start, end));
      return Double.isFinite(v) ? v : Double.NaN;
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
