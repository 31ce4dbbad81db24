package io.streamtrain.core;

import io.streamtrain.core.config.Validators;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed, validating access to a spec given as a plain map (parsed from JSON or YAML at the edge). Every error
 * is a {@link SpecException} naming the full dotted key, the bad value and what is allowed. {@link
 * #rejectUnknown} turns a misspelled key into an error instead of a silently ignored default.
 */
public final class SpecReader {
  private final String path;
  private final Map<String, ?> map;

  public SpecReader(String path, Map<String, ?> map) {
    this.path = path;
    this.map = map;
  }

  public String path() {
    return path;
  }

  public Map<String, ?> map() {
    return map;
  }

  public String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  public boolean has(String name) {
    return map.containsKey(name) && map.get(name) != null;
  }

  public Object raw(String name) {
    return map.get(name);
  }

  /**
   * Fails if the map holds a key outside {@code allowed}, naming it, suggesting the closest allowed key when one is
   * near (a typo: at most two edits, e.g. {@code batch_sise}) and listing the allowed keys.
   */
  public SpecReader rejectUnknown(Collection<String> allowed) {
    Set<String> allowedSet = new LinkedHashSet<>(allowed);
    for (String k : map.keySet()) {
      if (!allowedSet.contains(k)) {
        String near = closest(k, allowedSet);
        throw new SpecException(key(k), "unknown key; allowed keys here are " + allowedSet
            + (near == null ? "" : "; did you mean " + near + "?"));
      }
    }
    return this;
  }

  /** The allowed key within two edits of {@code k} (the nearest, first declared on a tie), or null. */
  static String closest(String k, Collection<String> allowed) {
    String best = null;
    int bestD = 3;
    for (String a : allowed) {
      int d = editDistance(k, a);
      if (d < bestD) {
        best = a;
        bestD = d;
      }
    }
    return best;
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  public SpecReader rejectUnknown(String... allowed) {
    return rejectUnknown(List.of(allowed));
  }

  public Object require(String name) {
    if (!has(name)) {
      throw new SpecException(key(name), "missing; it is required");
    }
    return map.get(name);
  }

  public double getDouble(String name, double dflt) {
    return has(name) ? toDouble(key(name), map.get(name)) : dflt;
  }

  public double requireDouble(String name) {
    return toDouble(key(name), require(name));
  }

  /** A finite double with {@code lo <= v} (or {@code lo < v} when {@code loOpen}). */
  public double getDouble(String name, double dflt, double lo, boolean loOpen, double hi, boolean hiOpen) {
    double v = getDouble(name, dflt);
    checkRange(key(name), v, lo, loOpen, hi, hiOpen);
    return v;
  }

  public long getLong(String name, long dflt) {
    return has(name) ? toLong(key(name), map.get(name)) : dflt;
  }

  public int getInt(String name, int dflt) {
    return has(name) ? toInt(key(name), map.get(name)) : dflt;
  }

  public int getInt(String name, int dflt, int lo, int hi) {
    return Validators.intRange(lo, hi).check(key(name), getInt(name, dflt));
  }

  public int requireInt(String name) {
    return toInt(key(name), require(name));
  }

  public boolean getBoolean(String name, boolean dflt) {
    if (!has(name)) {
      return dflt;
    }
    Object v = map.get(name);
    if (v instanceof Boolean b) {
      return b;
    }
    throw new SpecException(key(name), v, "allowed: true or false");
  }

  public String getString(String name, String dflt) {
    if (!has(name)) {
      return dflt;
    }
    Object v = map.get(name);
    if (v instanceof String s) {
      return s;
    }
    throw new SpecException(key(name), v, "allowed: a string");
  }

  public String requireString(String name) {
    require(name);
    return getString(name, null);
  }

  /** A string that must be one of {@code allowed} (compared exactly). */
  public String getEnum(String name, String dflt, Collection<String> allowed) {
    return Validators.<String>of(allowed::contains, "one of " + allowed).check(key(name), getString(name, dflt));
  }

  public double[] getDoubleArray(String name, double[] dflt) {
    if (!has(name)) {
      return dflt;
    }
    return toDoubleArray(key(name), map.get(name));
  }

  public double[] requireDoubleArray(String name) {
    return toDoubleArray(key(name), require(name));
  }

  public int[] getIntArray(String name, int[] dflt) {
    return has(name) ? toIntArray(key(name), map.get(name)) : dflt;
  }

  /** A list of double vectors, e.g. a matrix or a trajectory of gradients. */
  public double[][] requireDoubleMatrix(String name) {
    return toDoubleMatrix(key(name), require(name));
  }

  public SpecReader child(String name) {
    Object v = require(name);
    return asReader(key(name), v);
  }

  public List<SpecReader> children(String name) {
    List<?> list = toList(key(name), require(name));
    List<SpecReader> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      out.add(asReader(key(name) + "[" + i + "]", list.get(i)));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  public static SpecReader asReader(String key, Object v) {
    if (v instanceof Map<?, ?> m) {
      return new SpecReader(key, (Map<String, ?>) m);
    }
    throw new SpecException(key, v, "allowed: an object with keys");
  }

  public static List<?> toList(String key, Object v) {
    if (v instanceof List<?> l) {
      return l;
    }
    throw new SpecException(key, v, "allowed: an array");
  }

  /** Numbers, and the strings "NaN", "Infinity", "-Infinity" (JSON has no literal for them). */
  public static double toDouble(String key, Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof String s) {
      switch (s) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
        case "inf":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
        case "-inf":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
    }
    throw new SpecException(key, v, "allowed: a number");
  }

  public static long toLong(String key, Object v) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof java.math.BigInteger) {
      throw new SpecException(key, v, "allowed: an integer within 64 bits");
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 0x1p53) {
        return (long) d;
      }
    }
    throw new SpecException(key, v, "allowed: an integer");
  }

  public static int toInt(String key, Object v) {
    long l = toLong(key, v);
    if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
      throw new SpecException(key, v, "allowed: an integer within 32 bits");
    }
    return (int) l;
  }

  public static double[] toDoubleArray(String key, Object v) {
    List<?> list = toList(key, v);
    double[] out = new double[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = toDouble(key + "[" + i + "]", list.get(i));
    }
    return out;
  }

  /** An array of integers; an element's error names it ({@code key[i]}). */
  public static int[] toIntArray(String key, Object v) {
    List<?> list = toList(key, v);
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = toInt(key + "[" + i + "]", list.get(i));
    }
    return out;
  }

  /** An array of number arrays (rows of a matrix, a trajectory of gradients); errors name the row. */
  public static double[][] toDoubleMatrix(String key, Object v) {
    List<?> rows = toList(key, v);
    double[][] out = new double[rows.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = toDoubleArray(key + "[" + i + "]", rows.get(i));
    }
    return out;
  }

  /** A number in the interval; see {@link Validators#range}. */
  public static void checkRange(String key, double v, double lo, boolean loOpen, double hi, boolean hiOpen) {
    Validators.range(lo, loOpen, hi, hiOpen).check(key, v);
  }
}
