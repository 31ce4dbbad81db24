package io.streamtrain.io.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON event with Jackson's streaming parser and keeps only the values a mapping reads: no tree. The paths
 * of the mapping's fields form a trie; the parser walks the event once, skips every member off those paths without
 * building anything, and stores the value at the end of each path in that path's slot. {@link EventMapping#find}
 * then answers from the slots. A value that a path ends in is kept as {@link Values} reads it: text, a boxed
 * number of the type Jackson's tree would give (Integer, Long, BigInteger or Double), a Boolean, or for an array
 * or object a {@link JsonArray} / {@link JsonObject} of such values.
 *
 * <p>What a field reads is what it reads from the Jackson tree ({@code EventDecoder.Json}): a repeated member name
 * counts by its last occurrence (its earlier values are forgotten, the tree's replace), a JSON null is absent, array
 * steps are decimal indices, and the text of a number, an object or an array is the tree's {@code asText()}. The
 * whole event is still tokenized, so malformed JSON is rejected as before; a string in a skipped member is not
 * decoded, so a malformed escape or invalid UTF-8 there no longer rejects an event whose mapped fields are sound.
 *
 * <p>The usual event is read faster by {@link JsonScanner}, straight from its bytes (no parser, no boxed number:
 * numbers are kept in {@link SlotNumber}s, which read as the boxed ones), and only what it leaves is read by
 * Jackson's parser as above; both give the same values ({@code JsonScannerTest}). One instance per thread:
 * {@link #decode} returns the same {@link ReadEvent}, overwritten by the next call.
 */
public final class JsonEventReader implements EventDecoder {
  private static final JsonFactory FACTORY = JsonFactory.builder().build();

  /** A step of the paths: the slot of the path ending here (-1: none) and the steps below. */
  static final class Node {
    final Map<String, Node> children = new HashMap<>();
    int slot = -1;
    /** Slots of this node and every node below it (cleared when the member occurs again). */
    int[] subtree = new int[0];
    /** Deeper paths from a materialized value: steps below this node that end in a slot. */
    final List<Object[]> below = new ArrayList<>();
    /**
     * The member names met here in the last event, in order, and their children (null: off the paths): events
     * of one topic usually list their members in one order, and Jackson interns names, so an identity test
     * replaces most hash lookups. Only a hint: a mismatch looks the name up and updates it.
     */
    String[] seen = new String[0];
    Node[] seenChild = new Node[0];

    Node child(String name, int k) {
      if (k < seen.length && seen[k] == name) {
        return seenChild[k];
      }
      Node c = children.get(name);
      if (k < MAX_SEEN) {
        if (k >= seen.length) {
          seen = Arrays.copyOf(seen, k + 1);
          seenChild = Arrays.copyOf(seenChild, k + 1);
        }
        seen[k] = name;
        seenChild[k] = c;
      }
      return c;
    }
  }

  /** Members per object whose order {@link Node#child} remembers. */
  private static final int MAX_SEEN = 64;

  private final ReadEvent event = new ReadEvent();
  private final Node root;
  /** Per slot: the UTF-8 bytes of {@code name=} when a string there is hashed instead of kept (else null). */
  private final byte[][] hashPrefix;
  private final MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
  /** Reads the usual event from its bytes; what it leaves ({@code scan} false) Jackson's parser reads. */
  private final JsonScanner scanner;
  /** How many events the scanner read (the others Jackson's parser did). */
  long scanned;

  /** A reader that keeps the values of {@code fields} (the mapping's and, with delayed labels, the join's). */
  public JsonEventReader(Collection<EventMapping.Field> fields) {
    this(fields, List.of());
  }

  /**
   * A reader that keeps the values of {@code fields}, except that a JSON string at the path of one of
   * {@code hashed} (categorical fields without a transform, {@link EventMapping#hashable}) is hashed as
   * {@code name=value} straight from Jackson's character buffer, with {@link FeatureSpace#INDEX_SEED} and
   * {@link FeatureSpace#SIGN_SEED}, and kept as {@link #HASHED} with its hash ({@link ReadEvent#lastHash}) instead of
   * a String. Only at a path that no other field reads and that ends no deeper path, and only ASCII text (other
   * text is kept as its String, hashed later from it as before); values of other types are kept as before. The
   * scanner also hashes well-formed non-ASCII text from its bytes, which gives the same hash as its String.
   */
  public JsonEventReader(Collection<EventMapping.Field> fields, Collection<EventMapping.Field> hashed) {
    this(fields, hashed, true);
  }

  /** With {@code scan} false, every event is read by Jackson's parser (the tests' reference for the scanner). */
  JsonEventReader(Collection<EventMapping.Field> fields, Collection<EventMapping.Field> hashed, boolean scan) {
    root = trie(fields, event);
    hashPrefix = hashPrefixes(root, fields, hashed, event.values.length);
    scanner = scan ? new JsonScanner(root, hashPrefix, event) : null;
  }

  /**
   * The trie of {@code fields}' paths (indexed: subtree slots, paths below each node), each distinct path given a
   * slot of {@code event} in the order first met; the event's fields are registered and its arrays sized here.
   */
  static Node trie(Collection<EventMapping.Field> fields, ReadEvent event) {
    Node root = new Node();
    Map<String, Integer> slotOfPath = new HashMap<>();
    for (EventMapping.Field f : fields) {
      Integer slot = slotOfPath.computeIfAbsent(f.path(), p -> slotOfPath.size());
      event.add(f, slot);
      Node n = root;
      for (String step : f.steps()) {
        n = n.children.computeIfAbsent(step, s -> new Node());
      }
      n.slot = slot;
    }
    event.values = new Object[slotOfPath.size()];
    event.hashes = new long[slotOfPath.size()];
    event.listHashes = new long[slotOfPath.size()][];
    event.listSizes = new int[slotOfPath.size()];
    event.numbers = new SlotNumber[slotOfPath.size()];
    event.lastStrings = new String[slotOfPath.size()];
    for (int i = 0; i < event.numbers.length; i++) {
      event.numbers[i] = new SlotNumber();
    }
    index(root);
    return root;
  }

  /**
   * Per slot of {@link #trie}: the UTF-8 bytes of {@code name=} when a string there may be hashed as it is read
   * (the path of one of {@code hashed}, read by no other field, ending no deeper path), else null.
   */
  static byte[][] hashPrefixes(Node root, Collection<EventMapping.Field> fields,
      Collection<EventMapping.Field> hashed, int slots) {
    Map<String, Integer> readers = new HashMap<>();
    for (EventMapping.Field f : fields) {
      readers.merge(f.path(), 1, Integer::sum);
    }
    byte[][] prefix = new byte[slots][];
    for (EventMapping.Field f : hashed) {
      Node n = root;
      for (String step : f.steps()) {
        n = n == null ? null : n.children.get(step);
      }
      if (n != null && n.slot >= 0 && readers.get(f.path()) == 1 && n.children.isEmpty()) {
        prefix[n.slot] = (f.name() + "=").getBytes(StandardCharsets.UTF_8);
      }
    }
    return prefix;
  }

  /** Fills each node's subtree slots and the paths below it that end in a slot (for values kept whole). */
  private static int[] index(Node n) {
    int[] all = n.slot >= 0 ? new int[] {n.slot} : new int[0];
    for (Node c : n.children.values()) {
      int[] sub = index(c);
      int k = all.length;
      all = Arrays.copyOf(all, k + sub.length);
      System.arraycopy(sub, 0, all, k, sub.length);
    }
    n.subtree = all;
    collectBelow(n, n, new ArrayList<>());
    return all;
  }

  private static void collectBelow(Node top, Node n, List<String> steps) {
    for (Map.Entry<String, Node> c : n.children.entrySet()) {
      steps.add(c.getKey());
      if (c.getValue().slot >= 0) {
        top.below.add(new Object[] {steps.toArray(new String[0]), c.getValue().slot});
      }
      collectBelow(top, c.getValue(), steps);
      steps.remove(steps.size() - 1);
    }
  }

  @Override
  public Object decode(byte[] value) throws IOException {
    ReadEvent e = event;
    Arrays.fill(e.values, null);
    e.object = false;
    e.anyHashed = false;
    e.next = 0;
    if (scanner != null && scanner.scan(value)) {
      e.object = true;
      scanned++;
    } else {
      Arrays.fill(e.values, null);
      // A parser per record: one non-blocking parser fed record after record was tried and measured no faster
      // (docs/benchmarks.md, "JSON categorical strings hashed at read").
      try (JsonParser p = FACTORY.createParser(value)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          return e;
        }
        e.object = true;
        readObject(p, root, e.values);
      }
    }
    for (Object v : e.values) {
      if (v == HASHED || v == HASHED_LIST) {
        e.anyHashed = true;
        break;
      }
    }
    return e;
  }

  /** The value a hashed string is kept as: its hash is in {@link ReadEvent#hashes}. */
  static final Object HASHED = new Object() {
    @Override
    public String toString() {
      return "(hashed)";
    }
  };

  /**
   * The value a non-empty array of strings hashed element by element is kept as ({@link AvroEventReader}): the
   * hashes are in {@link ReadEvent#listHashes}, in order.
   */
  static final Object HASHED_LIST = new Object() {
    @Override
    public String toString() {
      return "(hashed list)";
    }
  };

  /** Reads the members of the object whose START_OBJECT was the last token, keeping the values on the paths. */
  private void readObject(JsonParser p, Node node, Object[] values) throws IOException {
    for (int k = 0; p.nextToken() == JsonToken.FIELD_NAME; k++) {
      Node child = node.child(p.currentName(), k);
      JsonToken t = p.nextToken();
      if (child == null) {
        p.skipChildren();
        continue;
      }
      for (int s : child.subtree) {
        values[s] = null;
      }
      if (t == JsonToken.START_OBJECT && child.slot < 0) {
        readObject(p, child, values);
      } else if (t == JsonToken.START_OBJECT && child.children.isEmpty()) {
        values[child.slot] = readValue(p, t);
      } else if (t == JsonToken.START_OBJECT) {
        // A path ends here and others go deeper: the object is a value and is also walked.
        values[child.slot] = JsonObject.WALKED;
        readObject(p, child, values);
      } else if (t == JsonToken.VALUE_STRING && child.slot >= 0 && hashPrefix[child.slot] != null) {
        byte[] prefix = hashPrefix[child.slot];
        long h = hasher.hashAscii(prefix, prefix.length, p.getTextCharacters(), p.getTextOffset(),
            p.getTextLength(), FeatureSpace.INDEX_SEED, FeatureSpace.SIGN_SEED);
        if (hasher.lastHadNonAscii()) {
          values[child.slot] = p.getText();
        } else {
          values[child.slot] = HASHED;
          event.hashes[child.slot] = h;
        }
      } else {
        Object v = readValue(p, t);
        if (child.slot >= 0) {
          values[child.slot] = v;
        }
        if (t == JsonToken.START_ARRAY) {
          for (Object[] b : child.below) {
            values[(Integer) b[1]] = EventMapping.walk(v, (String[]) b[0]);
          }
        }
      }
    }
  }

  /** The value whose first token is {@code t}, as the tree would answer for it. */
  private static Object readValue(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case START_ARRAY: {
        JsonArray a = new JsonArray();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          a.add(readValue(p, e));
        }
        return a;
      }
      case START_OBJECT: {
        JsonObject o = new JsonObject();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          o.put(name, readValue(p, p.nextToken()));
        }
        return o;
      }
      default:
        return null;
    }
  }

  /** A JSON array kept whole: its text is empty, as a Jackson tree container's {@code asText()}. */
  static final class JsonArray extends ArrayList<Object> {
    private static final long serialVersionUID = 1L;

    @Override
    public String toString() {
      return "";
    }
  }

  /** A JSON object kept whole: its text is empty, as a Jackson tree container's {@code asText()}. */
  static final class JsonObject extends LinkedHashMap<String, Object> {
    private static final long serialVersionUID = 1L;
    /** An object walked member by member (its members are in the slots of the paths below it). */
    static final JsonObject WALKED = new JsonObject();

    @Override
    public String toString() {
      return "";
    }
  }
}
