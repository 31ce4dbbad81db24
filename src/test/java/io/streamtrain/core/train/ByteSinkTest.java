package io.streamtrain.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.random.Xoshiro256;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** ByteSink writes exactly the bytes of java.io.DataOutputStream, and reads back through DataInput. */
class ByteSinkTest {
  static void writeAll(DataOutput out, long seed) throws IOException {
    Xoshiro256 g = new Xoshiro256(seed);
    out.writeInt(0x53545453);
    out.writeByte(-3);
    out.writeBoolean(true);
    out.writeShort(-2);
    out.writeChar('\u20ac');
    out.writeUTF("adamw \u00e9\u20ac\u0000 \ud83d\ude00");
    out.writeBytes("ab");
    out.writeChars("c\u0101");
    out.writeFloat(-1.5f);
    for (double d : new double[] {0.0, -0.0, Double.NaN, Double.longBitsToDouble(0x7ff8dead00000000L),
        Double.POSITIVE_INFINITY, Double.MIN_VALUE, -Double.MAX_VALUE}) {
      out.writeDouble(d);
    }
    for (int i = 0; i < 1000; i++) {
      out.writeDouble(g.nextGaussian() * 1e10);
      out.writeLong(g.nextLong());
    }
    out.write(new byte[] {1, 2, 3, 4}, 1, 2);
  }

  @Test
  void writesTheBytesOfDataOutputStream() throws IOException {
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    writeAll(new DataOutputStream(expected), 42);
    ByteSink sink = new ByteSink();
    writeAll(sink, 7); // content to forget
    sink.reset();
    writeAll(sink, 42);
    ByteArrayOutputStream actual = new ByteArrayOutputStream();
    sink.writeTo(new DataOutputStream(actual));
    byte[] a = actual.toByteArray();
    byte[] body = java.util.Arrays.copyOfRange(a, 4, a.length);
    assertThat(body).isEqualTo(expected.toByteArray());
    assertThat(sink.size()).isEqualTo(expected.size());
    DataInput in = sink.input();
    assertThat(in.readInt()).isEqualTo(0x53545453);
    assertThat(in.readByte()).isEqualTo((byte) -3);
  }
}
