package io.streamtrain.bench;

import io.streamtrain.avro.Sample;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encoding and decoding one Sample of 50 dense doubles with a binary label: the hand-written codec (reused
 * buffers, primitive arrays) against Avro's generated-class reader (what flink-avro does per record).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
// Avro 1.12 refuses to deserialize generated classes outside trusted packages (a SecurityException naming
// org.apache.avro.SERIALIZABLE_PACKAGES); the forked JVM needs the property.
@Fork(value = 1, jvmArgsAppend = "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.streamtrain.avro")
@OutputTimeUnit(TimeUnit.SECONDS)
public class SampleCodecBench {
  MutableSample sample;
  MutableSample into;
  SampleCodec codec;
  byte[] bytes;
  SpecificDatumReader<Sample> avroReader;
  BinaryDecoder decoder;
  Sample reuse;

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(1);
    sample = new MutableSample();
    sample.modelId = "ctr";
    sample.eventTime = 1_767_225_600_000L;
    for (int i = 0; i < 50; i++) {
      sample.addDense(r.nextGaussian());
    }
    sample.setBinaryLabel(true);
    into = new MutableSample();
    codec = new SampleCodec();
    bytes = codec.encode(sample);
    avroReader = new SpecificDatumReader<>(Sample.class);
  }

  @Benchmark
  public byte[] encodeHandWritten() {
    return codec.encode(sample);
  }

  @Benchmark
  public MutableSample decodeHandWritten() throws IOException {
    return codec.decode(bytes, into);
  }

  @Benchmark
  public Sample decodeAvroSpecific() throws IOException {
    decoder = DecoderFactory.get().binaryDecoder(bytes, decoder);
    reuse = avroReader.read(reuse, decoder);
    return reuse;
  }
}
