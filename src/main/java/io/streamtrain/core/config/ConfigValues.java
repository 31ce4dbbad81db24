package io.streamtrain.core.config;

import io.streamtrain.core.SpecReader;
import java.util.Map;

/** A section's parsed and validated values, read by {@link Key}; absent keys give their defaults. */
public final class ConfigValues {
  private final SpecReader reader;
  private final Map<String, Object> values;

  ConfigValues(SpecReader reader, Map<String, Object> values) {
    this.reader = reader;
    this.values = values;
  }

  /** The value given, else the key's default (else null, or a section's empty form). */
  @SuppressWarnings("unchecked")
  public <T> T get(Key<T> key) {
    if (values.containsKey(key.name())) {
      return (T) values.get(key.name());
    }
    return key.dflt() != null ? key.dflt() : key.type().absent(path(key));
  }

  /** The value given, else {@code computed} (for defaults that depend on other keys). */
  public <T> T get(Key<T> key, T computed) {
    return has(key) ? get(key) : computed;
  }

  public boolean has(Key<?> key) {
    return values.containsKey(key.name());
  }

  /** The value as written in the spec (null when absent). */
  public Object raw(Key<?> key) {
    return reader.raw(key.name());
  }

  /** The key's full dotted path, as errors name it. */
  public String path(Key<?> key) {
    return reader.key(key.name());
  }

  /** The section as read, for what the declaration does not cover (cross-key checks). */
  public SpecReader reader() {
    return reader;
  }
}
