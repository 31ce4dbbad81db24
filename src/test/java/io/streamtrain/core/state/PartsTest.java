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

  /** A small object with named scalars. */
  static final class Counters {
    long step;
    double loss = Double.NaN;
    long rollbacks = 7;
  }

  static final Fields<Counters> WRITES = new Fields<>(Fields.ofLong("step", c -> c.step, (c, v) -> c.step = v),
      Fields.ofDouble("loss", c -> c.loss, (c, v) -> c.loss = v), Fields.ofLong("extra", c -> 1, (c, v) -> {}));
  static final Fields<Counters> READS = new Fields<>(Fields.ofDouble("loss", c -> c.loss, (c, v) -> c.loss = v),
      Fields.ofLong("rollbacks", c -> c.rollbacks, (c, v) -> c.rollbacks = v),
      Fields.ofLong("step", c -> c.step, (c, v) -> c.step = v));

  @Test
  void fieldsAreReadByNameInAnyOrderAndAbsentOnesKeepTheirValue() throws IOException {
    Counters c = new Counters();
    c.step = 5;
    c.loss = 0.25;
    byte[] body = bytes(o -> WRITES.write(o, c));
    Counters r = new Counters();
    READS.read(in(body), r);
    assertThat(r.step).isEqualTo(5);
    assertThat(r.loss).isEqualTo(0.25);
    assertThat(r.rollbacks).as("absent from the body").isEqualTo(7);
    assertThatThrownBy(() -> new Fields<Counters>(Fields.ofLong("x", o -> 1, (o, v) -> {}),
        Fields.ofLong("x", o -> 2, (o, v) -> {}))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theMeasureOfABulkArrayIsItsSize() throws IOException {
    ByteCount c = new ByteCount();
    StateIo.writeValues(c, new double[1000]);
    assertThat(c.forwards()).isFalse();
    c.writeUTF("héllo");
    assertThat(c.count()).isEqualTo(8000 + 2 + 6);
  }
}
