package io.streamtrain.core;

/**
 * A configuration or specification error found at the edge, before any work starts. It names the offending key
 * (a dotted path such as {@code optimizer.betas}), the value that was given and what is allowed, so the user can
 * fix the file without reading code. The CLI maps it to exit status 2.
 */
public final class SpecException extends RuntimeException {
  private final String key;

  public SpecException(String key, Object value, String allowed) {
    super(key + ": " + describe(value) + " is not allowed; " + allowed);
    this.key = key;
  }

  /** For errors that are not about one value, e.g. a missing key: {@code key: message}. */
  public SpecException(String key, String message) {
    super(key + ": " + message);
    this.key = key;
  }

  public String key() {
    return key;
  }

  private static String describe(Object value) {
    if (value == null) {
      return "missing value";
    }
    if (value instanceof CharSequence) {
      return "\"" + value + "\"";
    }
    return String.valueOf(value);
  }
}
