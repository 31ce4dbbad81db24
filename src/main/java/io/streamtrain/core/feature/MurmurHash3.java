package io.streamtrain.core.feature;

/**
 * MurmurHash3 x86_32 (Austin Appleby, public domain reference {@code MurmurHash3.cpp}), the hash behind the
 * feature hashing trick. It is fixed and specified byte by byte, so an index computed here equals the one
 * computed by any other implementation (e.g. Python's {@code mmh3.hash(key, seed, signed=False)}) on every
 * machine. {@link Utf8Hasher} hashes the UTF-8 encoding of a string (optionally {@code name + "=" + value})
 * without allocating, two seeds at once.
 */
public final class MurmurHash3 {
  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;

  private MurmurHash3() {}

  /** The reference x86_32 hash of {@code len} bytes of {@code data} from {@code off}. */
  public static int hash32(byte[] data, int off, int len, int seed) {
    int h1 = seed;
    int nblocks = len >>> 2;
    for (int i = 0; i < nblocks; i++) {
      int p = off + (i << 2);
      int k1 = (data[p] & 0xff) | (data[p + 1] & 0xff) << 8 | (data[p + 2] & 0xff) << 16 | (data[p + 3] & 0xff) << 24;
      h1 = mixH(h1, mixK(k1));
    }
    int tail = off + (nblocks << 2);
    int k1 = 0;
    switch (len & 3) {
      case 3:
        k1 ^= (data[tail + 2] & 0xff) << 16;
        // fall through
      case 2:
        k1 ^= (data[tail + 1] & 0xff) << 8;
        // fall through
      case 1:
        k1 ^= data[tail] & 0xff;
        h1 ^= mixK(k1);
        break;
      default:
        break;
    }
    return fmix(h1 ^ len);
  }

  /**
   * Hashes the UTF-8 bytes of {@code name}, or of {@code name + "=" + value} when {@code value} is not null,
   * with seeds {@code seedA} and {@code seedB} in one pass, and returns {@code (hashA << 32) | (hashB & 0xffffffffL)}.
   * Unpaired surrogates are encoded as '?' like {@link String#getBytes(java.nio.charset.Charset)} does.
   */
  public static long hashUtf8(String name, String value, int seedA, int seedB) {
    return new Utf8Hasher().hash(name, value, seedA, seedB);
  }

  private static final java.lang.invoke.VarHandle LE_INT =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  /**
   * The reference x86_32 hash of {@code len} bytes of {@code data} from {@code off} with two seeds in one pass
   * (one block read and mix per 4 bytes for both): returns {@code (hash(seedA) << 32) | (hash(seedB) & 0xffffffffL)},
   * each half equal to {@link #hash32} with that seed.
   */
  public static long hash32x2(byte[] data, int off, int len, int seedA, int seedB) {
    return hash32x2(data, off, len, seedA, seedB, null);
  }

  /** {@link #hash32x2}, noting in {@code note} (when not null) whether any byte is >= 0x80 (one OR per block). */
  private static long hash32x2(byte[] data, int off, int len, int seedA, int seedB, Utf8Hasher note) {
    int a = seedA;
    int b = seedB;
    int or = 0;
    int end = off + (len & ~3);
    for (int p = off; p < end; p += 4) {
      int w = (int) LE_INT.get(data, p);
      or |= w;
      int k = mixK(w);
      a = mixH(a, k);
      b = mixH(b, k);
    }
    int k1 = 0;
    switch (len & 3) {
      case 3:
        k1 ^= (data[end + 2] & 0xff) << 16;
        // fall through
      case 2:
        k1 ^= (data[end + 1] & 0xff) << 8;
        // fall through
      case 1:
        k1 ^= data[end] & 0xff;
        or |= k1;
        k1 = mixK(k1);
        a ^= k1;
        b ^= k1;
        break;
      default:
        break;
    }
    if (note != null) {
      note.nonAscii = (or & 0x80808080) != 0;
    }
    return ((long) fmix(a ^ len) << 32) | (fmix(b ^ len) & 0xffffffffL);
  }

  /**
   * A reusable hasher for the UTF-8 bytes of {@code name} or {@code name + "=" + value}, two seeds in one pass;
   * keep one per thread (e.g. in a core.data Batch) so hashing allocates nothing once its
   * byte buffer has grown to the longest key. Unpaired surrogates are encoded as '?' like
   * {@link String#getBytes(java.nio.charset.Charset)}.
   */
  public static final class Utf8Hasher {
    private byte[] bytes = new byte[64];
    private int count;

    /** Returns {@code (hashA << 32) | (hashB & 0xffffffffL)}. */
    public long hash(String name, String value, int seedA, int seedB) {
      count = 0;
      feed(name);
      if (value != null) {
        put('=');
        feed(value);
      }
      return hash32x2(bytes, 0, count, seedA, seedB);
    }

    /**
     * The same hash over bytes already UTF-8 encoded: {@code name} bytes, and when {@code valueLen >= 0} an '='
     * and the {@code value} bytes. Equal to {@link #hash(String, String, int, int)} of the decoded strings when
     * the bytes are valid UTF-8; callers with arbitrary bytes check {@link #lastHadNonAscii()} afterwards (invalid
     * sequences decode to U+FFFD, which hashes differently, so a non-ASCII key must be hashed from its string).
     */
    public long hash(byte[] name, int nameOff, int nameLen, byte[] value, int valueOff, int valueLen, int seedA,
        int seedB) {
      if (valueLen < 0) {
        return tracked(name, nameOff, nameLen, seedA, seedB);
      }
      int n = nameLen + 1 + valueLen;
      ensure(n + 3);
      System.arraycopy(name, nameOff, bytes, 0, nameLen);
      bytes[nameLen] = '=';
      System.arraycopy(value, valueOff, bytes, nameLen + 1, valueLen);
      return tracked(bytes, 0, n, seedA, seedB);
    }

    /**
     * The same hash of {@code prefix}'s first {@code prefixLen} bytes (UTF-8, e.g. of {@code name + "="}) followed
     * by the chars {@code chars[off, off+len)} taken as ASCII, one byte each: equal to
     * {@link #hash(String, String, int, int)} of the name and those chars' string when every char is below 0x80.
     * Otherwise {@link #lastHadNonAscii()} is true afterwards (it looks at the chars only, the prefix being UTF-8
     * already) and the result is not that hash: hash the string.
     */
    public long hashAscii(byte[] prefix, int prefixLen, char[] chars, int off, int len, int seedA, int seedB) {
      int n = prefixLen + len;
      ensure(n + 3);
      byte[] out = bytes;
      System.arraycopy(prefix, 0, out, 0, prefixLen);
      int or = 0;
      for (int i = 0; i < len; i++) {
        char c = chars[off + i];
        or |= c;
        out[prefixLen + i] = (byte) c;
      }
      nonAscii = or >= 0x80;
      return hash32x2(out, 0, n, seedA, seedB);
    }

    /**
     * Whether the bytes of the last {@link #hash(byte[], int, int, byte[], int, int, int, int)} had one >= 0x80,
     * or the chars of the last {@link #hashAscii} one >= 0x80.
     */
    public boolean lastHadNonAscii() {
      return nonAscii;
    }

    private boolean nonAscii;

    private long tracked(byte[] data, int off, int len, int seedA, int seedB) {
      return hash32x2(data, off, len, seedA, seedB, this);
    }

    private void feed(String s) {
      int n = s.length();
      ensure(count + 3 * n);
      byte[] out = bytes;
      int c0 = count;
      int i = 0;
      // ASCII runs (the usual feature names and values) one byte per char without further tests.
      while (i < n) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          break;
        }
        out[c0 + i] = (byte) c;
        i++;
      }
      count = c0 + i;
      for (; i < n; i++) {
        char c = s.charAt(i);
        if (c < 0x80) {
          put(c);
        } else if (c < 0x800) {
          put(0xc0 | (c >> 6));
          put(0x80 | (c & 0x3f));
        } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, s.charAt(++i));
          put(0xf0 | (cp >> 18));
          put(0x80 | ((cp >> 12) & 0x3f));
          put(0x80 | ((cp >> 6) & 0x3f));
          put(0x80 | (cp & 0x3f));
        } else if (Character.isSurrogate(c)) {
          put('?');
        } else {
          put(0xe0 | (c >> 12));
          put(0x80 | ((c >> 6) & 0x3f));
          put(0x80 | (c & 0x3f));
        }
      }
    }

    /** Grows the byte buffer to at least {@code n} bytes (doubling). */
    private void ensure(int n) {
      if (bytes.length < n) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(n, 2 * bytes.length));
      }
    }

    private void put(int b) {
      if (count == bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, 2 * bytes.length);
      }
      bytes[count++] = (byte) b;
    }
  }

  private static int mixK(int k1) {
    k1 *= C1;
    k1 = Integer.rotateLeft(k1, 15);
    return k1 * C2;
  }

  private static int mixH(int h1, int k1) {
    h1 ^= k1;
    h1 = Integer.rotateLeft(h1, 13);
    return h1 * 5 + 0xe6546b64;
  }

  private static int fmix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
