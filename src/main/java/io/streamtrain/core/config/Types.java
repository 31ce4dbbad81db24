package io.streamtrain.core.config;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** The value types of config keys. */
public final class Types {
  private Types() {}

  public static final Type<Integer> INT = SpecReader::toInt;
  public static final Type<Long> LONG = SpecReader::toLong;
  /** Numbers, and the strings NaN, Infinity, inf, -Infinity, -inf. */
  public static final Type<Double> DOUBLE = SpecReader::toDouble;
  public static final Type<double[]> DOUBLES = SpecReader::toDoubleArray;
  public static final Type<int[]> INTS = SpecReader::toIntArray;
  /** Rows of numbers (a matrix, or a sequence of vectors); the rows may differ in length. */
  public static final Type<double[][]> DOUBLE_MATRIX = SpecReader::toDoubleMatrix;
  public static final Type<Boolean> BOOLEAN = (key, raw) -> {
    if (raw instanceof Boolean b) {
      return b;
    }
    throw new SpecException(key, raw, "allowed: true or false");
  };
  public static final Type<String> STRING = (key, raw) -> {
    if (raw instanceof String s) {
      return s;
    }
    throw new SpecException(key, raw, "allowed: a string");
  };
  /** The value as given (a section parsed by hand, with its own key checks). */
  public static final Type<Object> ANY = (key, raw) -> raw;
  /** An object with keys, as given. */
  @SuppressWarnings("unchecked")
  public static final Type<Map<String, Object>> MAP =
      (key, raw) -> (Map<String, Object>) SpecReader.asReader(key, raw).map();

  /** An enum written in lower case ({@code EARLIEST} is {@code earliest}). */
  public static <E extends Enum<E>> Type<E> enumOf(Class<E> type) {
    List<String> names = names(type);
    return (key, raw) -> {
      int i = raw instanceof String s ? names.indexOf(s) : -1;
      if (i < 0) {
        throw new SpecException(key, raw, "allowed: one of " + names);
      }
      return type.getEnumConstants()[i];
    };
  }

  /** The spec names of an enum's constants, in declaration order. */
  public static <E extends Enum<E>> List<String> names(Class<E> type) {
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(name(e));
    }
    return names;
  }

  /** The spec name of one constant. */
  public static String name(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  /** A nested section declared by {@code def}; absent, it is {@code build} of its defaults. */
  public static <T> Type<T> section(ConfigDef def, Function<ConfigValues, T> build) {
    return new Type<>() {
      @Override
      public T parse(String key, Object raw) {
        return build.apply(def.parse(SpecReader.asReader(key, raw)));
      }

      @Override
      public T absent(String key) {
        return build.apply(def.parse(new SpecReader(key, Map.of())));
      }
    };
  }

  /** A nested section parsed by a section class's own reader; absent, it is null. */
  public static <T> Type<T> reader(Function<SpecReader, T> parse) {
    return (key, raw) -> parse.apply(SpecReader.asReader(key, raw));
  }
}
