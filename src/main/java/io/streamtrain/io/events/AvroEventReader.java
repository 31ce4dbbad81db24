package io.streamtrain.io.events;

import static io.streamtrain.io.events.AvroSteps.*;

import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Reads an Avro event of one writer schema and keeps only the values a mapping reads, as {@link JsonEventReader}
 * does for JSON: no GenericRecord. The reader is compiled from the writer schema and the trie of the mapping's
 * paths: it walks the binary once, skips every field off the paths by its encoded lengths and counts (strings,
 * bytes, fixed, arrays, maps, unions, nested records), descends records on the paths and stores the value at the
 * end of each path in that path's slot of a {@link ReadEvent}, so {@link EventMapping#find} answers
 * from the slots.
 *
 * <p>A slot holds what the GenericRecord path ({@code EventDecoder.Avro}) gives {@link Values}, so the mapping's
 * results and refusal messages are the same: a String for a string (the generic path's Utf8 has the same text),
 * a number as its boxed Integer, Long, Float or Double reads (a {@link SlotNumber}, not boxed), a Boolean, an enum's
 * symbol text, null for a null (a union's null branch included: absent). A map with paths going on through its
 * keys is read entry by entry, each key on the paths compiled as a field (its last occurrence counts, as in the
 * generic path's map). A value that is not a scalar (a
 * record, array, map, bytes or fixed) at the end of a path, or an array with paths going on through it (indices),
 * is read whole by a GenericDatumReader of its schema
 * (an array of strings into a list of Strings), and the deeper paths are walked in it. A string at the path of a
 * categorical field that may be hashed at read ({@link JsonEventReader#hashPrefixes}) is hashed as {@code name=value}
 * straight from its UTF-8 bytes, with {@link FeatureSpace#INDEX_SEED} and {@link FeatureSpace#SIGN_SEED}, and kept
 * as {@link JsonEventReader#HASHED}; when its name or value is not ASCII it is kept as its String instead (the
 * generic path decodes invalid UTF-8 to U+FFFD, so only the String's hash is certain to agree). An array of strings
 * there is hashed element by element, kept as {@link JsonEventReader#HASHED_LIST} (as a list of Strings when an
 * element is not ASCII). One instance per thread: {@link #decode} returns the same event, overwritten by the next
 * call.
 */
public final class AvroEventReader implements EventDecoder, EventDecoder.AvroBody {

  private final ReadEvent event = new ReadEvent();
  private final Step root;
  /** Null, or why events of this writer schema are refused (it is not a record schema). */
  private final String notRecord;
  private final byte[][] hashPrefix;
  private final MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
  /** The bytes being decoded, and where they end. */
  private byte[] input;
  private int end;
  private final String where;
  private BinaryDecoder decoder;

  /** A reader of events of {@code writer} that keeps the values of {@code fields}. */
  public AvroEventReader(Schema writer, Collection<EventMapping.Field> fields) {
    this(writer, fields, List.of(), "");
  }

  /**
   * A reader of events of {@code writer} that keeps the values of {@code fields} and hashes the strings at the
   * paths of {@code hashed} (categorical fields without a transform, {@link EventMapping#hashable}) where allowed;
   * {@code where} ends its messages about bytes that are not such an event (e.g. " of schema id 7").
   */
  public AvroEventReader(Schema writer, Collection<EventMapping.Field> fields, Collection<EventMapping.Field> hashed,
      String where) {
    event.kind = "record";
    JsonEventReader.Node trie = JsonEventReader.trie(fields, event);
    hashPrefix = JsonEventReader.hashPrefixes(trie, fields, hashed, event.values.length);
    this.where = where;
    boolean record = writer.getType() == Schema.Type.RECORD;
    notRecord = record ? null : "the writer schema" + where + " is a " + writer.getType().getName()
        + ", not a record";
    root = record ? compile(writer, trie, new IdentityHashMap<>()) : null;
  }

  @Override
  public Object decode(byte[] value) throws IOException {
    return decode(value, 0, value.length);
  }

  /** The event in {@code value[off, off+len)}; IOException when those bytes are not one event of the schema. */
  @Override
  public ReadEvent decode(byte[] value, int off, int len) throws IOException {
    ReadEvent e = event;
    Object[] values = e.values;
    java.util.Arrays.fill(values, null);
    e.anyHashed = false;
    e.next = 0;
    e.object = true;
    if (notRecord != null) {
      throw new IOException(notRecord);
    }
    BinaryDecoder d = DecoderFactory.get().binaryDecoder(value, off, len, decoder);
    input = value;
    end = off + len;
    decoder = d;
    try {
      read(root, d, values);
    } catch (EOFException ex) {
      throw new IOException("truncated: the bytes end inside the Avro record" + where);
    }
    if (!d.isEnd()) {
      throw new IOException("trailing bytes after the Avro record" + where);
    }
    for (Object v : values) {
      if (v == JsonEventReader.HASHED || v == JsonEventReader.HASHED_LIST) {
        e.anyHashed = true;
        break;
      }
    }
    return e;
  }

  private void read(Step s, BinaryDecoder d, Object[] values) throws IOException {
    switch (s.op) {
      case SKIP_NULL -> { }
      case SKIP_BOOLEAN -> d.readBoolean();
      case SKIP_VARINT -> d.readLong();
      case SKIP_FLOAT -> d.skipFixed(4);
      case SKIP_DOUBLE -> d.skipFixed(8);
      case SKIP_BYTES -> d.skipFixed(length(d, where));
      case SKIP_FIXED -> d.skipFixed(s.size);
      case SKIP_ENUM -> symbol(s, d, where);
      case SKIP_ARRAY -> {
        Step items = s.parts[0];
        for (long n = blockCount(d, where); n != 0; n = blockCount(d, where)) {
          for (long i = items.op == SKIP_NULL ? n : 0; i < n; i++) {
            read(items, d, values);
          }
        }
      }
      case SKIP_MAP -> {
        Step items = s.parts[0];
        for (long n = blockCount(d, where); n != 0; n = blockCount(d, where)) {
          for (long i = 0; i < n; i++) {
            d.skipFixed(length(d, where));
            read(items, d, values);
          }
        }
      }
      case UNION -> {
        int i = d.readIndex();
        if (i < 0 || i >= s.parts.length) {
          throw new IOException("union branch " + i + " out of range (" + s.parts.length + " branches)" + where);
        }
        read(s.parts[i], d, values);
      }
      case RECORD -> {
        for (Step f : s.parts) {
          read(f, d, values);
        }
      }
      case KEEP_BOOLEAN -> values[s.slot] = d.readBoolean();
      case KEEP_INT -> values[s.slot] = event.numbers[s.slot].integral(d.readInt());
      case KEEP_LONG -> values[s.slot] = event.numbers[s.slot].integral(d.readLong());
      case KEEP_FLOAT -> values[s.slot] = event.numbers[s.slot].single(d.readFloat());
      case KEEP_DOUBLE -> values[s.slot] = event.numbers[s.slot].real(d.readDouble());
      case KEEP_STRING -> values[s.slot] = keptString(s.slot, d);
      case HASH_STRING -> {
        long h = hashString(s.slot, d);
        if (hasher.lastHadNonAscii()) {
          values[s.slot] = new String(input, lastAt, lastLength, StandardCharsets.UTF_8);
        } else {
          values[s.slot] = JsonEventReader.HASHED;
          event.hashes[s.slot] = h;
        }
      }
      case KEEP_ENUM -> values[s.slot] = symbol(s, d, where);
      case STRING_ARRAY -> {
        List<Object> a = new ArrayList<>();
        for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
          for (long i = 0; i < n; i++) {
            a.add(d.readString());
          }
        }
        keep(s, a, values);
      }
      case WHOLE -> keep(s, s.whole.read(null, d), values);
      case HASH_STRING_ARRAY -> hashStrings(s.slot, d, values);
      case MAP_KEYS -> readMapKeys(s, d, values);
      default -> throw new IllegalStateException("step " + s.op);
    }
  }

  /** Where the string {@link #hashString} hashed last is in {@link #input}, and its length in bytes. */
  private int lastAt;
  private int lastLength;
  /** The strings of the array {@link #hashStrings} reads: where each is in {@link #input} and its length. */
  private int[] spans = new int[16];

  /**
   * Hashes {@code name=value} for the string the decoder is at, where its bytes are (the decoder reads the input
   * array itself, up to its end), and moves past it; the caller checks {@link MurmurHash3.Utf8Hasher#lastHadNonAscii}.
   */
  private long hashString(int slot, BinaryDecoder d) throws IOException {
    int n = stringAt(d);
    byte[] prefix = hashPrefix[slot];
    // The prefix is "name=": the hasher puts the '=' between name and value itself.
    long h = hasher.hash(prefix, 0, prefix.length - 1, input, lastAt, n, FeatureSpace.INDEX_SEED,
        FeatureSpace.SIGN_SEED);
    d.skipFixed(n);
    return h;
  }

  /**
   * Finds the string the decoder is at in {@link #input} ({@link #lastAt}, {@link #lastLength}, returned) without
   * moving past it: the decoder reads the input array itself, up to its end.
   */
  private int stringAt(BinaryDecoder d) throws IOException {
    int n = length(d, where);
    int left = d.remainingBytes();
    if (n > left) {
      throw new EOFException();
    }
    lastAt = end - left;
    lastLength = n;
    return n;
  }

  /**
   * The string the decoder is at, moving past it, as {@link ReadEvent#text} keeps it.
   */
  private String keptString(int slot, BinaryDecoder d) throws IOException {
    int n = stringAt(d);
    String v = event.text(slot, input, lastAt, n);
    d.skipFixed(n);
    return v;
  }

  /**
   * An array of strings at a hashed field's path, each element hashed where its bytes are: kept as
   * {@link JsonEventReader#HASHED_LIST}, or when one is not ASCII as the list of Strings {@link #STRING_ARRAY}
   * would keep (made from the elements' bytes), or when empty as an empty list.
   */
  private void hashStrings(int slot, BinaryDecoder d, Object[] values) throws IOException {
    int count = 0;
    boolean ascii = true;
    for (long n = d.readArrayStart(); n != 0; n = d.arrayNext()) {
      for (long i = 0; i < n; i++) {
        long h = hashString(slot, d);
        ascii &= !hasher.lastHadNonAscii();
        if (2 * count + 1 >= spans.length) {
          spans = java.util.Arrays.copyOf(spans, 4 * count + 4);
        }
        event.listHash(slot, count, h);
        spans[2 * count] = lastAt;
        spans[2 * count + 1] = lastLength;
        count++;
      }
    }
    event.listSizes[slot] = count;
    if (count > 0 && ascii) {
      values[slot] = JsonEventReader.HASHED_LIST;
      return;
    }
    List<Object> a = new ArrayList<>(count);
    for (int k = 0; k < count; k++) {
      a.add(new String(input, spans[2 * k], spans[2 * k + 1], StandardCharsets.UTF_8));
    }
    values[slot] = a;
  }

  /** A map on the paths but not kept itself: its entries are read one by one, the values of the keys on the paths. */
  private Step mapKeys(Schema schema, JsonEventReader.Node n, Map<Schema, Step> skips) {
    Step s = new Step(MAP_KEYS, -1);
    List<String> names = new ArrayList<>(n.children.keySet());
    s.keys = new byte[names.size()][];
    s.keySlots = new int[names.size()][];
    s.parts = new Step[names.size() + 1];
    s.parts[0] = skip(schema.getValueType(), skips);
    for (int k = 0; k < names.size(); k++) {
      JsonEventReader.Node c = n.children.get(names.get(k));
      s.keys[k] = names.get(k).getBytes(StandardCharsets.UTF_8);
      s.keySlots[k] = c.subtree;
      s.parts[k + 1] = compile(schema.getValueType(), c, skips);
    }
    return s;
  }

  /** Reads a map's entries, each key on the paths into its slots (its last occurrence counts), the others skipped. */
  private void readMapKeys(Step s, BinaryDecoder d, Object[] values) throws IOException {
    int at = 0;
    for (long n = d.readMapStart(); n != 0; n = d.mapNext()) {
      for (long i = 0; i < n; i++, at++) {
        int len = stringAt(d);
        int k = keyOf(s, at, input, lastAt, len);
        d.skipFixed(len);
        if (k < 0) {
          read(s.parts[0], d, values);
        } else {
          for (int slot : s.keySlots[k]) {
            values[slot] = null;
          }
          read(s.parts[k + 1], d, values);
        }
      }
    }
  }

  /** The step reading a value of {@code schema} at trie node {@code n} (null: off the paths). */
  private Step compile(Schema schema, JsonEventReader.Node n, Map<Schema, Step> skips) {
    if (n == null || (n.slot < 0 && n.children.isEmpty())) {
      return skip(schema, skips);
    }
    int slot = n.slot;
    switch (schema.getType()) {
      case UNION: {
        Step s = new Step(UNION, -1);
        s.parts = schema.getTypes().stream().map(b -> compile(b, n, skips)).toArray(Step[]::new);
        return s;
      }
      case RECORD: {
        if (slot >= 0) {
          return whole(schema, n);
        }
        Step s = new Step(RECORD, -1);
        s.parts = schema.getFields().stream().map(f -> compile(f.schema(), n.children.get(f.name()), skips))
            .toArray(Step[]::new);
        return s;
      }
      case ARRAY:
        if (schema.getElementType().getType() == Schema.Type.STRING) {
          Step s = new Step(slot >= 0 && hashPrefix[slot] != null ? HASH_STRING_ARRAY : STRING_ARRAY, slot);
          s.below = n.below;
          return s;
        }
        return whole(schema, n);
      case MAP:
        return slot >= 0 ? whole(schema, n) : mapKeys(schema, n, skips);
      case BYTES:
      case FIXED:
        return whole(schema, n);
      default:
        break;
    }
    if (slot < 0) {
      // Paths going on below a scalar find nothing there.
      return skip(schema, skips);
    }
    return switch (schema.getType()) {
      case NULL -> new Step(SKIP_NULL, -1);
      case BOOLEAN -> new Step(KEEP_BOOLEAN, slot);
      case INT -> new Step(KEEP_INT, slot);
      case LONG -> new Step(KEEP_LONG, slot);
      case FLOAT -> new Step(KEEP_FLOAT, slot);
      case DOUBLE -> new Step(KEEP_DOUBLE, slot);
      case STRING -> new Step(hashPrefix[slot] != null ? HASH_STRING : KEEP_STRING, slot);
      case ENUM -> {
        Step s = new Step(KEEP_ENUM, slot);
        s.symbols = schema.getEnumSymbols().toArray(new String[0]);
        s.size = s.symbols.length;
        yield s;
      }
      default -> throw new IllegalStateException("unexpected Avro type " + schema.getType());
    };
  }
}
