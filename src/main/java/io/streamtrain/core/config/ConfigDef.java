package io.streamtrain.core.config;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The declaration of one spec section: its keys, each once, with type, default, validator and doc. {@link #parse}
 * rejects unknown keys (suggesting the closest declared one), parses and validates every given key and fails on a
 * missing required one; every error names the full key path.
 * {@link ConfigTable} renders the same declaration as the README's key tables.
 */
public final class ConfigDef {
  private final Map<String, Key<?>> keys = new LinkedHashMap<>();

  /**
   * The keys of one member of a family chosen by {@code type} (an optimizer, a scheduler, a detector): a
   * declaration whose first key is that {@code type}, a string the family's parser checks; {@code required} false
   * where a stored configuration may leave it out.
   */
  public static ConfigDef withType(boolean required) {
    ConfigDef d = new ConfigDef();
    if (required) {
      d.required("type", Types.STRING, "");
    } else {
      d.optional("type", Types.STRING, "");
    }
    return d;
  }

  /** A key with a default value ({@code dflt} null: none; see {@link #computed} for defaults from other keys). */
  public <T> Key<T> define(String name, Type<T> type, T dflt, Validator<? super T> validator, String doc) {
    return add(new Key<>(name, type, dflt, null, validator, false, doc, null));
  }

  /** A key with a default value the docs show as {@code defaultDoc} (e.g. an array). */
  public <T> Key<T> define(String name, Type<T> type, T dflt, String defaultDoc, Validator<? super T> validator,
      String doc) {
    return add(new Key<>(name, type, dflt, defaultDoc, validator, false, doc, null));
  }

  public <T> Key<T> define(String name, Type<T> type, T dflt, String doc) {
    return define(name, type, dflt, Validators.any(), doc);
  }

  /** A key without a default: absent, it reads as null. */
  public <T> Key<T> optional(String name, Type<T> type, String doc) {
    return define(name, type, null, Validators.any(), doc);
  }

  public <T> Key<T> required(String name, Type<T> type, Validator<? super T> validator, String doc) {
    return add(new Key<>(name, type, null, null, validator, true, doc, null));
  }

  public <T> Key<T> required(String name, Type<T> type, String doc) {
    return required(name, type, Validators.any(), doc);
  }

  /** A nested section declared by {@code def}; absent, it is {@code build} of the section's defaults. */
  public <T> Key<T> section(String name, ConfigDef def, Function<ConfigValues, T> build, String doc) {
    return add(new Key<>(name, Types.section(def, build), null, null, Validators.any(), false, doc, def));
  }

  /** A nested section declared by {@code def} that must be given. */
  public <T> Key<T> requiredSection(String name, ConfigDef def, Function<ConfigValues, T> build, String doc) {
    Type<T> parse = Types.section(def, build)::parse;
    return add(new Key<>(name, parse, null, null, Validators.any(), true, doc, def));
  }

  /** A nested section declared by {@code def} that is off when absent: it then reads as null. */
  public <T> Key<T> optionalSection(String name, ConfigDef def, Function<ConfigValues, T> build, String doc) {
    Type<T> parse = Types.section(def, build)::parse;
    return add(new Key<>(name, parse, null, null, Validators.any(), false, doc, def));
  }

  /**
   * A key whose default depends on other keys: the section computes it ({@link ConfigValues#get(Key, Object)}) and
   * the docs show {@code defaultDoc}.
   */
  public <T> Key<T> computed(String name, Type<T> type, String defaultDoc, Validator<? super T> validator,
      String doc) {
    return add(new Key<>(name, type, null, defaultDoc, validator, false, doc, null));
  }

  /** A key parsed by hand with {@code parse} (a section with its own reader); absent, it reads as null. */
  public <T> Key<T> reader(String name, java.util.function.Function<SpecReader, T> parse, String doc) {
    return add(new Key<>(name, Types.reader(parse), null, null, Validators.any(), false, doc, null));
  }

  /**
   * Accepts and documents {@code other}'s keys here too, as given ({@link Types#ANY}): a spec that takes another
   * section's keys at its level and hands them to that section's parser (a job spec's training keys).
   */
  public ConfigDef include(ConfigDef other) {
    for (Key<?> k : other.keys.values()) {
      add(new Key<>(k.name(), Types.ANY, k.dflt(), k.defaultDoc(), Validators.any(), false, k.doc(), k.section()));
    }
    return this;
  }

  /** Declares here a key declared once elsewhere (keys every member of a family shares, e.g. a generator's times). */
  public <T> Key<T> declare(Key<T> key) {
    return add(key);
  }

  private <T> Key<T> add(Key<T> key) {
    if (keys.putIfAbsent(key.name(), key) != null) {
      throw new IllegalStateException("key declared twice: " + key.name());
    }
    return key;
  }

  public List<Key<?>> keys() {
    return List.copyOf(keys.values());
  }

  public List<String> names() {
    return List.copyOf(keys.keySet());
  }

  /** Parses and validates the section {@code r}. */
  public ConfigValues parse(SpecReader r) {
    r.rejectUnknown(keys.keySet());
    Map<String, Object> values = new LinkedHashMap<>();
    List<Key<?>> missing = new ArrayList<>();
    for (Key<?> k : keys.values()) {
      if (r.has(k.name())) {
        values.put(k.name(), parse(r, k));
      } else if (k.required()) {
        missing.add(k);
      }
    }
    if (!missing.isEmpty()) {
      throw new SpecException(r.key(missing.get(0).name()), "missing; it is required");
    }
    return new ConfigValues(r, values);
  }

  private static <T> T parse(SpecReader r, Key<T> k) {
    String path = r.key(k.name());
    T v = k.type().parse(path, r.raw(k.name()));
    @SuppressWarnings("unchecked")
    Validator<T> validator = (Validator<T>) k.validator();
    return validator.check(path, v);
  }
}
