package io.streamtrain.io.events;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A node of the paths' trie ({@link JsonEventReader.Node}) as {@link JsonScanner} walks it: its slot, and its
 * children by the UTF-8 bytes of their names.
 */
final class ScanNode {
  final int slot;
  final int[] subtree;
  /** Whether no path goes deeper. */
  final boolean leaf;
  /**
   * When a string here is hashed: {@code name=} in UTF-8 bytes followed by room for the value, which the scanner
   * copies in to hash the whole key in one pass; else null.
   */
  byte[] hashKey;
  /** The length of {@code name=} in {@link #hashKey}. */
  final int keyLength;
  final byte[][] names;
  /** Per child: whether its name's bytes are all ones a string holds as they are (no quote, no backslash). */
  final boolean[] plain;
  final ScanNode[] kids;
  /**
   * Per child whose name and closing quote fit in eight bytes: those bytes as a little-endian word and its mask, so
   * that one read compares them (0: longer, compared byte by byte).
   */
  final long[] quoted;
  final long[] quotedMask;
  /** Per member position: the child matched there in the last event (-1: none yet). */
  final int[] hint = new int[MAX_HINTS];
  /** Member positions per object whose last matched child is remembered. */
  static final int MAX_HINTS = 64;

  ScanNode(JsonEventReader.Node n, byte[][] hashPrefix) {
    slot = n.slot;
    subtree = n.subtree;
    leaf = n.children.isEmpty();
    byte[] prefix = slot >= 0 ? hashPrefix[slot] : null;
    hashKey = prefix == null ? null : Arrays.copyOf(prefix, prefix.length + 32);
    keyLength = prefix == null ? 0 : prefix.length;
    List<Map.Entry<String, JsonEventReader.Node>> cs = new ArrayList<>(n.children.entrySet());
    names = new byte[cs.size()][];
    plain = new boolean[cs.size()];
    kids = new ScanNode[cs.size()];
    quoted = new long[cs.size()];
    quotedMask = new long[cs.size()];
    for (int i = 0; i < cs.size(); i++) {
      names[i] = cs.get(i).getKey().getBytes(StandardCharsets.UTF_8);
      plain[i] = JsonBytes.plain(names[i], 0, names[i].length) == names[i].length;
      if (plain[i] && names[i].length < 8) {
        for (int k = names[i].length; k >= 0; k--) {
          quoted[i] = quoted[i] << 8 | (k == names[i].length ? '"' : names[i][k] & 0xFF);
        }
        quotedMask[i] = names[i].length == 7 ? -1L : (1L << (8 * (names[i].length + 1))) - 1;
      }
      kids[i] = new ScanNode(cs.get(i).getValue(), hashPrefix);
    }
    Arrays.fill(hint, -1);
  }

  ScanNode child(byte[] b, int at, int len, int k) {
    int h = k < MAX_HINTS ? hint[k] : -1;
    if (h >= 0 && same(names[h], b, at, len)) {
      return kids[h];
    }
    for (int i = 0; i < names.length; i++) {
      if (same(names[i], b, at, len)) {
        if (k < MAX_HINTS) {
          hint[k] = i;
        }
        return kids[i];
      }
    }
    return null;
  }

  /** Whether {@code b} holds child {@code i}'s name at {@code at}, followed by a quote. */
  boolean named(int i, byte[] b, int at, int end) {
    if (quoted[i] != 0 && at + 8 <= end) {
      return ((long) JsonBytes.LONGS.get(b, at) & quotedMask[i]) == quoted[i];
    }
    byte[] name = names[i];
    int q = at + name.length;
    return q < end && b[q] == '"' && same(name, b, at, name.length);
  }

  private static boolean same(byte[] name, byte[] b, int at, int len) {
    if (name.length != len) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if (name[i] != b[at + i]) {
        return false;
      }
    }
    return true;
  }
}
