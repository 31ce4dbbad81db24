package io.streamtrain.io.events;

import io.streamtrain.core.feature.FeatureSpace;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An event as a reader keeps it ({@link JsonEventReader}, {@link AvroEventReader}): whether it was an object, and
 * the value at each path (null: absent). The mapping asks for its fields in the same order for every event, so a
 * lookup first tries the field after the one asked last (a hash lookup per field was a tenth of the source thread's
 * time).
 */
final class ReadEvent {
  private EventMapping.Field[] fields = new EventMapping.Field[0];
  private int[] slotOf = new int[0];
  /** The index of the field asked for next (set to 0 by a reader for each event). */
  int next;
  private int lastSlot;
  Object[] values;
  /** Per slot: the hash of a value kept as {@link JsonEventReader#HASHED}. */
  long[] hashes;
  boolean object;
  /** What the event should have been, for the mapping's refusal when it was not: "JSON object" or "record". */
  String kind = "JSON object";
  /** Whether some value was kept as {@link JsonEventReader#HASHED} or {@link JsonEventReader#HASHED_LIST}. */
  boolean anyHashed;

  void add(EventMapping.Field f, int slot) {
    int n = fields.length;
    fields = Arrays.copyOf(fields, n + 1);
    slotOf = Arrays.copyOf(slotOf, n + 1);
    fields[n] = f;
    slotOf[n] = slot;
  }

  /** The value of {@code f}, which must be one of the fields the reader was made for. */
  Object get(EventMapping.Field f) {
    int i = next < fields.length && fields[next] == f ? next : indexOf(f);
    next = i + 1;
    lastSlot = slotOf[i];
    return values[lastSlot];
  }

  /** Per slot: the number kept there unboxed ({@link SlotNumber}), reused event after event. */
  SlotNumber[] numbers;
  /** Per slot: the String kept there last. */
  String[] lastStrings;

  /**
   * The text of the UTF-8 bytes {@code b[at, at+n)} for {@code slot}: the slot's last String when it has the same
   * ASCII text (a model id, a tenant: the same text event after event, as the Sample codec reuses its model id),
   * else a new String.
   */
  String text(int slot, byte[] b, int at, int n) {
    String last = lastStrings[slot];
    boolean same = last != null && last.length() == n;
    for (int i = 0; same && i < n; i++) {
      same = b[at + i] == last.charAt(i);
    }
    String v = same ? last : new String(b, at, n, StandardCharsets.UTF_8);
    lastStrings[slot] = v;
    return v;
  }

  /**
   * Per slot: the hashes of a value kept as {@link JsonEventReader#HASHED_LIST} (null until one is), and their
   * count.
   */
  long[][] listHashes;
  int[] listSizes;

  /** Keeps {@code h} as hash {@code k} of the list read at {@code slot}, growing the slot's array as needed. */
  void listHash(int slot, int k, long h) {
    long[] hs = listHashes[slot];
    if (hs == null) {
      hs = new long[8];
      listHashes[slot] = hs;
    } else if (k == hs.length) {
      hs = Arrays.copyOf(hs, 2 * k);
      listHashes[slot] = hs;
    }
    hs[k] = h;
  }

  /** The hash of the value {@link #get} returned last, when that was {@link JsonEventReader#HASHED}. */
  long lastHash() {
    return hashes[lastSlot];
  }

  /**
   * Adds the hashes of the value {@link #get} returned last, a {@link JsonEventReader#HASHED_LIST}, to {@code out}
   * as hashed fields of {@code space} (slot and sign, value 1 as a categorical field's), in order.
   */
  void addLastHashes(io.streamtrain.io.MutableSample out, FeatureSpace space) {
    long[] hs = listHashes[lastSlot];
    for (int k = 0, n = listSizes[lastSlot]; k < n; k++) {
      out.addHashed(space.slot(hs[k]), FeatureSpace.sign(hs[k]));
    }
  }

  private int indexOf(EventMapping.Field f) {
    for (int i = 0; i < fields.length; i++) {
      if (fields[i] == f) {
        return i;
      }
    }
    throw new IllegalStateException(f.path() + " is not one of the paths this reader keeps");
  }
}
