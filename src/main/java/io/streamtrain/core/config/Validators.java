package io.streamtrain.core.config;

import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The validators of config keys and constructor arguments: ranges of numbers and integers, patterns, regular
 * expressions. Every bound a spec section, a schedule or a gradient transform checks is one of these, so the same
 * bound reads the same everywhere ("allowed: a number in (0, inf)", "allowed: an integer in [1, 1024]").
 */
public final class Validators {
  private Validators() {}

  /** Any value. */
  public static <T> Validator<T> any() {
    return of(v -> true, "any value");
  }

  public static <T> Validator<T> of(Predicate<T> accepts, String allowed) {
    return new Validator<>() {
      @Override
      public boolean accepts(T value) {
        return accepts.test(value);
      }

      @Override
      public String allowed() {
        return allowed;
      }
    };
  }

  /**
   * A number in an interval, open or closed at each end; NaN never (an infinite bound is open). Its primitive
   * {@link #test(double)} allocates nothing, for checks on a training step's path.
   */
  public record Range(double lo, boolean loOpen, double hi, boolean hiOpen, String allowed)
      implements Validator<Double> {
    public boolean test(double v) {
      return !Double.isNaN(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
    }

    @Override
    public boolean accepts(Double v) {
      return test(v);
    }
  }

  public static Range range(double lo, boolean loOpen, double hi, boolean hiOpen) {
    return new Range(lo, loOpen, hi, hiOpen,
        "a number in " + (loOpen ? "(" : "[") + fmt(lo) + ", " + fmt(hi) + (hiOpen ? ")" : "]"));
  }

  /** A finite number {@code >= lo}. */
  public static Range atLeast(double lo) {
    return range(lo, false, Double.POSITIVE_INFINITY, true);
  }

  /** A finite number {@code > lo}. */
  public static Range above(double lo) {
    return range(lo, true, Double.POSITIVE_INFINITY, true);
  }

  /** Any finite number. */
  public static Range finite() {
    return new Range(Double.NEGATIVE_INFINITY, true, Double.POSITIVE_INFINITY, true, "a finite number");
  }

  /** An integer in {@code [lo, hi]}. */
  public static Validator<Integer> intRange(int lo, int hi) {
    return of(v -> v >= lo && v <= hi, "an integer in [" + lo + ", " + hi + "]");
  }

  /** An integer {@code >= lo}. */
  public static Validator<Long> longAtLeast(long lo) {
    return of(v -> v >= lo, "an integer >= " + lo);
  }

  /** An integer {@code >= lo}, described by {@code allowed} (e.g. "0 (off) or a positive number of ms"). */
  public static Validator<Long> longAtLeast(long lo, String allowed) {
    return of(v -> v >= lo, allowed);
  }

  /** One of {@code allowed} (compared exactly), e.g. "one of [ms, s]". */
  public static <T> Validator<T> oneOf(java.util.List<T> allowed) {
    return of(allowed::contains, "one of " + allowed);
  }

  /** A string matching {@code regex} as a whole. */
  public static Validator<String> matches(String regex, String allowed) {
    Pattern p = Pattern.compile(regex);
    return of(v -> p.matcher(v).matches(), allowed);
  }

  /** A Java regular expression. */
  public static Validator<String> regex() {
    return of(v -> {
      try {
        Pattern.compile(v);
        return true;
      } catch (PatternSyntaxException e) {
        return false;
      }
    }, "a Java regular expression");
  }

  /** A bound as the docs and messages write it: integers without ".0", infinities as inf. */
  public static String fmt(double d) {
    if (d == Double.POSITIVE_INFINITY) {
      return "inf";
    }
    if (d == Double.NEGATIVE_INFINITY) {
      return "-inf";
    }
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
