package io.streamtrain.core.config;

/**
 * How a raw spec value (a number, string, list or map as YAML or JSON parsed it) becomes a typed value. Errors are
 * {@link io.streamtrain.core.SpecException}s naming the full key. Built by {@link Types}.
 */
public interface Type<T> {
  T parse(String key, Object raw);

  /** The value of a key that is not given and has no default: null, or (for a section) its empty form. */
  default T absent(String key) {
    return null;
  }
}
