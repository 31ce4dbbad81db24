package io.streamtrain.core.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A part body of named scalars: the number of fields, then each as its name (modified UTF-8) and 8 bytes (a long,
 * or a double's raw bits, so NaN payloads survive). A reader looks fields up by name: the order they were written
 * in does not matter, a field it does not know is ignored and a field the state lacks keeps the reader's default
 * (a fresh state's value), so fields can be added, reordered or dropped without shifting another's value.
 */
public final class Fields {
  private final Map<String, Long> values;

  private Fields(Map<String, Long> values) {
    this.values = values;
  }

  /** Reads the fields of a body written by a {@link Writer}. */
  public static Fields read(DataInput in) throws IOException {
    int n = in.readUnsignedShort();
    Map<String, Long> values = new HashMap<>(2 * n);
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      if (values.put(name, in.readLong()) != null) {
        throw new IOException("state field '" + name + "' appears twice");
      }
    }
    return new Fields(values);
  }

  public long getLong(String name, long absent) {
    Long v = values.get(name);
    return v == null ? absent : v;
  }

  public double getDouble(String name, double absent) {
    Long v = values.get(name);
    return v == null ? absent : Double.longBitsToDouble(v);
  }

  /** Collects named fields, then writes them as one body ({@link #writeTo}: the same bytes every call). */
  public static final class Writer {
    private final Map<String, Long> fields = new LinkedHashMap<>();

    public Writer putLong(String name, long v) {
      if (fields.put(name, v) != null) {
        throw new IllegalArgumentException("state field '" + name + "' put twice");
      }
      return this;
    }

    public Writer putDouble(String name, double v) {
      return putLong(name, Double.doubleToRawLongBits(v));
    }

    public void writeTo(DataOutput out) throws IOException {
      out.writeShort(fields.size());
      for (Map.Entry<String, Long> f : fields.entrySet()) {
        out.writeUTF(f.getKey());
        out.writeLong(f.getValue());
      }
    }
  }
}
