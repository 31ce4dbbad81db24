package io.streamtrain.core.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ObjDoubleConsumer;
import java.util.function.ObjLongConsumer;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * A part body of named scalars of an object, each field declared once (name, how to get it, how to set it): the
 * body is the number of fields, then each as its name (modified UTF-8) and 8 bytes (a long, or a double's raw bits,
 * so NaN payloads survive). A reader sets fields by name: the order they were written in does not matter, a field
 * it does not know is ignored and a field the body lacks keeps the object's value (a fresh state's), so fields can
 * be added, reordered or dropped without shifting another's value.
 */
public final class Fields<T> {
  /** One named scalar of a {@code T}, as the 8 bytes written for it. */
  public record Field<T>(String name, ToLongFunction<T> get, ObjLongConsumer<T> set) {}

  private final List<Field<T>> fields;
  private final Map<String, Field<T>> byName = new HashMap<>();

  @SafeVarargs
  public Fields(Field<T>... fields) {
    this.fields = List.of(fields);
    for (Field<T> f : fields) {
      if (byName.put(f.name(), f) != null) {
        throw new IllegalArgumentException("state field '" + f.name() + "' declared twice");
      }
    }
  }

  public static <T> Field<T> ofLong(String name, ToLongFunction<T> get, ObjLongConsumer<T> set) {
    return new Field<>(name, get, set);
  }

  public static <T> Field<T> ofDouble(String name, ToDoubleFunction<T> get, ObjDoubleConsumer<T> set) {
    return new Field<>(name, o -> Double.doubleToRawLongBits(get.applyAsDouble(o)),
        (o, bits) -> set.accept(o, Double.longBitsToDouble(bits)));
  }

  /** Writes every field of {@code obj}, in declaration order. */
  public void write(DataOutput out, T obj) throws IOException {
    out.writeShort(fields.size());
    for (Field<T> f : fields) {
      out.writeUTF(f.name());
      out.writeLong(f.get().applyAsLong(obj));
    }
  }

  /** Sets the fields of {@code obj} that the body names; others keep their value. */
  public void read(DataInput in, T obj) throws IOException {
    int n = in.readUnsignedShort();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      long bits = in.readLong();
      if (!seen.add(name)) {
        throw new IOException("state field '" + name + "' appears twice");
      }
      Field<T> f = byName.get(name);
      if (f != null) {
        f.set().accept(obj, bits);
      }
    }
  }
}
