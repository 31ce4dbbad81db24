package io.streamtrain.core.random;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number generators", 2021): a small, fast
 * generator whose whole state is four longs, so it can be checkpointed and restored exactly. Seeding expands a
 * single long through SplitMix64 as the authors recommend. The output sequence is fixed by the algorithm, so the
 * same seed gives the same draws on every JVM and machine; {@link java.util.Random} and SplittableRandom are
 * avoided because their state cannot be saved.
 */
public final class Xoshiro256 {
  private long s0;
  private long s1;
  private long s2;
  private long s3;

  public Xoshiro256(long seed) {
    reseed(seed);
  }

  public void reseed(long seed) {
    long x = seed;
    x += 0x9E3779B97F4A7C15L;
    s0 = splitMix(x);
    x += 0x9E3779B97F4A7C15L;
    s1 = splitMix(x);
    x += 0x9E3779B97F4A7C15L;
    s2 = splitMix(x);
    x += 0x9E3779B97F4A7C15L;
    s3 = splitMix(x);
  }

  /** SplitMix64's output function (Steele, Lea and Flood 2014), also usable to mix a key into a seed. */
  public static long splitMix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  public long nextLong() {
    long result = Long.rotateLeft(s1 * 5, 7) * 9;
    long t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = Long.rotateLeft(s3, 45);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /**
   * Uniform in [0, bound) without modulo bias (Lemire, "Fast random integer generation in an interval", 2019,
   * with the rejection step), deterministic for a given state.
   */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive, got " + bound);
    }
    long m = ((nextLong() >>> 32) & 0xFFFFFFFFL) * bound;
    long l = m & 0xFFFFFFFFL;
    if (l < bound) {
      long t = (0x1_0000_0000L - bound) % bound;
      while (l < t) {
        m = ((nextLong() >>> 32) & 0xFFFFFFFFL) * bound;
        l = m & 0xFFFFFFFFL;
      }
    }
    return (int) (m >>> 32);
  }

  /** Standard normal by the Box-Muller transform (one value per call; no cached spare, so state is 4 longs). */
  public double nextGaussian() {
    double u1;
    do {
      u1 = nextDouble();
    } while (u1 == 0.0);
    double u2 = nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  public void write(DataOutput out) throws IOException {
    out.writeLong(s0);
    out.writeLong(s1);
    out.writeLong(s2);
    out.writeLong(s3);
  }

  public void read(DataInput in) throws IOException {
    s0 = in.readLong();
    s1 = in.readLong();
    s2 = in.readLong();
    s3 = in.readLong();
  }

  public void copyFrom(Xoshiro256 other) {
    s0 = other.s0;
    s1 = other.s1;
    s2 = other.s2;
    s3 = other.s3;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Xoshiro256 x && x.s0 == s0 && x.s1 == s1 && x.s2 == s2 && x.s3 == s3;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(s0 ^ s1 ^ s2 ^ s3);
  }
}
