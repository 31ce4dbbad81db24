package io.streamtrain.io;

import io.streamtrain.testing.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.ModelSpec;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.local.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File -> {@code streamtrain produce} -> real KRaft broker -> {@code streamtrain consume} -> identical samples,
 * for CSV, LIBSVM and gzip; expected values are parsed from the file text by this test itself (plain split and
 * Double.parseDouble), not by the reader under test.
 */
class ProduceConsumeIT {
  static KafkaBroker broker;
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBroker.startTemporary();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  static CliRun cli(String... args) {
    return CliRun.run(args);
  }

  static List<JsonNode> consume(String topic, int max) throws IOException {
    CliRun r = cli("consume", "--bootstrap", broker.bootstrapServers(), "--topic", topic, "--max", Integer.toString(max), "--timeout", "30");
    assertThat(r.exit()).as(r.err()).isZero();
    List<JsonNode> out = new ArrayList<>();
    for (String line : r.out().split("\n")) {
      if (!line.isBlank()) {
        out.add(JSON.readTree(line));
      }
    }
    return out;
  }

  static void assertSummary(CliRun r, long produced, long malformed) {
    assertThat(r.exit()).as(r.err()).isZero();
    String[] lines = r.out().trim().split("\n");
    assertThat(lines[lines.length - 1]).matches("produced " + produced + " samples \\(\\d+ samples/s\\), " + malformed + " malformed");
  }

  @Test
  void csvWithKeysAndCategoricalFieldsRoundTripsInOrderPerKey() throws IOException {
    SplittableRandom rnd = new SplittableRandom(1);
    StringBuilder csv = new StringBuilder("user,x1,color,x2,label\n");
    int n = 3000;
    for (int i = 0; i < n; i++) {
      csv.append("u").append(rnd.nextInt(20)).append(',')
          .append(rnd.nextGaussian()).append(',')
          .append(rnd.nextBoolean() ? "red" : "blue").append(',')
          .append(String.format(Locale.ROOT, "%.4f", rnd.nextDouble() * 100)).append(',')
          .append(rnd.nextInt(2)).append('\n');
    }
    Path f = dir.resolve("keyed.csv");
    Files.writeString(f, csv);
    CliRun r =
        cli("produce", "--bootstrap", broker.bootstrapServers(), "--topic", "csv-keyed", "--from", f.toString(),
            "--label", "label", "--categorical", "color", "--key-column", "user", "--partitions", "3",
            "--model-id", "m1", "--no-progress");
    assertSummary(r, n, 0);
    List<JsonNode> got = consume("csv-keyed", n);
    assertThat(got).hasSize(n);
    // Expected, parsed here from the text; grouped by key because a key's samples share one partition.
    Map<String, List<String>> expected = new LinkedHashMap<>();
    String[] lines = csv.toString().split("\n");
    for (int i = 1; i < lines.length; i++) {
      String[] c = lines[i].split(",");
      String json =
          "{\"model_id\":\"m1\",\"event_time\":" + (ReaderOptions.DEFAULT_START_TIME + i - 1)
              + ",\"key\":\"" + c[0] + "\",\"dense\":[" + Double.parseDouble(c[1]) + "," + Double.parseDouble(c[3])
              + "],\"sparse_indices\":[],\"sparse_values\":[],\"categorical\":[{\"name\":\"color\",\"value\":\"" + c[2]
              + "\"}],\"numeric\":[],\"label\":" + Double.parseDouble(c[4]) + ",\"weight\":null}";
      expected.computeIfAbsent(c[0], k -> new ArrayList<>()).add(JSON.readTree(json).toString());
    }
    Map<String, List<String>> actual = new LinkedHashMap<>();
    for (JsonNode j : got) {
      actual.computeIfAbsent(j.get("key").asText(), k -> new ArrayList<>()).add(j.toString());
    }
    assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
    for (String k : expected.keySet()) {
      assertThat(actual.get(k)).as("samples of key " + k + " in file order").containsExactlyElementsOf(expected.get(k));
    }
  }

  @Test
  void gzippedCsvIntoOnePartitionKeepsTheFileOrderAndReportsMalformedLines() throws IOException {
    StringBuilder csv = new StringBuilder("a,b,y\n");
    List<double[]> rows = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(2);
    for (int i = 0; i < 1000; i++) {
      if (i == 10) {
        csv.append("1,oops,0\n"); // line 12 of the file
      }
      if (i == 500) {
        csv.append("1,2\n"); // line 503
      }
      double a = rnd.nextDouble();
      double b = -rnd.nextDouble() * 1e-7;
      csv.append(a).append(',').append(b).append(',').append(i % 2 == 0 ? "true" : "false").append('\n');
      rows.add(new double[] {a, b, i % 2});
    }
    Path f = dir.resolve("rows.csv.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(f))) {
      o.write(csv.toString().getBytes(StandardCharsets.UTF_8));
    }
    CliRun r = cli("produce", "--bootstrap", broker.bootstrapServers(), "--topic", "csv-gz", "--from", f.toString(), "--no-progress");
    assertSummary(r, 1000, 2);
    assertThat(r.err())
        .contains("malformed line 12: column \"b\": \"oops\" is not a finite number")
        .contains("malformed line 503: expected 3 cells as in the header, found 2");
    List<JsonNode> got = consume("csv-gz", 1000);
    assertThat(got).hasSize(1000);
    for (int i = 0; i < 1000; i++) {
      JsonNode j = got.get(i);
      assertThat(j.get("dense").get(0).asDouble()).isEqualTo(rows.get(i)[0]);
      assertThat(j.get("dense").get(1).asDouble()).isEqualTo(rows.get(i)[1]);
      assertThat(j.get("label").isBoolean()).isTrue();
      assertThat(j.get("label").asBoolean()).isEqualTo(rows.get(i)[2] == 0);
    }
  }

  @Test
  void libsvmGzipRoundTripsWithZeroBasedIndices() throws IOException {
    StringBuilder svm = new StringBuilder();
    SplittableRandom rnd = new SplittableRandom(3);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 800; i++) {
      int label = rnd.nextInt(3);
      svm.append(label);
      StringBuilder idx = new StringBuilder();
      StringBuilder val = new StringBuilder();
      int index = 0;
      for (int k = 0; k < 1 + rnd.nextInt(6); k++) {
        index += 1 + rnd.nextInt(100);
        double v = rnd.nextGaussian();
        svm.append(' ').append(index).append(':').append(v);
        idx.append(idx.length() == 0 ? "" : ",").append(index - 1);
        val.append(val.length() == 0 ? "" : ",").append(v);
      }
      svm.append('\n');
      expected.add("[" + idx + "]|[" + val + "]|" + label);
      if (i == 99) {
        svm.append("1 5:1 3:2\n"); // line 101: not increasing
      }
    }
    Path f = dir.resolve("data.svm.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(f))) {
      o.write(svm.toString().getBytes(StandardCharsets.UTF_8));
    }
    CliRun r =
        cli("produce", "--bootstrap", broker.bootstrapServers(), "--topic", "svm", "--from", f.toString(),
            "--format", "libsvm", "--label-type", "class", "--no-progress");
    assertSummary(r, 800, 1);
    assertThat(r.err()).contains("malformed line 101: index 3 is not greater than the previous index");
    List<JsonNode> got = consume("svm", 800);
    List<String> actual = new ArrayList<>();
    for (JsonNode j : got) {
      actual.add(j.get("sparse_indices") + "|" + j.get("sparse_values") + "|" + j.get("label"));
      assertThat(j.get("dense").size()).isZero();
    }
    List<String> normalized = new ArrayList<>();
    for (String e : expected) {
      String[] p = e.split("\\|");
      normalized.add(JSON.readTree(p[0]) + "|" + JSON.readTree(p[1]) + "|" + p[2]);
    }
    assertThat(actual).containsExactlyElementsOf(normalized);
  }

  @Test
  void generatorStreamsArriveExactlyAsGenerated() throws IOException {
    CliRun r =
        cli("produce", "--bootstrap", broker.bootstrapServers(), "--topic", "gen-sea", "--generator", "sea",
            "--count", "500", "--seed", "9", "--param", "period=100", "--model-id", "sea", "--no-progress");
    assertSummary(r, 500, 0);
    List<JsonNode> got = consume("gen-sea", 500);
    SampleGenerator g = Generators.create("sea", Map.of("period", 100L), 9);
    MutableSample s = new MutableSample();
    s.modelId = "sea";
    for (int i = 0; i < 500; i++) {
      g.next(s);
      assertThat(got.get(i).toString()).isEqualTo(AvroJson.toJson(AvroJson.detect(new SampleCodec().encode(s)).orElseThrow()).toString());
    }
  }

  @Test
  void consumeDetectsEverySchemaWithOrWithoutHeaderAndSkipsGarbage() throws IOException {
    try (org.apache.kafka.clients.admin.Admin admin =
        org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Topics.ensure(admin, Topics.TopicSpec.of("mixed", 1));
    }
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      TrainingMetrics m = TrainingMetrics.newBuilder().setModelId("m").setStep(3).setLossBatch(Double.NaN).build();
      ModelSnapshot snap =
          ModelSnapshot.newBuilder().setModelId("m").setVersion(2).setSpec(new ModelSpec("logistic", List.of(), "{}", "{}"))
              .setParameters(List.of(0.5, -1.0)).build();
      producer.send(new ProducerRecord<>("mixed", 0, null, null, bytes(m), List.of(Schemas.header(m.getSchema()))));
      producer.send(new ProducerRecord<>("mixed", 0, null, null, bytes(snap))); // no header: detected
      producer.send(new ProducerRecord<>("mixed", 0, null, null, new byte[] {(byte) 0xff, 1, 2})); // garbage
      producer.flush();
    }
    CliRun r = cli("consume", "--bootstrap", broker.bootstrapServers(), "--topic", "mixed", "--max", "2", "--timeout", "30");
    assertThat(r.exit()).isZero();
    String[] lines = r.out().trim().split("\n");
    assertThat(lines).hasSize(2);
    assertThat(JSON.readTree(lines[0]).get("step").asLong()).isEqualTo(3);
    assertThat(JSON.readTree(lines[0]).get("loss_batch").asText()).isEqualTo("NaN");
    assertThat(JSON.readTree(lines[1]).get("parameters").toString()).isEqualTo("[0.5,-1.0]");
    CliRun all = cli("consume", "--bootstrap", broker.bootstrapServers(), "--topic", "mixed", "--timeout", "3");
    assertThat(all.out().trim().split("\n")).hasSize(2);
    assertThat(all.err()).contains("skipped mixed/0@2: not a record of any streamtrain schema");
  }

  @Test
  void consumeSummarizesBigSnapshotPartsAndReadsSnapshotsOfTheFirstSchemaVersion() throws IOException {
    try (org.apache.kafka.clients.admin.Admin admin =
        org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Topics.ensure(admin, Topics.TopicSpec.compacted("snaps", 1));
    }
    double[] params = new double[SnapshotParts.PART_PARAMETERS + 3];
    params[7] = 2.5;
    List<ModelSnapshot> parts = new ArrayList<>();
    SnapshotParts.split(ModelSnapshot.newBuilder().setModelId("big").setVersion(1)
        .setSpec(new ModelSpec("logistic", List.of(), "{}", "{}")).setParameters(List.of())
        .setChecksum(ParameterChecksum.of(params)).build(), params, parts::add);
    // The first release's wire form, written with the schema file kept under schemas/history.
    org.apache.avro.Schema v1 = new org.apache.avro.Schema.Parser()
        .parse(Path.of("schemas/history/ModelSnapshot/v1.avsc").toFile());
    org.apache.avro.generic.GenericRecord spec = new org.apache.avro.generic.GenericData.Record(
        v1.getField("spec").schema());
    spec.put("model_type", "linear");
    spec.put("layers", List.of());
    spec.put("feature_space_json", "{}");
    spec.put("model_json", "{}");
    org.apache.avro.generic.GenericRecord old = new org.apache.avro.generic.GenericData.Record(v1);
    old.put("model_id", "old");
    old.put("version", 4L);
    old.put("step", 40L);
    old.put("samples_seen", 400L);
    old.put("created_at", 5L);
    old.put("spec", spec);
    old.put("parameters", List.of(1.5, -2.0, 0.25));
    old.put("buffers", List.of());
    old.put("optimizer", "sgd");
    old.put("checksum", ParameterChecksum.of(new double[] {1.5, -2.0, 0.25}));
    ByteArrayOutputStream oldBytes = new ByteArrayOutputStream();
    BinaryEncoder oe = EncoderFactory.get().binaryEncoder(oldBytes, null);
    new org.apache.avro.generic.GenericDatumWriter<org.apache.avro.generic.GenericRecord>(v1).write(old, oe);
    oe.flush();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      var header = List.of(Schemas.header(ModelSnapshot.getClassSchema()));
      for (ModelSnapshot s : parts) {
        producer.send(new ProducerRecord<>("snaps", 0, SnapshotParts.key(s).getBytes(StandardCharsets.UTF_8),
            bytes(s), header));
      }
      producer.send(new ProducerRecord<>("snaps", 0, "old".getBytes(StandardCharsets.UTF_8), oldBytes.toByteArray(),
          header));
      producer.flush();
    }
    List<JsonNode> got = consume("snaps", 3);
    assertThat(got).hasSize(3);
    JsonNode head = got.get(0).get("parameter_bytes");
    assertThat(head.get("count").asInt()).isEqualTo(SnapshotParts.PART_PARAMETERS);
    assertThat(head.get("first").get(7).asDouble()).isEqualTo(2.5);
    assertThat(head.get("max").asDouble()).isEqualTo(2.5);
    assertThat(got.get(0).get("parts").asInt()).isEqualTo(2);
    assertThat(got.get(1).get("part").asInt()).isEqualTo(1);
    assertThat(got.get(2).get("model_id").asText()).isEqualTo("old");
    assertThat(got.get(2).get("parameters").toString()).isEqualTo("[1.5,-2.0,0.25]");
    assertThat(got.get(2).get("parts").asInt()).isEqualTo(1);
    assertThat(got.get(2).get("parameter_count").asLong()).isEqualTo(-1);
    CliRun full = cli("consume", "--bootstrap", broker.bootstrapServers(), "--topic", "snaps", "--max", "1",
        "--timeout", "30", "--full-parameters");
    assertThat(full.exit()).as(full.err()).isZero();
    // In full: the part's bytes as base64 (AvroJson's form for bytes), 4/3 of 512 KiB.
    assertThat(JSON.readTree(full.out().trim()).get("parameter_bytes").asText()).hasSize(699_052);
  }

  @Test
  void commandLineErrorsNameTheOptionAndExitWithTwo() throws IOException {
    CliRun missing = cli("produce", "--bootstrap", broker.bootstrapServers(), "--topic", "x", "--from", dir.resolve("nope.csv").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("error: --from:").contains("no such file");
    Path f = dir.resolve("small.csv");
    Files.writeString(f, "a,y\n1,0\n");
    CliRun badLabel = cli("produce", "--bootstrap", broker.bootstrapServers(), "--topic", "x", "--from", f.toString(), "--label", "target");
    assertThat(badLabel.exit()).isEqualTo(2);
    assertThat(badLabel.err()).contains("error: --label: \"target\" is not allowed; allowed: a column of the CSV header [a, y]");
    CliRun badGen = cli("produce", "--bootstrap", broker.bootstrapServers(), "--topic", "x", "--generator", "sea", "--count", "-3");
    assertThat(badGen.exit()).isEqualTo(2);
    assertThat(badGen.err()).contains("error: --count: \"-3\" is not allowed");
    CliRun noTopic = cli("consume", "--bootstrap", broker.bootstrapServers(), "--topic", "does-not-exist", "--timeout", "1");
    assertThat(noTopic.exit()).isEqualTo(1);
    assertThat(noTopic.err()).contains("topic does-not-exist does not exist");
  }

  static byte[] bytes(SpecificRecordBase r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<SpecificRecordBase>(r.getSchema()).write(r, e);
    e.flush();
    return out.toByteArray();
  }
}
