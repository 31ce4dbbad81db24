package io.streamtrain.core.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.random.Xoshiro256;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * ByteSink writes exactly the bytes of java.io.DataOutputStream, and reads back through DataInput; ByteSource reads
 * them as java.io.DataInputStream does.
 */
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

  static void checkAll(DataInput in, long seed) throws IOException {
    Xoshiro256 g = new Xoshiro256(seed);
    assertThat(in.readInt()).isEqualTo(0x53545453);
    assertThat(in.readByte()).isEqualTo((byte) -3);
    assertThat(in.readBoolean()).isTrue();
    assertThat(in.readShort()).isEqualTo((short) -2);
    assertThat(in.readChar()).isEqualTo('\u20ac');
    assertThat(in.readUTF()).isEqualTo("adamw \u00e9\u20ac\u0000 \ud83d\ude00");
    assertThat(in.readUnsignedByte()).isEqualTo('a');
    assertThat(in.readUnsignedByte()).isEqualTo('b');
    assertThat(in.readChar()).isEqualTo('c');
    assertThat(in.readUnsignedShort()).isEqualTo(0x0101);
    assertThat(in.readFloat()).isEqualTo(-1.5f);
    for (double d : new double[] {0.0, -0.0, Double.NaN, Double.NaN, Double.POSITIVE_INFINITY, Double.MIN_VALUE,
        -Double.MAX_VALUE}) {
      assertThat(Double.doubleToLongBits(in.readDouble())).isEqualTo(Double.doubleToLongBits(d));
    }
    for (int i = 0; i < 1000; i++) {
      assertThat(in.readDouble()).isEqualTo(g.nextGaussian() * 1e10);
      assertThat(in.readLong()).isEqualTo(g.nextLong());
    }
    byte[] two = new byte[2];
    in.readFully(two);
    assertThat(two).containsExactly(2, 3);
  }

  @Test
  void byteSourceReadsWhatDataInputStreamReads() throws IOException {
    ByteSink sink = new ByteSink();
    sink.writeInt(99); // bytes before the window
    int from = sink.size();
    writeAll(sink, 42);
    int to = sink.size();
    sink.writeInt(77); // and after it
    checkAll(new java.io.DataInputStream(new java.io.ByteArrayInputStream(sink.array(), from, to - from)), 42);
    ByteSource src = new ByteSource().set(sink.array(), from, to);
    checkAll(src, 42);
    assertThat(src.position()).isEqualTo(to);
    org.assertj.core.api.Assertions.assertThatThrownBy(src::readByte).isInstanceOf(java.io.EOFException.class)
        .hasMessageContaining("window ends at " + to);
    sink.discardFront(from);
    checkAll(new ByteSource().set(sink.array(), 0, to - from), 42);
  }
}
