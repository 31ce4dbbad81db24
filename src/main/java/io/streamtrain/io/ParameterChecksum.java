package io.streamtrain.io;

import java.util.zip.CRC32C;

/**
 * The checksum of {@code ModelSnapshot.parameters} as the schema defines it: CRC32C (Castagnoli, {@link CRC32C})
 * over the parameters encoded as consecutive 8-byte little-endian IEEE-754 doubles ({@link
 * Double#doubleToRawLongBits}, so NaN payloads and -0.0 count), as an unsigned 32-bit value in a long. Producers
 * of snapshots and scorers use this one function so they agree bit for bit. Streams through a small buffer, so it
 * allocates once per call regardless of the parameter count.
 */
public final class ParameterChecksum {
  private ParameterChecksum() {}

  public static long of(double[] parameters, int offset, int length) {
    CRC32C crc = new CRC32C();
    byte[] buf = new byte[8 * 512];
    int i = offset;
    int end = offset + length;
    while (i < end) {
      int n = Math.min(512, end - i);
      for (int k = 0; k < n; k++) {
        long bits = Double.doubleToRawLongBits(parameters[i + k]);
        int b = 8 * k;
        for (int j = 0; j < 8; j++) {
          buf[b + j] = (byte) (bits >>> (8 * j));
        }
      }
      crc.update(buf, 0, 8 * n);
      i += n;
    }
    return crc.getValue();
  }

  public static long of(double[] parameters) {
    return of(parameters, 0, parameters.length);
  }

  /** For the Avro list form of the parameters (e.g. a decoded ModelSnapshot). */
  public static long of(java.util.List<Double> parameters) {
    double[] p = new double[parameters.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = parameters.get(i);
    }
    return of(p);
  }
}
