package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.KafkaTestSupport;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Fuzzed bad input interleaved with a good stream: every bad record reaches the rejected topic with the right
 * reason code, the job never restarts (restarts are disabled: one failure would fail the test), nothing good is
 * lost and the parameters stay finite. Prints the table of kinds tried and rejected for docs/reliability.md.
 */
class BadInputIT {
  private static final String MODEL = "m";

  @Test
  void everyBadRecordIsRejectedWithItsReasonAndTheJobNeverFails() throws Exception {
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      createTopics(bs, 2, "bad-samples", "bad-metrics", "bad-models", "bad-rejected");
      Xoshiro256 rng = new Xoshiro256(7);
      SampleCodec codec = new SampleCodec();
      MutableSample s = new MutableSample();
      SampleGenerator gen = Generators.create("linear", Map.of("dims", 4), 9);
      Map<String, Integer> tried = new TreeMap<>();
      Map<String, String> expectedReason = new TreeMap<>();
      int good = 0;
      try (KafkaProducer<byte[], byte[]> p = KafkaTestSupport.producer(bs)) {
        byte[] key = MODEL.getBytes(StandardCharsets.UTF_8);
        Consumer<byte[]> send = v -> p.send(new ProducerRecord<>("bad-samples", key, v));
        for (int i = 0; i < 6400; i++) {
          gen.next(s);
          s.modelId = MODEL;
          send.accept(codec.encode(s));
          good++;
          if (i % 10 != 5) {
            continue;
          }
          // One bad record of a kind, cycling through the kinds.
          int kind = (i / 10) % 14;
          String name;
          byte[] v;
          gen.next(s);
          s.modelId = MODEL;
          switch (kind) {
            case 0 -> {
              name = "random bytes";
              v = new byte[rng.nextInt(200)];
              for (int k = 0; k < v.length; k++) {
                v[k] = (byte) rng.nextInt(256);
              }
              expectedReason.put(name, "UNDECODABLE");
            }
            case 1 -> {
              name = "truncated Avro";
              byte[] full = codec.encode(s);
              v = Arrays.copyOf(full, 1 + rng.nextInt(full.length - 1));
              expectedReason.put(name, "UNDECODABLE");
            }
            case 2 -> {
              name = "record of another schema";
              v = otherSchema();
              expectedReason.put(name, "UNDECODABLE");
            }
            case 3 -> {
              name = "NaN feature";
              s.dense[rng.nextInt(4)] = Double.NaN;
              v = codec.encode(s);
              expectedReason.put(name, "NON_FINITE_FEATURE");
            }
            case 4 -> {
              name = "infinite feature";
              s.dense[rng.nextInt(4)] = Double.NEGATIVE_INFINITY;
              v = codec.encode(s);
              expectedReason.put(name, "NON_FINITE_FEATURE");
            }
            case 5 -> {
              name = "wrong dimension";
              s.addDense(1.0);
              v = codec.encode(s);
              expectedReason.put(name, "DENSE_LENGTH_MISMATCH");
            }
            case 6 -> {
              name = "label out of range";
              s.setClassLabel(2);
              v = codec.encode(s);
              expectedReason.put(name, "LABEL_OUT_OF_RANGE");
            }
            case 7 -> {
              name = "negative weight";
              s.setWeight(-1.0);
              v = codec.encode(s);
              expectedReason.put(name, "INVALID_WEIGHT");
            }
            case 8 -> {
              name = "NaN weight";
              s.setWeight(Double.NaN);
              v = codec.encode(s);
              expectedReason.put(name, "INVALID_WEIGHT");
            }
            case 9 -> {
              name = "value of 1e300";
              s.dense[rng.nextInt(4)] = 1e300;
              v = codec.encode(s);
              expectedReason.put(name, "VALUE_TOO_LARGE");
            }
            case 10 -> {
              name = "empty feature set";
              s.denseSize = 0;
              v = codec.encode(s);
              expectedReason.put(name, "EMPTY_FEATURES");
            }
            case 11 -> {
              name = "unknown model id";
              s.modelId = "nobody-" + rng.nextInt(5);
              v = codec.encode(s);
              expectedReason.put(name, "UNKNOWN_MODEL");
            }
            case 12 -> {
              name = "absurd length prefix";
              // A varint string length of about 2^30 followed by a few bytes: must not allocate a gigabyte.
              v = new byte[] {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 'a', 'b', 'c'};
              expectedReason.put(name, "UNDECODABLE");
            }
            default -> {
              name = "missing label";
              s.labelKind = MutableSample.LabelKind.NONE;
              v = codec.encode(s);
              expectedReason.put(name, "MISSING_LABEL");
            }
          }
          tried.merge(name, 1, Integer::sum);
          send.accept(v);
        }
      }

      Map<String, Object> raw = TrainingJobIT.spec("bad-job", "bad-",
          Map.of("type", "logistic", "features", Map.of("dense", 4)), Map.of("type", "adam", "lr", 0.05));
      raw.put("accept", MODEL);
      JobSpec spec = JobSpec.fromMap(raw);
      Configuration conf = new Configuration();
      conf.setString("restart-strategy.type", "none"); // a record that kills the job fails this test
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
      TrainingJob.configure(env, spec);
      io.streamtrain.io.KafkaSettings kafka = io.streamtrain.io.KafkaSettings.ofBootstrap(bs);
      KafkaTrainingIo.job(spec, kafka).build(env);
      env.execute("bad-input");

      List<RejectedSample> rejected = decodeAll(readAll(bs, "bad-rejected"), RejectedSample.class);
      Map<String, Long> byReason = new TreeMap<>();
      rejected.forEach(r -> byReason.merge(r.getReason(), 1L, Long::sum));
      Map<String, Long> expectedByReason = new TreeMap<>();
      tried.forEach((k, n) -> expectedByReason.merge(expectedReason.get(k), (long) n, Long::sum));
      StringBuilder table = new StringBuilder("| kind | tried | expected reason |\n|---|---|---|\n");
      tried.forEach((k, n) -> table.append("| ").append(k).append(" | ").append(n).append(" | ")
          .append(expectedReason.get(k)).append(" |\n"));
      table.append("\nrejected by reason: ").append(byReason);
      System.out.println("BadInputIT\n" + table);
      assertThat(byReason).as(table.toString()).isEqualTo(expectedByReason);
      // Every rejected record keeps its source coordinates and bytes.
      assertThat(rejected).allSatisfy(r -> {
        assertThat(r.getSourceTopic()).isEqualTo("bad-samples");
        assertThat(r.getSourceOffset()).isNotNegative();
        assertThat(r.getMessage()).isNotEmpty();
      });

      List<TrainingMetrics> metrics = decodeAll(readAll(bs, "bad-metrics"), TrainingMetrics.class);
      TrainingMetrics last = metrics.stream().max(Comparator.comparingLong(TrainingMetrics::getStep)).orElseThrow();
      assertThat(last.getSamplesSeen()).isEqualTo(good);
      long rejectedForModel = expectedByReason.entrySet().stream()
          .filter(e -> !e.getKey().equals("UNDECODABLE") && !e.getKey().equals("UNKNOWN_MODEL"))
          .mapToLong(Map.Entry::getValue).sum();
      assertThat(last.getRejectedSamples()).isEqualTo(rejectedForModel);
      ModelSnapshot snap = decodeAll(readAll(bs, "bad-models"), ModelSnapshot.class).stream()
          .max(Comparator.comparingLong(ModelSnapshot::getVersion)).orElseThrow();
      assertThat(snap.getParameters()).allMatch(Double::isFinite);
    }
  }

  private static byte[] otherSchema() throws java.io.IOException {
    TrainingMetrics m = TrainingMetrics.newBuilder().setModelId("x").setModelVersion(3).setStep(99)
        .setEventTimeStart(Instant.EPOCH).setEventTimeEnd(Instant.EPOCH).setSamplesSeen(10).setBatchesSeen(1)
        .setSamplesInReport(10).setLossBatch(0.5).setLossMean(0.5).setLossSmoothed(0.5).setGradNorm(1)
        .setGradNormClipped(1).setClipFraction(0).setLearningRate(0.1).setUpdateParamRatio(0.01)
        .setParamNorm(1).setSamplesPerSecond(1).setConsumerLag(null).setRejectedSamples(0).setSkippedBatches(0)
        .setEvents(List.of()).setDiagnostics(null).build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<>(TrainingMetrics.class).write(m, e);
    e.flush();
    return out.toByteArray();
  }
}
