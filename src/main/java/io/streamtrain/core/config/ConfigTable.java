package io.streamtrain.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders a {@link ConfigDef} as a Markdown key table ({@code | key | meaning (default) |}), the form the README's
 * tables take. A key's doc may hold {@code {default}} (replaced by its default) and, for a section key,
 * {@code {keys}} (replaced by the section's keys inline: {@code `batch_size` (32), `seed` (0), ...}); a section key
 * whose doc has no {@code {keys}} gets a row per nested key ({@code source.passes}). A default the doc does not
 * place goes at the end in parentheses; a required key says so.
 */
public final class ConfigTable {
  private ConfigTable() {}

  /** The table's lines, header included, each ending with a newline. */
  public static String markdown(ConfigDef def, String header) {
    StringBuilder b = new StringBuilder();
    b.append("| ").append(header).append(" | meaning (default) |\n|---|---|\n");
    for (String row : rows(def, "")) {
      b.append(row).append('\n');
    }
    return b.toString();
  }

  private static List<String> rows(ConfigDef def, String prefix) {
    List<String> rows = new ArrayList<>();
    for (Key<?> k : def.keys()) {
      if (k.doc().isEmpty()) {
        continue; // declared for parsing only, documented with its section
      }
      rows.add("| `" + prefix + k.name() + "` | " + text(k) + " |");
      if (k.section() != null && !k.doc().contains("{keys}")) {
        rows.addAll(rows(k.section(), prefix + k.name() + "."));
      }
    }
    return rows;
  }

  /** A key's doc with its placeholders filled in (and its default, when the doc does not place it). */
  static String text(Key<?> k) {
    String doc = k.doc();
    String dflt = k.defaultText();
    if (doc.contains("{default}")) {
      doc = doc.replace("{default}", String.valueOf(dflt));
    } else if (dflt != null) {
      doc = doc.isEmpty() ? "(" + dflt + ")" : doc + " (" + dflt + ")";
    }
    if (k.section() != null && doc.contains("{keys}")) {
      doc = doc.replace("{keys}", inline(k.section()));
    }
    return doc;
  }

  /** A section's keys inline, {@code `batch_size` (32), `seed` (0), ...}, leaving out the keys named in except. */
  public static String inline(ConfigDef def, String... except) {
    List<String> inline = new ArrayList<>();
    for (Key<?> n : def.keys()) {
      if (!List.of(except).contains(n.name())) {
        String t = text(n);
        inline.add("`" + n.name() + "`" + (t.isEmpty() ? "" : " " + t));
      }
    }
    return String.join(", ", inline);
  }
}
