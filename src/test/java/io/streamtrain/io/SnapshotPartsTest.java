package io.streamtrain.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.Buffer;
import io.streamtrain.avro.LayerShape;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.ModelSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

/**
 * The chunked snapshot format and the rules that make a compacted model topic safe to read: split and assemble
 * round trip bit for bit in any order; every record stays far below Kafka's 1 MB default; small models keep the
 * schema-v1 form; a compacted log (latest record per key, computed here independently of the reader) always
 * yields the latest version complete; leftover parts of older versions, a missing part, a corrupt part, parts of
 * two different writes of one version never assemble; records written with schema v1 still read.
 */
class SnapshotPartsTest {
  static final int P = SnapshotParts.PART_PARAMETERS;

  static double[] params(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      p[i] = r.nextGaussian();
    }
    if (n > 3) {
      p[1] = -0.0; // the sign of zero must survive
      p[2] = Double.MIN_VALUE;
    }
    return p;
  }

  static ModelSnapshot head(String id, long version, double[] params) {
    return ModelSnapshot.newBuilder()
        .setModelId(id)
        .setVersion(version)
        .setStep(10 * version)
        .setSamplesSeen(320 * version)
        .setCreatedAt(Instant.ofEpochMilli(1_000 + version))
        .setSpec(new ModelSpec("logistic", List.of(new LayerShape("layer0.weight", List.of(1, params.length - 1)),
            new LayerShape("layer0.bias", List.of(1))), "{\"hash_bits\":18}", "{\"type\":\"logistic\"}"))
        .setParameters(List.of())
        .setBuffers(List.of(new Buffer("bn0.running_mean", List.of(0.5, -0.25))))
        .setOptimizer("adam")
        .setChecksum(ParameterChecksum.of(params))
        .build();
  }

  static List<ModelSnapshot> split(String id, long version, double[] params) {
    List<ModelSnapshot> out = new ArrayList<>();
    SnapshotParts.split(head(id, version, params), params, out::add);
    return out;
  }

  static byte[] encode(ModelSnapshot s) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(b, null);
    new SpecificDatumWriter<>(ModelSnapshot.class).write(s, e);
    e.flush();
    return b.toByteArray();
  }

  /** Through the wire: encoded and decoded, as a reader of the topic gets them. */
  static List<ModelSnapshot> wire(List<ModelSnapshot> records) throws IOException {
    List<ModelSnapshot> out = new ArrayList<>();
    for (ModelSnapshot s : records) {
      out.add(SnapshotParts.decode(encode(s)));
    }
    return out;
  }

  static SnapshotAssembler assemble(List<ModelSnapshot> records, Long version) {
    SnapshotAssembler a = new SnapshotAssembler(id -> true, version);
    records.forEach(a::add);
    return a;
  }

  static long[] bits(double[] d) {
    long[] b = new long[d.length];
    for (int i = 0; i < d.length; i++) {
      b[i] = Double.doubleToRawLongBits(d[i]);
    }
    return b;
  }

  @Test
  void bigModelSplitsIntoBoundedPartsAndAssemblesBitIdenticallyInAnyOrder() throws IOException {
    int n = (1 << 20) + 1;
    double[] p = params(n, 7);
    List<ModelSnapshot> parts = split("m", 3, p);
    // 2^20 + 1 parameters in parts of 2^16: 16 full parts and one of a single parameter.
    assertThat(parts).hasSize(17);
    for (int i = 0; i < parts.size(); i++) {
      ModelSnapshot s = parts.get(i);
      assertThat(s.getPart()).isEqualTo(i);
      assertThat(s.getParts()).isEqualTo(17);
      assertThat(s.getParameterCount()).isEqualTo(n);
      assertThat(s.getParameterOffset()).isEqualTo(65_536L * i);
      assertThat(s.getParameters()).isEmpty();
      assertThat(s.getParameterBytes().remaining()).isEqualTo(i < 16 ? 524_288 : 8);
      // Kafka's default max.request.size and max.message.bytes are 1 MiB: every record is about half of that.
      assertThat(encode(s).length).isLessThan(530_000);
      assertThat(SnapshotParts.key(s)).isEqualTo(i == 0 ? "m" : "m\0" + i);
    }
    assertThat(parts.get(0).getBuffers()).hasSize(1);
    assertThat(parts.get(5).getBuffers()).isEmpty();

    List<ModelSnapshot> shuffled = new ArrayList<>(wire(parts));
    Collections.shuffle(shuffled, new Random(3));
    SnapshotAssembler a = assemble(shuffled, null);
    SnapshotAssembler.Assembled got = a.complete().get("m");
    assertThat(bits(got.parameters())).isEqualTo(bits(p));
    assertThat(got.version()).isEqualTo(3);
    assertThat(got.head().getPart()).isZero();
    assertThat(got.head().getSpec().getFeatureSpaceJson()).isEqualTo("{\"hash_bits\":18}");
    assertThat(ModelSnapshots.buffers(got.head())).containsExactly(0.5, -0.25);
    assertThat(a.corruptModels()).isEmpty();
  }

  @Test
  void aModelThatFitsIsOneRecordOfTheFirstSchemaVersion() throws IOException {
    for (int n : new int[] {0, 1, 6, P}) {
      double[] p = params(n, n);
      List<ModelSnapshot> one = split("small", 1, p);
      assertThat(one).as("n=%d", n).hasSize(1);
      ModelSnapshot s = one.get(0);
      assertThat(s.getParts()).isEqualTo(1);
      assertThat(s.getParameterCount()).isEqualTo(-1);
      assertThat(s.getParameterBytes().remaining()).isZero();
      assertThat(s.getParameters()).hasSize(n);
      assertThat(bits(assemble(wire(one), null).complete().get("small").parameters())).isEqualTo(bits(p));
    }
    assertThat(split("x", 1, params(P + 1, 1))).hasSize(2);
    assertThat(SnapshotParts.partCount(1L << 24)).isEqualTo(256);
  }

  @Test
  void theDerivedFirstVersionIsTheCommittedHistorySchemaAndItsRecordsStillRead() throws IOException {
    Schema v1 = new Schema.Parser().parse(Path.of("schemas/history/ModelSnapshot/v1.avsc").toFile());
    assertThat(SchemaNormalization.toParsingForm(SnapshotParts.v1Schema()))
        .isEqualTo(SchemaNormalization.toParsingForm(v1));
    // A record exactly as the first release wrote it (generic writer, v1 schema from the history file).
    GenericRecord spec = new GenericData.Record(v1.getField("spec").schema());
    spec.put("model_type", "linear");
    spec.put("layers", List.of());
    spec.put("feature_space_json", "{}");
    spec.put("model_json", "{\"type\":\"linear\"}");
    GenericRecord r = new GenericData.Record(v1);
    r.put("model_id", "old");
    r.put("version", 4L);
    r.put("step", 40L);
    r.put("samples_seen", 400L);
    r.put("created_at", 5L);
    r.put("spec", spec);
    r.put("parameters", List.of(1.5, -2.0, 0.25));
    r.put("buffers", List.of());
    r.put("optimizer", "sgd");
    r.put("checksum", ParameterChecksum.of(new double[] {1.5, -2.0, 0.25}));
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(b, null);
    new GenericDatumWriter<GenericRecord>(v1).write(r, e);
    e.flush();
    ModelSnapshot s = SnapshotParts.decode(b.toByteArray());
    assertThat(s).isNotNull();
    assertThat(s.getParts()).isEqualTo(1);
    assertThat(s.getParameterCount()).isEqualTo(-1);
    assertThat(ModelSnapshots.parameters(s, "k")).containsExactly(1.5, -2.0, 0.25);
    assertThat(assemble(List.of(s), null).complete().get("old").version()).isEqualTo(4);
    assertThat(SnapshotParts.decode("not a snapshot".getBytes(StandardCharsets.UTF_8))).isNull();
  }

  /**
   * Records of the parts era (schema v2 from the history, before origin) still decode, parts and all; a current
   * record keeps its origin; v2 is the current schema without origin.
   */
  @Test
  void recordsOfSchemaV2StillReadAndOriginRoundTrips() throws IOException {
    Schema v2 = new Schema.Parser().parse(Path.of("schemas/history/ModelSnapshot/v2.avsc").toFile());
    assertThat(SchemaNormalization.toParsingForm(SnapshotParts.v2Schema()))
        .isEqualTo(SchemaNormalization.toParsingForm(v2));
    double[] params = new double[SnapshotParts.PART_PARAMETERS + 3];
    for (int i = 0; i < params.length; i++) {
      params[i] = i * 0.5 - 7;
    }
    List<ModelSnapshot> parts = new ArrayList<>();
    SnapshotParts.split(head("m", 3, params), params, parts::add);
    assertThat(parts).hasSize(2);
    for (ModelSnapshot p : parts) {
      // written as a build before origin wrote it: the generic writer with the v2 schema
      GenericRecord g = (GenericRecord) GenericData.get().deepCopy(v2, toGeneric(p, v2));
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      BinaryEncoder e = EncoderFactory.get().binaryEncoder(b, null);
      new GenericDatumWriter<GenericRecord>(v2).write(g, e);
      e.flush();
      ModelSnapshot back = SnapshotParts.decode(b.toByteArray());
      assertThat(back).isNotNull();
      assertThat(back.getPart()).isEqualTo(p.getPart());
      assertThat(back.getParameterBytes()).isEqualTo(p.getParameterBytes());
      assertThat(back.getOrigin()).isNull();
    }
    ModelSnapshot withOrigin = ModelSnapshot.newBuilder(parts.get(0)).setOrigin("drift_swap: test").build();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(b, null);
    new SpecificDatumWriter<ModelSnapshot>(ModelSnapshot.class).write(withOrigin, e);
    e.flush();
    assertThat(SnapshotParts.decode(b.toByteArray()).getOrigin()).isEqualTo("drift_swap: test");
  }

  /** A specific record as a generic one of {@code schema} (fields by name; the schema's fields only). */
  static GenericRecord toGeneric(ModelSnapshot s, Schema schema) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(b, null);
    new SpecificDatumWriter<ModelSnapshot>(ModelSnapshot.class).write(s, e);
    e.flush();
    return new org.apache.avro.generic.GenericDatumReader<GenericRecord>(ModelSnapshot.getClassSchema(), schema)
        .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(b.toByteArray(), null));
  }

  /** Kafka's log compaction, independently: the last record of each key, in the order of their offsets. */
  static List<ModelSnapshot> compact(List<ModelSnapshot> log) {
    Map<String, Integer> lastOffset = new LinkedHashMap<>();
    for (int i = 0; i < log.size(); i++) {
      lastOffset.put(SnapshotParts.key(log.get(i)), i);
    }
    List<ModelSnapshot> out = new ArrayList<>();
    for (int i = 0; i < log.size(); i++) {
      if (lastOffset.get(SnapshotParts.key(log.get(i))) == i) {
        out.add(log.get(i));
      }
    }
    return out;
  }

  @Test
  void compactionKeepsTheLatestVersionWholeAndLeftoversOfBiggerOlderVersionsNeverAssemble() throws IOException {
    double[] v1 = params(4 * P + 10, 1); // 5 parts
    double[] v2 = params(5 * P, 2); // 5 parts
    double[] v3 = params(2 * P + 1, 3); // 3 parts: the model shrank (a new configuration)
    List<ModelSnapshot> log = new ArrayList<>();
    log.addAll(split("m", 1, v1));
    log.addAll(split("other", 1, params(P + 5, 9)));
    log.addAll(split("m", 2, v2));
    log.addAll(split("m", 3, v3));
    List<ModelSnapshot> compacted = wire(compact(log));
    // What survives of m: v3's three parts and v2's parts 3 and 4 under keys v3 no longer uses.
    assertThat(compacted.stream().filter(s -> s.getModelId().equals("m")).map(s -> s.getVersion() + "/" + s.getPart()))
        .containsExactly("2/3", "2/4", "3/0", "3/1", "3/2");
    SnapshotAssembler latest = assemble(compacted, null);
    assertThat(bits(latest.complete().get("m").parameters())).isEqualTo(bits(v3));
    assertThat(latest.complete().get("m").version()).isEqualTo(3);
    assertThat(latest.complete().get("other").version()).isEqualTo(1);
    // Version 2 is gone as a whole: asking for it finds nothing rather than a mix of its tail and v3's head.
    assertThat(assemble(compacted, 2L).complete()).isEmpty();
    // Before compaction every version is whole, and each reads back exactly.
    List<ModelSnapshot> raw = wire(log);
    assertThat(bits(assemble(raw, 1L).complete().get("m").parameters())).isEqualTo(bits(v1));
    assertThat(bits(assemble(raw, 2L).complete().get("m").parameters())).isEqualTo(bits(v2));
    assertThat(bits(assemble(raw, null).complete().get("m").parameters())).isEqualTo(bits(v3));
  }

  @Test
  void aVersionWithAMissingPartIsNeverReturnedAndTheLastCompleteOneIs() throws IOException {
    double[] v1 = params(2 * P + 3, 1);
    double[] v2 = params(2 * P + 3, 2);
    List<ModelSnapshot> log = new ArrayList<>(split("m", 1, v1));
    List<ModelSnapshot> second = split("m", 2, v2);
    second.remove(1);
    log.addAll(second);
    SnapshotAssembler a = assemble(wire(log), null);
    assertThat(a.complete().get("m").version()).isEqualTo(1);
    assertThat(bits(a.complete().get("m").parameters())).isEqualTo(bits(v1));
    assertThat(a.corruptModels()).isEmpty();
    // Without any complete version there is nothing, not a partial array.
    assertThat(assemble(wire(second), null).complete()).isEmpty();
  }

  @Test
  void aCorruptPartFailsTheChecksumAndIsReported() throws IOException {
    double[] v1 = params(2 * P + 3, 1);
    double[] v2 = params(2 * P + 3, 2);
    List<ModelSnapshot> log = new ArrayList<>(split("m", 1, v1));
    List<ModelSnapshot> second = split("m", 2, v2);
    ByteBuffer bad = ByteBuffer.allocate(second.get(1).getParameterBytes().remaining());
    bad.put(second.get(1).getParameterBytes().duplicate()).flip();
    bad.put(100, (byte) (bad.get(100) ^ 1));
    second.set(1, ModelSnapshot.newBuilder(second.get(1)).setParameterBytes(bad).build());
    log.addAll(second);
    SnapshotAssembler a = assemble(wire(log), null);
    assertThat(a.complete().get("m").version()).isEqualTo(1);
    assertThat(a.corruptVersion("m")).isEqualTo(2L);
    assertThat(a.corruptModels()).containsExactly("m");
  }

  @Test
  void partsOfTwoDifferentWritesOfOneVersionDoNotMixAndRepeatedPartsAreIgnored() throws IOException {
    double[] a = params(2 * P + 3, 1);
    double[] b = params(2 * P + 3, 2);
    List<ModelSnapshot> pa = split("m", 5, a);
    List<ModelSnapshot> pb = split("m", 5, b);
    // Part 0 of one write, parts 1-2 of the other: same version, different checksums, never one model.
    assertThat(assemble(wire(List.of(pa.get(0), pb.get(1), pb.get(2))), null).complete()).isEmpty();
    // A version published twice (a recovery replays its transaction's content): each part counts once.
    List<ModelSnapshot> twice = new ArrayList<>(pa);
    twice.addAll(pa);
    twice.add(1, pa.get(2));
    assertThat(bits(assemble(wire(twice), null).complete().get("m").parameters())).isEqualTo(bits(a));
  }

  @Test
  void malformedPartsAreSkipped() throws IOException {
    double[] a = params(2 * P + 3, 1);
    List<ModelSnapshot> parts = split("m", 1, a);
    ModelSnapshot outOfRange = ModelSnapshot.newBuilder(parts.get(2)).setParameterOffset(2L * P + 1).build();
    SnapshotAssembler s = assemble(wire(List.of(parts.get(0), parts.get(1), outOfRange)), null);
    assertThat(s.complete()).isEmpty();
    assertThat(s.skipped()).isEqualTo(1);
    ModelSnapshot badIndex = ModelSnapshot.newBuilder(parts.get(1)).setPart(3).build();
    assertThat(assemble(List.of(badIndex), null).skipped()).isEqualTo(1);
  }

  @Test
  void everyPartGoesToThePartitionKafkaPicksForTheModelId() {
    for (String id : List.of("m", "tenant-1", "click-model", "ü")) {
      for (int n : new int[] {1, 2, 3, 12}) {
        assertThat(SnapshotParts.partition(id, n))
            .isEqualTo(BuiltInPartitioner.partitionForKey(id.getBytes(StandardCharsets.UTF_8), n));
      }
    }
  }
}
