package io.streamtrain.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The snapshot checksum against a direct computation over a little-endian ByteBuffer and a published vector. */
class ParameterChecksumTest {
  @Test
  void matchesCrc32cOfTheLittleEndianBytes() {
    SplittableRandom r = new SplittableRandom(4);
    for (int n : new int[] {0, 1, 7, 511, 512, 513, 5000}) {
      double[] p = new double[n];
      for (int i = 0; i < n; i++) {
        p[i] = r.nextGaussian();
      }
      ByteBuffer bb = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
      for (double v : p) {
        bb.putDouble(v);
      }
      CRC32C crc = new CRC32C();
      crc.update(bb.array());
      assertThat(ParameterChecksum.of(p)).as("n=%d", n).isEqualTo(crc.getValue());
    }
  }

  @Test
  void knownValueAndSensitivityToSignOfZero() {
    // 1.0 is 00 00 00 00 00 00 F0 3F little-endian. 0xA642E961 is the CRC-32C of those 8 bytes from an
    // independent bitwise Python implementation (reflected polynomial 0x82F63B78), which gives the standard check
    // value 0xE3069283 for "123456789".
    assertThat(ParameterChecksum.of(new double[] {1.0})).isEqualTo(0xA642E961L);
    assertThat(ParameterChecksum.of(new double[] {0.0})).isNotEqualTo(ParameterChecksum.of(new double[] {-0.0}));
    assertThat(ParameterChecksum.of(List.of(1.0, 2.0))).isEqualTo(ParameterChecksum.of(new double[] {1.0, 2.0}));
    assertThat(ParameterChecksum.of(new double[] {9, 1.0, 2.0, 9}, 1, 2)).isEqualTo(ParameterChecksum.of(new double[] {1.0, 2.0}));
  }
}
