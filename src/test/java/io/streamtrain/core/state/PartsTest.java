package io.streamtrain.core.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.optim.StateIo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tagged parts and named fields: framing, skipping, lookup by name, and the measure of bulk array writes. */
class PartsTest {
  static byte[] bytes(PartBody body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    body.write(new DataOutputStream(out));
    return out.toByteArray();
  }

  static DataInputStream in(byte[] b) {
    return new DataInputStream(new ByteArrayInputStream(b));
  }

  @Test
  void partsCarryTagVersionAndLengthAndUnknownOnesAreSkipped() throws IOException {
    double[] values = {1.5, Double.longBitsToDouble(0x7ff8000000000123L), -0.0};
    byte[] state = bytes(out -> new PartWriter(out, 3)
        .part(9, 2, o -> o.writeUTF("later"))
        .part(1, 1, o -> {
          o.writeInt(values.length);
          StateIo.writeValues(o, values);
        })
        .part(2, 1, o -> o.writeLong(42))
        .finish());
    // 2 (count) + 3 x 11 (headers) + 7 (UTF) + 4 + 24 + 8.
    assertThat(state).hasSize(2 + 33 + 7 + 28 + 8);
    double[] read = new double[3];
    long[] scalar = new long[1];
    List<Integer> tags = new ArrayList<>(PartReader.read(in(state), (tag, version, body) -> {
      if (tag == 1) {
        assertThat(body.readInt()).isEqualTo(3);
        StateIo.readValues(body, read);
        return true;
      }
      if (tag == 2) {
        scalar[0] = body.readLong();
        return true;
      }
      return false;
    }));
    assertThat(tags).containsExactly(9, 1, 2);
    for (int i = 0; i < 3; i++) {
      assertThat(Double.doubleToRawLongBits(read[i])).isEqualTo(Double.doubleToRawLongBits(values[i]));
    }
    assertThat(scalar[0]).isEqualTo(42);
  }

  @Test
  void aReaderThatReadsPastItsPartFailsThere() throws IOException {
    byte[] state = bytes(out -> new PartWriter(out, 2).part(1, 1, o -> o.writeInt(7)).part(2, 1, o -> o.writeInt(8))
        .finish());
    assertThatThrownBy(() -> PartReader.read(in(state), (tag, version, body) -> {
      body.readLong();
      return true;
    })).isInstanceOf(IOException.class).hasMessageContaining("part 1").hasMessageContaining("ends before");
  }

  @Test
  void aBodyThatWritesDifferentBytesWhenMeasuredFails() {
    int[] calls = {0};
    assertThatThrownBy(() -> bytes(out -> new PartWriter(out, 1).part(1, 1, o -> {
      for (int i = 0; i <= calls[0]; i++) {
        o.writeInt(i);
      }
      calls[0]++;
    }))).isInstanceOf(IllegalStateException.class).hasMessageContaining("not a function of the state");
  }

  @Test
  void fieldsAreReadByNameInAnyOrderAndAbsentOnesKeepTheDefault() throws IOException {
    byte[] a = bytes(new Fields.Writer().putLong("step", 5).putDouble("loss", 0.25).putLong("extra", 1)::writeTo);
    byte[] b = bytes(new Fields.Writer().putDouble("loss", 0.25).putLong("step", 5)::writeTo);
    for (byte[] x : List.of(a, b)) {
      Fields f = Fields.read(in(x));
      assertThat(f.getLong("step", -1)).isEqualTo(5);
      assertThat(f.getDouble("loss", -1)).isEqualTo(0.25);
      assertThat(f.getLong("rollbacks", 7)).isEqualTo(7);
    }
    assertThatThrownBy(() -> new Fields.Writer().putLong("x", 1).putLong("x", 2))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theMeasureOfABulkArrayIsItsSize() throws IOException {
    ByteCount c = new ByteCount();
    StateIo.writeValues(c, new double[1000]);
    c.writeUTF("héllo");
    assertThat(c.count()).isEqualTo(8000 + 2 + 6);
  }
}
