package io.streamtrain.core.optim;

import java.io.IOException;

/**
 * Serialized optimizer state that does not fit the optimizer reading it: another format version, another
 * optimizer type or transform, another parameter count. The message names what was expected and what was
 * found; the optimizer reading it is left unchanged.
 */
public final class IncompatibleStateException extends IOException {
  public IncompatibleStateException(String message) {
    super(message);
  }

  static void expect(String what, Object expected, Object found) throws IncompatibleStateException {
    if (!expected.equals(found)) {
      throw new IncompatibleStateException(
          "optimizer state: " + what + " mismatch, expected " + expected + " but found " + found);
    }
  }
}
