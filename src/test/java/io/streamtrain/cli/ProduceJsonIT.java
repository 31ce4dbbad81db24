package io.streamtrain.cli;

import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecReader;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.events.EventMapping;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `produce --value-format json` writes one JSON object a sample (io.streamtrain.io.SampleJson), and
 * `--value-format avro` the same shape as plain Avro events with their writer schema in a file
 * (io.streamtrain.io.SampleAvroEvent); read back through the documented mapping (the event decoder a job uses, with
 * that schema file) both give the samples `produce` writes as Sample records, field for field.
 */
class ProduceJsonIT {
  static KafkaBroker broker;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.builder().build().start();
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void jsonValuesMapBackToTheSamplesProduceWrites() throws Exception {
    Path csv = dir.resolve("clicks.csv");
    Files.writeString(csv, "price,hour,site,clicked\n12.5,3,news,1\n0.25,23,sport,0\n7,0,news,yes\n1e3,12,\"a,b\",no\n");
    String bs = broker.bootstrapServers();
    Path schema = dir.resolve("events.avsc");
    for (String[] t : List.of(new String[] {"pj-avro", "sample"}, new String[] {"pj-json", "json"},
        new String[] {"pj-events", "avro"})) {
      List<String> args = new java.util.ArrayList<>(List.of("produce", "--bootstrap", bs, "--topic", t[0], "--from",
          csv.toString(), "--label", "clicked", "--categorical", "site", "--model-id", "ctr", "--value-format", t[1],
          "--no-progress"));
      if (t[1].equals("avro")) {
        args.addAll(List.of("--avro-schema", schema.toString()));
      }
      CliRun r = CliRun.run(args.toArray(new String[0]));
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).contains("produced 4 samples");
      if (t[1].equals("avro")) {
        assertThat(r.out()).contains("writer schema: " + schema).contains("format: avro");
      }
    }
    List<ConsumerRecord<byte[], byte[]>> avroEvents = readAll(bs, "pj-events");
    Map<String, Object> documented = Map.of(
        "model_id", Map.of("field", "model_id"),
        "label", Map.of("field", "label"),
        "event_time", Map.of("field", "event_time"),
        "dense", List.of("dense.0", "dense.1"),
        "categorical", List.of(Map.of("field", "categorical.site", "name", "site")));
    EventMapping mapping = EventMapping.fromSpec(new SpecReader("input.mapping", documented));
    // The Avro events as a job reads them: the decoder of input {format: avro, schema: the file produce wrote}.
    io.streamtrain.io.events.EventDecoder events = io.streamtrain.io.events.EventDecoder.of(
        io.streamtrain.io.events.InputSpec.parse(new SpecReader("input", Map.of("format", "avro", "schema",
            schema.toString(), "mapping", documented)), new int[] {2}));
    List<ConsumerRecord<byte[], byte[]>> avro = readAll(bs, "pj-avro");
    List<ConsumerRecord<byte[], byte[]>> json = readAll(bs, "pj-json");
    assertThat(json).hasSameSizeAs(avro).hasSize(4);
    ObjectMapper om = new ObjectMapper();
    SampleCodec codec = new SampleCodec();
    for (int i = 0; i < 4; i++) {
      MutableSample a = codec.decode(avro.get(i).value(), new MutableSample());
      MutableSample b = new MutableSample();
      assertThat(mapping.map(om.readTree(json.get(i).value()), 0, b)).isNull();
      assertThat(b.modelId).isEqualTo(a.modelId).isEqualTo("ctr");
      assertThat(b.eventTime).isEqualTo(a.eventTime);
      assertThat(Arrays.copyOf(b.dense, b.denseSize)).isEqualTo(Arrays.copyOf(a.dense, a.denseSize));
      assertThat(b.categoricalValues[0]).isEqualTo(a.categoricalValues[0]);
      assertThat(b.labelValue()).isEqualTo(a.labelValue());
      assertThat(json.get(i).key()).isEqualTo(avro.get(i).key());
      MutableSample c = new MutableSample();
      assertThat(mapping.map(events.decode(avroEvents.get(i).value()), 0, c)).isNull();
      assertThat(c.modelId).isEqualTo(a.modelId);
      assertThat(c.eventTime).isEqualTo(a.eventTime);
      assertThat(Arrays.copyOf(c.dense, c.denseSize)).isEqualTo(Arrays.copyOf(a.dense, a.denseSize));
      assertThat(c.categoricalValues[0]).isEqualTo(a.categoricalValues[0]);
      assertThat(c.labelValue()).isEqualTo(a.labelValue());
      assertThat(avroEvents.get(i).key()).isEqualTo(avro.get(i).key());
    }
    assertThat(om.readTree(json.get(3).value()).path("categorical").path("site").asText()).isEqualTo("a,b");
    CliRun bad = CliRun.run("produce", "--bootstrap", bs, "--topic", "pj-x", "--from", csv.toString(),
        "--value-format", "xml");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--value-format").contains("sample, json, avro or request");
    CliRun stray = CliRun.run("produce", "--bootstrap", bs, "--topic", "pj-x", "--from", csv.toString(),
        "--avro-schema", dir.resolve("x.avsc").toString());
    assertThat(stray.exit()).isEqualTo(2);
    assertThat(stray.err()).contains("--avro-schema").contains("only with --value-format avro");
  }
}
