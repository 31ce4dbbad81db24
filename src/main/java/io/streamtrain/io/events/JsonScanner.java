package io.streamtrain.io.events;

import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import java.util.Arrays;

/**
 * Reads the usual JSON event straight from its UTF-8 bytes for {@link JsonEventReader}: no parser object, no
 * token, no String for a member name, no boxed number. It walks the event once against the trie of the mapping's
 * paths (member names compared as bytes), checks the whole text against JSON's grammar as it goes, and stores the
 * value at the end of each path in that path's slot: a string as its String (the slot's last one reused), or
 * hashed as {@code name=value} from its bytes at a hashed field's path (well-formed UTF-8 hashes as its String
 * does), an array of strings there hashed element by element ({@link JsonEventReader#HASHED_LIST}), a number in the
 * slot's {@link SlotNumber}, a boolean.
 *
 * <p>It reads only what it can read exactly as the Jackson-based reader does and answers {@code false} for
 * anything else, and the caller then reads the event with Jackson: text that is not strict JSON (Jackson refuses
 * it, or it is a case this scanner does not judge: a byte-order mark, a non-object root, bytes after the root),
 * an escaped member name or an escaped string at a path's end, an object or an array kept whole or walked by index,
 * integers of more than 18 digits, numbers longer than {@value #MAX_NUMBER} characters, nesting deeper than
 * {@value #MAX_DEPTH}, names and strings longer than {@value #MAX_NAME} and {@value #MAX_STRING} bytes, text that
 * is not well-formed UTF-8. Doubles are the correctly rounded value of their text
 * (Jackson's {@code Double.parseDouble}): one exact multiplication or division when the decimal significand has at
 * most 15 digits and the power of ten is at most 22, else {@code Double.parseDouble} itself.
 */
final class JsonScanner {
  private static final int MAX_DEPTH = 100;
  private static final int MAX_NUMBER = 100;
  /**
   * The longest member name and string, in bytes, this scanner reads: below Jackson's default limits (50,000 and
   * 20,000,000 characters, {@code StreamReadConstraints}; a character takes at least one byte), so that Jackson
   * judges anything longer.
   */
  private static final int MAX_NAME = 40_000;
  private static final int MAX_STRING = 16_000_000;
  private final ScanNode root;
  private final ReadEvent event;
  /** The event's bytes and where they end. */
  private byte[] b;
  private int end;
  /** The last string read: where its content starts, its length in bytes, whether it has escapes. */
  private int strAt;
  private int strLen;
  private boolean strEscaped;

  JsonScanner(JsonEventReader.Node root, byte[][] hashPrefix, ReadEvent event) {
    this.root = new ScanNode(root, hashPrefix);
    this.event = event;
  }

  // Each step below takes the position to read at and returns the position after what it read, or -1 when the
  // event is left to Jackson.

  /**
   * Reads {@code in} into the event's slots (which the caller cleared); false when the event must be read by
   * Jackson instead (the slots are then partly written: the caller clears them again).
   */
  boolean scan(byte[] in) {
    b = in;
    end = in.length;
    int p = JsonBytes.ws(b, 0, end);
    if (p >= end || b[p] != '{') {
      return false;
    }
    p = object(root, p + 1, 0);
    return p >= 0 && JsonBytes.ws(b, p, end) == end;
  }

  /** The members of the object whose '{' is before {@code p}, along {@code node}'s paths (null: none, skipped). */
  private int object(ScanNode node, int p, int depth) {
    final byte[] b = this.b;
    final int end = this.end;
    if (depth > MAX_DEPTH) {
      return -1;
    }
    p = JsonBytes.ws(b, p, end);
    if (p < end && b[p] == '}') {
      return p + 1;
    }
    for (int k = 0; ; k++) {
      if (p >= end || b[p] != '"') {
        return -1;
      }
      ScanNode child = null;
      int h = node != null && k < ScanNode.MAX_HINTS ? node.hint[k] : -1;
      if (h >= 0 && node.plain[h] && node.named(h, b, p + 1, end)) {
        // The member named as in the last event: its bytes are that name's, then the closing quote.
        child = node.kids[h];
        p += node.names[h].length + 2;
      } else {
        p = string(p + 1);
        if (p < 0 || strLen > MAX_NAME) {
          return -1;
        }
        if (node != null) {
          if (strEscaped) {
            return -1;
          }
          child = node.child(b, strAt, strLen, k);
        }
      }
      p = JsonBytes.ws(b, p, end);
      if (p >= end || b[p] != ':') {
        return -1;
      }
      p = JsonBytes.ws(b, p + 1, end);
      if (p >= end) {
        return -1;
      }
      p = child == null ? skip(p, depth) : value(child, p, depth);
      if (p < 0) {
        return -1;
      }
      p = JsonBytes.ws(b, p, end);
      if (p >= end) {
        return -1;
      }
      byte c = b[p++];
      if (c == '}') {
        return p;
      }
      if (c != ',') {
        return -1;
      }
      p = JsonBytes.ws(b, p, end);
    }
  }

  /** The value of a member on the paths (at {@code p}, before the end): stored in its slot, or walked. */
  private int value(ScanNode s, int p, int depth) {
    Object[] values = event.values;
    if (s.leaf) {
      values[s.slot] = null;
    } else {
      for (int i : s.subtree) {
        values[i] = null;
      }
    }
    byte c = b[p];
    if (c == '"') {
      p = string(p + 1);
      if (p < 0 || s.slot < 0) {
        return p;
      }
      if (strEscaped) {
        return -1;
      }
      if (s.hashKey != null) {
        event.hashes[s.slot] = hash(s, b, strAt, strLen);
        values[s.slot] = JsonEventReader.HASHED;
      } else {
        values[s.slot] = event.text(s.slot, b, strAt, strLen);
      }
      return p;
    }
    if (c == '{') {
      return s.slot < 0 ? object(s, p + 1, depth + 1) : -1;
    }
    if (c == '[') {
      return s.slot >= 0 && s.leaf && s.hashKey != null ? hashedList(s, p + 1) : -1;
    }
    if (c == 't' || c == 'f' || c == 'n') {
      p = JsonBytes.literal(b, p, end);
      if (p >= 0 && s.slot >= 0 && c != 'n') {
        values[s.slot] = c == 't' ? Boolean.TRUE : Boolean.FALSE;
      }
      return p;
    }
    return number(p, s.slot);
  }

  /** A value off the paths (at {@code p}, before the end), checked and skipped. */
  private int skip(int p, int depth) {
    return switch (b[p]) {
      case '{' -> object(null, p + 1, depth + 1);
      case '[' -> array(p + 1, depth + 1);
      case '"' -> string(p + 1);
      case 't', 'f', 'n' -> JsonBytes.literal(b, p, end);
      default -> number(p, -1);
    };
  }

  /** The elements of the array whose '[' is before {@code p}, skipped. */
  private int array(int p, int depth) {
    if (depth > MAX_DEPTH) {
      return -1;
    }
    p = JsonBytes.ws(b, p, end);
    if (p < end && b[p] == ']') {
      return p + 1;
    }
    while (true) {
      if (p >= end || (p = skip(p, depth)) < 0) {
        return -1;
      }
      p = JsonBytes.ws(b, p, end);
      if (p >= end) {
        return -1;
      }
      byte c = b[p++];
      if (c == ']') {
        return p;
      }
      if (c != ',') {
        return -1;
      }
      p = JsonBytes.ws(b, p, end);
    }
  }

  /**
   * An array at a hashed field's path (its '[' before {@code p}): each element an unescaped string, hashed; kept as
   * {@link JsonEventReader#HASHED_LIST}, or as an empty array. Anything else is left to Jackson.
   */
  private int hashedList(ScanNode s, int p) {
    int slot = s.slot;
    p = JsonBytes.ws(b, p, end);
    if (p < end && b[p] == ']') {
      event.values[slot] = EMPTY;
      return p + 1;
    }
    int count = 0;
    while (true) {
      if (p >= end || b[p] != '"') {
        return -1;
      }
      p = string(p + 1);
      if (p < 0 || strEscaped) {
        return -1;
      }
      event.listHash(slot, count++, hash(s, b, strAt, strLen));
      p = JsonBytes.ws(b, p, end);
      if (p >= end) {
        return -1;
      }
      byte c = b[p++];
      if (c == ']') {
        break;
      }
      if (c != ',') {
        return -1;
      }
      p = JsonBytes.ws(b, p, end);
    }
    event.listSizes[slot] = count;
    event.values[slot] = JsonEventReader.HASHED_LIST;
    return p;
  }

  /** An empty array at a hashed field's path (read by no one: the mapping only iterates it). */
  private static final JsonEventReader.JsonArray EMPTY = new JsonEventReader.JsonArray();

  /** The hash of {@code name=value} for the string read last, at a hashed field's node {@code s}. */
  private static long hash(ScanNode s, byte[] b, int at, int len) {
    int n = s.keyLength + len;
    if (n > s.hashKey.length) {
      s.hashKey = Arrays.copyOf(s.hashKey, 2 * n);
    }
    System.arraycopy(b, at, s.hashKey, s.keyLength, len);
    return MurmurHash3.hash32x2(s.hashKey, 0, n, FeatureSpace.INDEX_SEED, FeatureSpace.SIGN_SEED);
  }

  /**
   * The string whose opening quote is before {@code p}, checked; its content is {@link #strAt}, {@link #strLen};
   * returns the position after its closing quote.
   */
  private int string(int p) {
    final byte[] b = this.b;
    final int end = this.end;
    int at = p;
    boolean escaped = false;
    while (true) {
      p = JsonBytes.plain(b, p, end);
      if (p >= end) {
        return -1;
      }
      int c = b[p] & 0xFF;
      if (c == '"') {
        break;
      }
      if (c == '\\') {
        escaped = true;
        p = JsonBytes.escape(b, p, end);
      } else if (c >= 0x80) {
        int n = JsonBytes.utf8(b, p, end);
        p = n == 0 ? -1 : p + n;
      } else {
        return -1; // a control character
      }
      if (p < 0) {
        return -1;
      }
    }
    strAt = at;
    strLen = p - at;
    strEscaped = escaped;
    return strLen > MAX_STRING ? -1 : p + 1;
  }






  /** A number at {@code p}, checked against the grammar, and kept in {@code slot}'s number (-1: skipped). */
  private int number(int p, int slot) {
    final byte[] b = this.b;
    int start = p;
    boolean negative = b[p] == '-';
    if (negative) {
      p++;
    }
    int intAt = p;
    if (p < end && b[p] == '0') {
      p++;
    } else if (p < end && b[p] >= '1' && b[p] <= '9') {
      p = JsonBytes.digits(b, p, end);
    } else {
      return -1;
    }
    int intEnd = p;
    int fracEnd = p;
    boolean real = false;
    if (p < end && b[p] == '.') {
      real = true;
      p = JsonBytes.digits(b, p + 1, end);
      if (p == intEnd + 1) {
        return -1;
      }
      fracEnd = p;
    }
    int expAt = -1;
    if (p < end && (b[p] == 'e' || b[p] == 'E')) {
      real = true;
      p++;
      if (p < end && (b[p] == '+' || b[p] == '-')) {
        p++;
      }
      expAt = p;
      p = JsonBytes.digits(b, p, end);
      if (p == expAt) {
        return -1;
      }
    }
    if (p - start > MAX_NUMBER) {
      return -1;
    }
    if (slot < 0) {
      return p;
    }
    if (!real) {
      if (intEnd - intAt > 18) {
        return -1;
      }
      long v = 0;
      for (int i = intAt; i < intEnd; i++) {
        v = 10 * v + (b[i] - '0');
      }
      event.values[slot] = event.numbers[slot].integral(negative ? -v : v);
    } else {
      double x = JsonBytes.decimal(b, start, p, negative, intAt, intEnd, fracEnd, expAt);
      event.values[slot] = event.numbers[slot].real(x);
    }
    return p;
  }




}
