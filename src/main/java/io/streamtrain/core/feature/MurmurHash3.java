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

  /**
   * A reusable streaming hasher for the UTF-8 bytes of {@code name} or {@code name + "=" + value}, two seeds in
   * one pass; keep one per thread (e.g. in a {@link io.streamtrain.core.data.Batch}) so hashing allocates
   * nothing. Unpaired surrogates are encoded as '?' like {@link String#getBytes(java.nio.charset.Charset)}.
   */
  public static final class Utf8Hasher {
    private int hA;
    private int hB;
    private int block;
    private int count;

    /** Returns {@code (hashA << 32) | (hashB & 0xffffffffL)}. */
    public long hash(String name, String value, int seedA, int seedB) {
      hA = seedA;
      hB = seedB;
      block = 0;
      count = 0;
      feed(name);
      if (value != null) {
        add('=');
        feed(value);
      }
      int a = hA;
      int b = hB;
      if ((count & 3) != 0) {
        int k = mixK(block);
        a ^= k;
        b ^= k;
      }
      a = fmix(a ^ count);
      b = fmix(b ^ count);
      return ((long) a << 32) | (b & 0xffffffffL);
    }

    private void feed(String s) {
      int n = s.length();
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c < 0x80) {
          add(c);
        } else if (c < 0x800) {
          add(0xc0 | (c >> 6));
          add(0x80 | (c & 0x3f));
        } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, s.charAt(++i));
          add(0xf0 | (cp >> 18));
          add(0x80 | ((cp >> 12) & 0x3f));
          add(0x80 | ((cp >> 6) & 0x3f));
          add(0x80 | (cp & 0x3f));
        } else if (Character.isSurrogate(c)) {
          add('?');
        } else {
          add(0xe0 | (c >> 12));
          add(0x80 | ((c >> 6) & 0x3f));
          add(0x80 | (c & 0x3f));
        }
      }
    }

    private void add(int b) {
      block |= (b & 0xff) << ((count & 3) << 3);
      count++;
      if ((count & 3) == 0) {
        int k = mixK(block);
        hA = mixH(hA, k);
        hB = mixH(hB, k);
        block = 0;
      }
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
