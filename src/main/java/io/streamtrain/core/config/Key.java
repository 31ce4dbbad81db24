package io.streamtrain.core.config;

/**
 * One declared config key: its name, type, default, validator and doc string. Declared once, in a section's
 * {@link ConfigDef}; parsing, unknown-key rejection, defaults, error messages and the README's key tables all read
 * it from there.
 *
 * @param dflt the value when the key is not given (null: none, or computed by the section from other keys)
 * @param defaultDoc how the docs show the default when it is not a constant (e.g. "max(1024, B)"), else null
 * @param section the nested section's declaration for a section key, else null
 */
public record Key<T>(String name, Type<T> type, T dflt, String defaultDoc, Validator<? super T> validator,
    boolean required, String doc, ConfigDef section) {

  /** The default as the docs show it ("required" for a required key), or null when there is none. */
  public String defaultText() {
    if (required) {
      return "required";
    }
    if (defaultDoc != null) {
      return defaultDoc;
    }
    if (dflt == null) {
      return null;
    }
    if (dflt instanceof Enum<?> e) {
      return Types.name(e);
    }
    if (dflt instanceof Double d) {
      String t = Validators.fmt(d);
      return t.contains("E") ? t.replace(".0E", "e").replace("E", "e") : t; // 1e-8, not 1.0E-8
    }
    return String.valueOf(dflt);
  }
}
