package io.streamtrain.io;

import io.streamtrain.core.SpecException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Turns label text that is not a number into the text a {@link LabelType} reads, for CSV files whose label
 * column holds words ("spam", "T", "Fpv.Close"). An explicit map ({@code --label-map spam=1,nonspam=0}) sends each
 * listed word to its value, and a word it does not list makes the line malformed (a typo never becomes a class).
 * {@code auto} gives each distinct label a class index in order of first appearance (0, 1, 2, ...), so the same
 * file always gets the same indices; {@link #describe()} prints the assignment, which can be passed back as an
 * explicit map to keep the indices fixed for other files. Matching is exact after trimming blanks.
 */
public final class LabelMap {
  private final boolean auto;
  private final Map<String, String> map;

  private LabelMap(boolean auto, Map<String, String> map) {
    this.auto = auto;
    this.map = map;
  }

  /** Parses {@code auto} or {@code WORD=VALUE,WORD=VALUE...}; errors name {@code option}. */
  public static LabelMap parse(String option, String text) {
    if (text == null) {
      return null;
    }
    if (text.trim().equalsIgnoreCase("auto")) {
      return new LabelMap(true, new LinkedHashMap<>());
    }
    Map<String, String> m = new LinkedHashMap<>();
    for (String pair : text.split(",")) {
      int eq = pair.indexOf('=');
      String word = eq < 0 ? "" : pair.substring(0, eq).trim();
      String value = eq < 0 ? "" : pair.substring(eq + 1).trim();
      if (word.isEmpty() || value.isEmpty()) {
        throw new SpecException(option, text, "allowed: auto, or WORD=VALUE pairs separated by commas, e.g. spam=1,nonspam=0");
      }
      if (m.put(word, value) != null) {
        throw new SpecException(option, text, "the label \"" + word + "\" is mapped twice");
      }
    }
    return new LabelMap(false, m);
  }

  /** True for {@code auto}: values are class indices. */
  public boolean isAuto() {
    return auto;
  }

  /** The text for {@code label}, or null when an explicit map does not list it. */
  public String apply(String label) {
    String t = label.trim();
    String v = map.get(t);
    if (v == null && auto) {
      v = Integer.toString(map.size());
      map.put(t, v);
    }
    return v;
  }

  /** The labels an explicit map lists (for error messages). */
  public List<String> labels() {
    return new ArrayList<>(map.keySet());
  }

  /** The assignment as {@code --label-map} text, e.g. {@code spam=0,nonspam=1}. */
  public String describe() {
    StringJoiner j = new StringJoiner(",");
    map.forEach((k, v) -> j.add(k + "=" + v));
    return j.toString();
  }
}
