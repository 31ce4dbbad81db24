package io.streamtrain.core.init;

/**
 * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014; the
 * constants of Vigna's reference {@code splitmix64.c}): a tiny, fully specified generator, so the same seed
 * gives the same stream in any language. Uniforms are {@code (next() >>> 11) * 2^-53} in [0, 1); normals use
 * the Box-Muller transform with {@link StrictMath} (bit-reproducible across JVMs and platforms), one normal per
 * two uniforms, no caching: {@code sqrt(-2 ln(1 - u1)) * cos(2 pi u2)}. Not thread-safe.
 */
public final class SplitMix64 {
  private long state;

  public SplitMix64(long seed) {
    this.state = seed;
  }

  public long nextLong() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [lo, hi). */
  public double uniform(double lo, double hi) {
    return lo + (hi - lo) * nextDouble();
  }

  /** Standard normal by Box-Muller (first uniform for the radius, second for the angle). */
  public double nextGaussian() {
    double u1 = nextDouble();
    double u2 = nextDouble();
    return StrictMath.sqrt(-2.0 * StrictMath.log(1.0 - u1)) * StrictMath.cos(2.0 * Math.PI * u2);
  }

  /** The mixing function alone: a stateless hash of one long (used for counter-based dropout masks). */
  public static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
