package io.streamtrain.io.events;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * JSON's grammar at the byte level, for {@link JsonScanner}: each check takes the bytes, the position to read at and
 * where the bytes end, and returns the position after what it read, or -1 when the bytes there are not what it
 * reads (the scanner then leaves the event to Jackson).
 */
final class JsonBytes {
  private JsonBytes() {}

  private static final double[] POW10 = new double[23];
  /** Bytes a string holds as they are: printable ASCII other than the quote and the backslash. */
  static final boolean[] PLAIN = new boolean[256];
  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
    for (int c = 0x20; c < 0x80; c++) {
      PLAIN[c] = c != '"' && c != '\\';
    }
  }

  /**
   * The position of the first byte at or after {@code p} that a string does not hold as it is (a quote, a
   * backslash, a control character, a non-ASCII byte), or {@code end}: eight bytes a step while they last. In each
   * step's word, a byte's flag is exact up to the first flagged byte (a borrow only runs upward from one), so the
   * lowest flag is the first such byte.
   */
  static int plain(byte[] b, int p, int end) {
    while (p + 8 <= end) {
      long w = (long) LONGS.get(b, p);
      long quote = w ^ 0x2222222222222222L;
      long slash = w ^ 0x5C5C5C5C5C5C5C5CL;
      long stop = ((quote - ONES) & ~quote | (slash - ONES) & ~slash | (w - 0x2020202020202020L) & ~w | w) & HIGHS;
      if (stop != 0) {
        return p + (Long.numberOfTrailingZeros(stop) >>> 3);
      }
      p += 8;
    }
    while (p < end && PLAIN[b[p] & 0xFF]) {
      p++;
    }
    return p;
  }

  static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  /** The escape sequence at {@code p} (its backslash), checked. */
  static int escape(byte[] b, int p, int end) {
    if (p + 1 >= end) {
      return -1;
    }
    switch (b[p + 1]) {
      case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
        return p + 2;
      }
      case 'u' -> {
        if (p + 6 > end) {
          return -1;
        }
        for (int i = p + 2; i < p + 6; i++) {
          if (Character.digit(b[i], 16) < 0) {
            return -1;
          }
        }
        return p + 6;
      }
      default -> {
        return -1;
      }
    }
  }

  /** The length of the well-formed UTF-8 sequence of a non-ASCII character at {@code i}, or 0. */
  static int utf8(byte[] b, int i, int end) {
    int c = b[i] & 0xFF;
    int n;
    int lo = 0x80;
    int hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      lo = c == 0xE0 ? 0xA0 : 0x80;
      hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      lo = c == 0xF0 ? 0x90 : 0x80;
      hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
      return 0;
    }
    if (i + n > end) {
      return 0;
    }
    for (int k = 1; k < n; k++) {
      int x = b[i + k] & 0xFF;
      if (x < (k == 1 ? lo : 0x80) || x > (k == 1 ? hi : 0xBF)) {
        return 0;
      }
    }
    return n;
  }

  /** {@code true}, {@code false} or {@code null} at {@code p}. */
  static int literal(byte[] b, int p, int end) {
    byte c = b[p];
    int n = c == 'f' ? 5 : 4;
    if (p + n > end) {
      return -1;
    }
    boolean ok = c == 't' ? b[p + 1] == 'r' && b[p + 2] == 'u' && b[p + 3] == 'e'
        : c == 'f' ? b[p + 1] == 'a' && b[p + 2] == 'l' && b[p + 3] == 's' && b[p + 4] == 'e'
        : b[p + 1] == 'u' && b[p + 2] == 'l' && b[p + 3] == 'l';
    return ok ? p + n : -1;
  }

  /** The position after the decimal digits at {@code p}. */
  static int digits(byte[] b, int p, int end) {
    while (p < end && b[p] >= '0' && b[p] <= '9') {
      p++;
    }
    return p;
  }

  /**
   * The double of the number text {@code b[start, stop)}, correctly rounded: exactly one rounding when the
   * significand has at most 15 digits and the power of ten is at most 22 (both exact doubles), else
   * {@code Double.parseDouble}.
   */
  static double decimal(byte[] b, int start, int stop, boolean negative, int intAt, int intEnd, int fracEnd,
      int expAt) {
    long m = 0;
    int significant = 0;
    int exp10 = 0;
    for (int i = intAt; i < fracEnd; i++) {
      if (i == intEnd) {
        continue; // the decimal point
      }
      int d = b[i] - '0';
      if (i > intEnd) {
        exp10--;
      }
      if (significant == 0 && d == 0) {
        continue;
      }
      if (++significant > 15) {
        return slow(b, start, stop);
      }
      m = 10 * m + d;
    }
    if (expAt >= 0) {
      if (stop - expAt > 4) {
        return slow(b, start, stop);
      }
      int e = 0;
      for (int i = expAt; i < stop; i++) {
        e = 10 * e + (b[i] - '0');
      }
      exp10 += b[expAt - 1] == '-' ? -e : e;
    }
    if (exp10 < -22 || exp10 > 22) {
      return slow(b, start, stop);
    }
    double x = exp10 >= 0 ? m * POW10[exp10] : m / POW10[-exp10];
    return negative ? -x : x;
  }

  private static double slow(byte[] b, int start, int stop) {
    return Double.parseDouble(new String(b, start, stop - start, StandardCharsets.ISO_8859_1));
  }

  /** The position after the JSON whitespace at {@code p}. */
  static int ws(byte[] b, int p, int end) {
    if (p < end && b[p] > ' ') {
      return p; // the usual case: no whitespace (JSON's four are all at or below the space)
    }
    while (p < end) {
      byte c = b[p];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return p;
      }
      p++;
    }
    return p;
  }
}
