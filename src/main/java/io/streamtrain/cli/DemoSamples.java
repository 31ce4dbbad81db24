package io.streamtrain.cli;

import io.streamtrain.io.CsvSampleReader;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.ReaderOptions;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The demo's input: the bundled breast-cancer data (several passes, one event second apart) and a drifting
 * rotating-hyperplane stream, keyed by model id, then a few records of the kinds production streams also carry,
 * each of which the job rejects with its reason.
 */
final class DemoSamples {
  private DemoSamples() {}

  /** Sends the samples to {@code topic}; returns the counts of breast-cancer, hyperplane and bad records. */
  static long[] produce(String bootstrap, String topic, Path csv, int passes, int hyperplaneSamples)
      throws IOException {
    SampleCodec codec = new SampleCodec();
    MutableSample s = new MutableSample();
    long bc = 0;
    long hp = 0;
    long bad = 0;
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("linger.ms", "10");
    p.put("compression.type", "lz4");
    long start = ReaderOptions.DEFAULT_START_TIME;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      byte[] bcKey = "breast-cancer".getBytes(StandardCharsets.UTF_8);
      for (int pass = 0; pass < passes; pass++) {
        try (CsvSampleReader r = new CsvSampleReader(csv, CsvSampleReader.Columns.defaults().withLabel("target"),
            ReaderOptions.defaults().withModelId("breast-cancer"), (line, why) -> { })) {
          while (r.next(s)) {
            s.eventTime = start + bc * 1000;
            producer.send(new ProducerRecord<>(topic, bcKey, codec.encode(s)));
            bc++;
          }
        }
      }
      SampleGenerator gen = Generators.create("hyperplane", Map.of("dims", 10, "speed", 0.001, "noise", 0.05), 42);
      byte[] hpKey = "hyperplane".getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < hyperplaneSamples; i++) {
        gen.next(s);
        s.modelId = "hyperplane";
        producer.send(new ProducerRecord<>(topic, hpKey, codec.encode(s)));
        hp++;
      }
      // What production streams also carry: a sample of the wrong width, a NaN feature, a model nobody trains,
      // and bytes that are not a Sample at all. Each goes to the rejected topic with its reason.
      s.clear();
      s.modelId = "breast-cancer";
      s.eventTime = start + bc * 1000;
      for (int i = 0; i < 29; i++) {
        s.addDense(1.0);
      }
      s.setBinaryLabel(true);
      producer.send(new ProducerRecord<>(topic, bcKey, codec.encode(s)));
      s.addDense(Double.NaN);
      producer.send(new ProducerRecord<>(topic, bcKey, codec.encode(s)));
      s.modelId = "fraud-eu";
      producer.send(new ProducerRecord<>(topic, "fraud-eu".getBytes(StandardCharsets.UTF_8), codec.encode(s)));
      producer.send(new ProducerRecord<>(topic, bcKey, new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe}));
      bad = 4;
      producer.flush();
    }
    return new long[] {bc, hp, bad};
  }
}
