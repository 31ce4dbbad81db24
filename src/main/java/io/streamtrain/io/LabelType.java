package io.streamtrain.io;

import java.util.Locale;

/**
 * How a label written as text becomes the Sample label union. {@code auto}: true/false, yes/no and y/n (any case)
 * become a binary label and any number a real label (the trainer's loss decides how to read 0/1 or -1/+1; nothing
 * is guessed from the digits). {@code real}: a finite number. {@code binary}: 1, +1, true, yes, y are positive; 0,
 * -1, false, no, n negative; anything else is malformed. {@code class}: a non-negative integer class index. Words
 * other than these go through a {@link LabelMap} first.
 */
public enum LabelType {
  AUTO,
  REAL,
  BINARY,
  CLASS;

  public static LabelType parse(String s) {
    for (LabelType t : values()) {
      if (t.name().equalsIgnoreCase(s)) {
        return t;
      }
    }
    throw new io.streamtrain.core.SpecException("--label-type", s, "allowed: auto, real, binary, class");
  }

  /** Sets the label of {@code into}; returns null on success or the reason the text is not a label. */
  public String apply(String text, MutableSample into) {
    String t = text.trim();
    switch (this) {
      case AUTO -> {
        Boolean b = binaryWord(t);
        if (b != null) {
          into.setBinaryLabel(b);
          return null;
        }
        String problem = real(t, into);
        return problem == null ? null : problem + " (words need --label-map WORD=VALUE,... or --label-map auto)";
      }
      case REAL -> {
        return real(t, into);
      }
      case BINARY -> {
        switch (t.toLowerCase(Locale.ROOT)) {
          case "1", "+1", "1.0", "+1.0", "true", "yes", "y" -> into.setBinaryLabel(true);
          case "0", "-1", "0.0", "-1.0", "false", "no", "n" -> into.setBinaryLabel(false);
          default -> {
            return "label \"" + t + "\" is not binary (allowed: 1, +1, true, yes, y, 0, -1, false, no, n)";
          }
        }
        return null;
      }
      case CLASS -> {
        try {
          int v = Integer.parseInt(t.startsWith("+") ? t.substring(1) : t);
          if (v < 0) {
            return "label \"" + t + "\" is not a class index (a non-negative integer)";
          }
          into.setClassLabel(v);
          return null;
        } catch (NumberFormatException e) {
          return "label \"" + t + "\" is not a class index (a non-negative integer)";
        }
      }
      default -> throw new IllegalStateException();
    }
  }

  /** true/yes/y, false/no/n in any case; null for any other text. */
  private static Boolean binaryWord(String t) {
    return switch (t.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "y" -> Boolean.TRUE;
      case "false", "no", "n" -> Boolean.FALSE;
      default -> null;
    };
  }

  private static String real(String t, MutableSample into) {
    double v = Numbers.parseFinite(t);
    if (Double.isNaN(v)) {
      return "label \"" + t + "\" is not a finite number";
    }
    into.setRealLabel(v);
    return null;
  }
}
