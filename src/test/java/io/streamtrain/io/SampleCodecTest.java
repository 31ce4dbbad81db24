package io.streamtrain.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.avro.Sample;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * The hand-written Sample codec against Avro's own generated-class reader and writer (an independent
 * implementation of the same schema): identical bytes both ways, for random samples covering every union branch.
 */
class SampleCodecTest {

  static MutableSample random(SplittableRandom r) {
    MutableSample s = new MutableSample();
    s.modelId = "m" + r.nextInt(100);
    s.eventTime = r.nextLong(-1L << 40, 1L << 42);
    s.key = r.nextBoolean() ? null : "k" + r.nextInt(1000);
    int d = r.nextInt(0, 40);
    for (int i = 0; i < d; i++) {
      s.addDense(r.nextInt(10) == 0 ? Double.NaN : r.nextGaussian() * 1e3);
    }
    int sp = r.nextInt(0, 20);
    int idx = 0;
    for (int i = 0; i < sp; i++) {
      idx += r.nextInt(1, 1000);
      s.addSparse(idx, r.nextDouble());
    }
    int c = r.nextInt(0, 6);
    for (int i = 0; i < c; i++) {
      s.addCategorical("c" + i, r.nextBoolean() ? "ünïcode-" + i : "");
    }
    int n = r.nextInt(0, 6);
    for (int i = 0; i < n; i++) {
      s.addNumeric("n" + i, r.nextDouble() - 0.5);
    }
    switch (r.nextInt(4)) {
      case 0 -> {}
      case 1 -> s.setRealLabel(r.nextGaussian());
      case 2 -> s.setBinaryLabel(r.nextBoolean());
      default -> s.setClassLabel(r.nextInt(0, 1000));
    }
    if (r.nextBoolean()) {
      s.setWeight(r.nextDouble() * 3);
    }
    return s;
  }

  static byte[] avroBytes(Sample s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<>(Sample.class).write(s, e);
    e.flush();
    return out.toByteArray();
  }

  @Test
  void encodesExactlyWhatAvroWritesAndDecodesWhatAvroWrites() throws IOException {
    SplittableRandom r = new SplittableRandom(11);
    SampleCodec codec = new SampleCodec();
    MutableSample back = new MutableSample();
    for (int i = 0; i < 2000; i++) {
      MutableSample s = random(r);
      Sample avro = s.toAvro();
      byte[] reference = avroBytes(avro);
      assertThat(codec.encode(s)).as("sample %d", i).isEqualTo(reference);
      codec.decode(reference, back);
      // Compare through Avro's JSON rendering: NaN compares equal there, and every field is covered.
      assertThat(back.toAvro().toString()).isEqualTo(avro.toString());
      Sample viaAvro =
          new SpecificDatumReader<>(Sample.class).read(null, DecoderFactory.get().binaryDecoder(codec.encode(s), null));
      assertThat(viaAvro.toString()).isEqualTo(avro.toString());
    }
  }

  @Test
  void hashingWhileDecodingGivesTheSlotsAndSignsOfHashingTheDecodedNames() throws IOException {
    SplittableRandom r = new SplittableRandom(12);
    SampleCodec codec = new SampleCodec();
    FeatureSpace space = FeatureSpace.of(0, 0, 12);
    MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
    MutableSample plain = new MutableSample();
    MutableSample hashed = new MutableSample();
    Example expected = new Example();
    int nonAscii = 0;
    for (int i = 0; i < 2000; i++) {
      MutableSample s = random(r);
      byte[] bytes = codec.encode(s);
      if (i % 10 == 0) {
        // Invalid UTF-8 in a value: "ü" is C3 BC; C3 followed by '(' decodes to U+FFFD '(' as a String.
        for (int j = 0; j + 1 < bytes.length; j++) {
          if ((bytes[j] & 0xff) == 0xc3 && (bytes[j + 1] & 0xff) == 0xbc) {
            bytes[j + 1] = '(';
            nonAscii++;
            break;
          }
        }
      }
      codec.decode(bytes, 0, bytes.length, plain, null);
      codec.decode(bytes, 0, bytes.length, hashed, id -> space);
      expected.clear();
      for (int k = 0; k < plain.categoricalSize; k++) {
        expected.addCategorical(plain.categoricalNames[k], plain.categoricalValues[k]);
      }
      for (int k = 0; k < plain.numericSize; k++) {
        expected.addNumeric(plain.numericNames[k], plain.numericValues[k]);
      }
      expected.hashNamedFields(space, hasher);
      assertThat(hashed.categoricalSize + hashed.numericSize).isZero();
      assertThat(hashed.hashedSize).as("sample %d", i).isEqualTo(expected.hashedLength());
      for (int k = 0; k < hashed.hashedSize; k++) {
        assertThat(hashed.hashedSlots[k]).isEqualTo(expected.hashedSlot(k));
        assertThat(hashed.hashedValues[k]).isEqualTo(expected.hashedValue(k));
      }
      if (hashed.hashedSize > 0) {
        assertThat(hashed.hashedBits).isEqualTo(12);
      }
      // Everything else decodes as without hashing.
      assertThat(Arrays.copyOf(hashed.dense, hashed.denseSize)).isEqualTo(Arrays.copyOf(plain.dense, plain.denseSize));
      assertThat(hashed.labelValue()).isEqualTo(plain.labelValue());
      assertThat(hashed.weight).isEqualTo(plain.weight);
      // A model without a hashed part (or unknown: null) keeps the names.
      codec.decode(bytes, 0, bytes.length, hashed, id -> FeatureSpace.of(3, 0, 0));
      assertThat(hashed.categoricalSize).isEqualTo(plain.categoricalSize);
      assertThat(hashed.hashedSize).isZero();
    }
    assertThat(nonAscii).isPositive();
  }

  @Test
  void decodesAtAnOffsetAndReusesTheTarget() throws IOException {
    SampleCodec codec = new SampleCodec();
    MutableSample a = new MutableSample();
    a.addDense(1);
    a.addDense(2);
    a.setClassLabel(4);
    byte[] bytes = codec.encode(a);
    byte[] padded = new byte[bytes.length + 10];
    System.arraycopy(bytes, 0, padded, 5, bytes.length);
    MutableSample into = new MutableSample();
    into.addDense(99);
    into.addCategorical("stale", "x");
    codec.decode(padded, 5, bytes.length, into);
    assertThat(Arrays.copyOf(into.dense, into.denseSize)).containsExactly(1, 2);
    assertThat(into.categoricalSize).isZero();
    assertThat(into.labelValue()).isEqualTo(4);
  }

  @Test
  void refusesTruncatedInputAndTrailingBytes() throws IOException {
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    s.addDense(1.5);
    s.setRealLabel(1);
    byte[] bytes = codec.encode(s);
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> codec.decode(longer, new MutableSample())).hasMessageContaining("trailing bytes");
    byte[] shorter = Arrays.copyOf(bytes, bytes.length - 3);
    assertThatThrownBy(() -> codec.decode(shorter, new MutableSample())).isInstanceOf(IOException.class);
  }

  @Test
  void refusesCorruptContentWithoutHugeAllocations() throws IOException {
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    s.modelId = "m";
    s.setBinaryLabel(true);
    byte[] ok = codec.encode(s);
    // model_id "m" (2 bytes), event_time 0 (1 byte), key branch 0 (1 byte), then the dense block count.
    byte[] hugeArray = Arrays.copyOf(ok, ok.length);
    hugeArray[4] = (byte) 0xfe; // zig-zag 127 items claimed with a few bytes left
    assertThatThrownBy(() -> codec.decode(hugeArray, new MutableSample()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exceeds the record");
    byte[] badBranch = Arrays.copyOf(ok, ok.length);
    badBranch[3] = 4; // key union branch 2
    assertThatThrownBy(() -> codec.decode(badBranch, new MutableSample())).hasMessageContaining("key: bad union branch 2");
    byte[] badBool = Arrays.copyOf(ok, ok.length);
    badBool[badBool.length - 2] = 7;
    assertThatThrownBy(() -> codec.decode(badBool, new MutableSample())).hasMessageContaining("invalid boolean byte 7");
    // The codec is still usable after failures, and reuses the model id String across records.
    MutableSample a = codec.decode(ok, new MutableSample());
    MutableSample b = codec.decode(ok, new MutableSample());
    assertThat(a.modelId).isEqualTo("m").isSameAs(b.modelId);
  }
}
