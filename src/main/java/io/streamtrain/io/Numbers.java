package io.streamtrain.io;

/** Strict number parsing for readers: only plain finite decimal numbers are accepted, nothing is coerced. */
final class Numbers {
  private Numbers() {}

  /**
   * The value of {@code s}, or NaN when it is not a finite decimal number. Java's parser also accepts "NaN",
   * "Infinity", hex floats and a trailing d/f suffix; those are refused here so that a typo is reported instead
   * of becoming a value.
   */
  static double parseFinite(String s) {
    int n = s.length();
    if (n == 0) {
      return Double.NaN;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      boolean ok = (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
      if (!ok) {
        return Double.NaN;
      }
    }
    try {
      double v = Double.parseDouble(s);
      return Double.isFinite(v) ? v : Double.NaN;
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
