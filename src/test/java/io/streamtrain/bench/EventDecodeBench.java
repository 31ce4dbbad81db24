package io.streamtrain.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.events.EventDecoder;
import io.streamtrain.io.events.InputSpec;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * What the source thread does per record, by input format: decode a Sample record (hashing its named fields at
 * decode, as the training job's source does), or decode a JSON or Avro event, map it to a sample
 * ({@code input.mapping}) and hash its named fields (as the validation does for other events). JSON as a Jackson
 * tree, streamed, and streamed with its categorical strings hashed from Jackson's buffer (as the job reads it);
 * Avro as a GenericRecord (before the compiled reader), with the compiled reader ({@code AvroEventReader}), and
 * with that reader hashing the categorical strings from the bytes (as the job reads it). Click-style records: a
 * tenant, a timestamp, a label, a price, a nested country, a visit count and 0-3 item ids. Formats alternate in
 * rounds in one JVM; prints records/s per format and round. A scripted benchmark, not a test.
 *
 * <p>Arguments: {@code [records=200000] [rounds=5] [shape=click|sparse20] [only=all|job|hashed|avro]}.
 */
public final class EventDecodeBench {
  private EventDecodeBench() {}

  static final String SCHEMA = """
      {"type": "record", "name": "Click", "fields": [
        {"name": "tenant", "type": "string"}, {"name": "ts", "type": "long"}, {"name": "clicked", "type": "boolean"},
        {"name": "price", "type": "double"},
        {"name": "user", "type": {"type": "record", "name": "User", "fields": [
          {"name": "geo", "type": {"type": "record", "name": "Geo", "fields": [{"name": "country", "type": "string"}]}},
          {"name": "visits", "type": "int"}]}},
        {"name": "items", "type": {"type": "array", "items": "string"}}]}""";

  /** As the job's validation does for events: the sample into an Example, its named fields hashed. */
  static int hashed(MutableSample s, io.streamtrain.core.data.Example ex, FeatureSpace space,
      io.streamtrain.core.feature.MurmurHash3.Utf8Hasher hasher) {
    io.streamtrain.flink.training.SampleDeserializer.toExample(s, ex);
    ex.hashNamedFields(space, hasher);
    return ex.hashedLength();
  }

  /** The sparse20 rows as Avro events: the JSON events' fields, the 20 categorical columns strings of a record. */
  static final String SPARSE20_SCHEMA;
  static {
    StringBuilder cats = new StringBuilder();
    for (char c = 'a'; c <= 't'; c++) {
      cats.append(c == 'a' ? "" : ", ").append("{\"name\": \"").append(c).append("\", \"type\": \"string\"}");
    }
    SPARSE20_SCHEMA = "{\"type\": \"record\", \"name\": \"Sparse20\", \"fields\": ["
        + "{\"name\": \"model_id\", \"type\": \"string\"}, {\"name\": \"event_time\", \"type\": \"long\"}, "
        + "{\"name\": \"label\", \"type\": \"boolean\"}, {\"name\": \"categorical\", \"type\": {\"type\": \"record\", "
        + "\"name\": \"Cats\", \"fields\": [" + cats + "]}}]}";
  }

  /**
   * Replaces the records by the sparse20 workload's shape ({@code scripts/bench/sparse20-json.yaml}): 20
   * categorical columns a..t, a binary label, as {@code produce --value-format json} writes them
   * ({@link io.streamtrain.io.SampleJson}), and as Avro events of {@link #SPARSE20_SCHEMA}. Returns the mapping.
   */
  static Map<String, Object> sparse20(int n, List<byte[]> samples, List<byte[]> jsons, List<byte[]> avros)
      throws java.io.IOException {
    samples.clear();
    jsons.clear();
    avros.clear();
    SampleCodec codec = new SampleCodec();
    io.streamtrain.io.SampleJson sj = new io.streamtrain.io.SampleJson();
    SplittableRandom r = new SplittableRandom(20);
    Schema schema = new Schema.Parser().parse(SPARSE20_SCHEMA);
    GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(schema);
    List<Object> categorical = new ArrayList<>();
    for (char c = 'a'; c <= 't'; c++) {
      categorical.add(Map.of("field", "categorical." + c, "name", String.valueOf(c)));
    }
    for (int i = 0; i < n; i++) {
      MutableSample s = new MutableSample();
      s.modelId = "sparse20";
      s.eventTime = 1_764_745_500_000L + i;
      for (char c = 'a'; c <= 't'; c++) {
        s.addCategorical(String.valueOf(c), c + Integer.toString(r.nextInt(c < 'e' ? 100_000 : 1_000)));
      }
      s.setBinaryLabel(r.nextInt(4) == 0);
      samples.add(codec.encode(s));
      jsons.add(sj.encode(s));
      GenericRecord rec = new GenericData.Record(schema);
      rec.put("model_id", s.modelId);
      rec.put("event_time", s.eventTime);
      rec.put("label", s.label != 0);
      GenericRecord cats = new GenericData.Record(schema.getField("categorical").schema());
      for (int k = 0; k < s.categoricalSize; k++) {
        cats.put(s.categoricalNames[k], s.categoricalValues[k]);
      }
      rec.put("categorical", cats);
      avros.add(encode(writer, rec));
    }
    return Map.of("model_id", Map.of("field", "model_id"), "label", Map.of("field", "label"),
        "event_time", Map.of("field", "event_time"), "categorical", categorical);
  }

  private static byte[] encode(GenericDatumWriter<GenericRecord> writer, GenericRecord rec) throws java.io.IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    writer.write(rec, enc);
    enc.flush();
    return out.toByteArray();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = BenchArgs.parse(args, Map.of("records", "200000", "rounds", "5", "shape", "click",
        "only", "all"));
    int n = Integer.parseInt(a.get("records"));
    Schema schema = new Schema.Parser().parse(SCHEMA);
    ObjectMapper json = new ObjectMapper();
    SampleCodec codec = new SampleCodec();
    List<byte[]> samples = new ArrayList<>();
    List<byte[]> jsons = new ArrayList<>();
    List<byte[]> avros = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(1);
    GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(schema);
    for (int i = 0; i < n; i++) {
      long ts = 1_764_745_500_000L + 1000L * i;
      double price = r.nextInt(100_000) / 100.0;
      String country = "c" + r.nextInt(200);
      int visits = r.nextInt(100);
      List<String> items = new ArrayList<>();
      for (int k = r.nextInt(4); k > 0; k--) {
        items.add("i" + r.nextInt(100_000));
      }
      boolean clicked = r.nextInt(10) < 2;
      MutableSample s = new MutableSample();
      s.modelId = "ctr";
      s.eventTime = ts;
      s.addDense(price);
      s.addCategorical("country", country);
      for (String it : items) {
        s.addCategorical("item", it);
      }
      s.addNumeric("visits", Math.log1p(visits));
      s.setBinaryLabel(clicked);
      samples.add(codec.encode(s));
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("tenant", "ctr");
      e.put("ts", ts);
      e.put("clicked", clicked);
      e.put("price", price);
      e.put("user", Map.of("geo", Map.of("country", country), "visits", visits));
      e.put("items", items);
      jsons.add(json.writeValueAsBytes(e));
      GenericRecord rec = new GenericData.Record(schema);
      rec.put("tenant", "ctr");
      rec.put("ts", ts);
      rec.put("clicked", clicked);
      rec.put("price", price);
      GenericRecord user = new GenericData.Record(schema.getField("user").schema());
      GenericRecord geo = new GenericData.Record(user.getSchema().getField("geo").schema());
      geo.put("country", country);
      user.put("geo", geo);
      user.put("visits", visits);
      rec.put("user", user);
      rec.put("items", items);
      avros.add(encode(writer, rec));
    }
    Map<String, Object> mapping = a.get("shape").equals("sparse20") ? sparse20(n, samples, jsons, avros) : Map.of(
        "model_id", Map.of("field", "tenant"),
        "label", Map.of("field", "clicked"),
        "event_time", Map.of("field", "ts"),
        "dense", List.of("price"),
        "categorical", List.of(Map.of("field", "user.geo.country", "name", "country"),
            Map.of("field", "items", "name", "item")),
        "numeric", List.of(Map.of("field", "user.visits", "name", "visits", "transform", "log1p")));
    InputSpec jsonIn = InputSpec.parse(new SpecReader("input", Map.of("format", "json", "mapping", mapping)),
        new int[] {a.get("shape").equals("sparse20") ? 0 : 1});
    InputSpec avroIn = InputSpec.parse(new SpecReader("input", Map.of("format", "avro", "schema",
        a.get("shape").equals("sparse20") ? SPARSE20_SCHEMA : SCHEMA, "mapping", mapping)),
        new int[] {a.get("shape").equals("sparse20") ? 0 : 1});
    EventDecoder jd = EventDecoder.of(jsonIn);
    EventDecoder js = EventDecoder.of(jsonIn, jsonIn.featureFields());
    EventDecoder ad = EventDecoder.of(avroIn);
    // The compiled Avro reader: keeping names (hashed in the validation), and as the job's source reads now.
    EventDecoder ac = EventDecoder.of(avroIn, avroIn.featureFields());
    EventDecoder ah = EventDecoder.of(avroIn, avroIn.featureFields(), avroIn.mapping().hashable());
    // As the job's source reads JSON now: categorical strings hashed from Jackson's buffer, the rest when mapped.
    EventDecoder jh = new io.streamtrain.io.events.JsonEventReader(jsonIn.featureFields(),
        jsonIn.mapping().hashable());
    FeatureSpace space = FeatureSpace.of(1, 0, 18);
    MutableSample into = new MutableSample();
    io.streamtrain.core.data.Example ex = new io.streamtrain.core.data.Example();
    io.streamtrain.core.feature.MurmurHash3.Utf8Hasher hasher = new io.streamtrain.core.feature.MurmurHash3.Utf8Hasher();
    long sink = 0;
    // The best round of each column: on a shared machine the least disturbed (rounds 1-2 are warm-up).
    long bestSample = Long.MAX_VALUE;
    long bestJson = Long.MAX_VALUE;
    long bestAvro = Long.MAX_VALUE;
    // only=hashed: just JSON hashed at read, e.g. for a profile of that loop alone; only=avro: just Avro hashed at
    // read; only=job: the three columns of what the job's source does (Sample, JSON and Avro hashed at read).
    String only = a.get("only");
    boolean sampleToo = only.equals("all") || only.equals("job");
    boolean slowToo = only.equals("all");
    boolean jsonToo = !only.equals("avro");
    boolean avroToo = !only.equals("hashed");
    for (int round = 1; round <= Integer.parseInt(a.get("rounds")); round++) {
      long t0 = System.nanoTime();
      for (byte[] b : sampleToo ? samples : List.<byte[]>of()) {
        codec.decode(b, 0, b.length, into, id -> space);
        io.streamtrain.flink.training.SampleDeserializer.toExample(into, ex); // as the job's source does
        sink += ex.hashedLength();
      }
      long t1 = System.nanoTime();
      for (byte[] b : slowToo ? jsons : List.<byte[]>of()) {
        if (jsonIn.mapping().map(jd.decode(b), 0, into) != null) {
          throw new IllegalStateException("unmapped");
        }
        sink += hashed(into, ex, space, hasher);
      }
      long t2 = System.nanoTime();
      for (byte[] b : slowToo ? avros : List.<byte[]>of()) {
        if (avroIn.mapping().map(ad.decode(b), 0, into) != null) {
          throw new IllegalStateException("unmapped");
        }
        sink += hashed(into, ex, space, hasher);
      }
      long t3 = System.nanoTime();
      for (byte[] b : slowToo ? jsons : List.<byte[]>of()) {
        if (jsonIn.mapping().map(js.decode(b), 0, into) != null) {
          throw new IllegalStateException("unmapped");
        }
        sink += hashed(into, ex, space, hasher);
      }
      long t4 = System.nanoTime();
      for (byte[] b : jsonToo ? jsons : List.<byte[]>of()) {
        if (jsonIn.mapping().map(jh.decode(b), 0, into, id -> space, hasher) != null) {
          throw new IllegalStateException("unmapped");
        }
        io.streamtrain.flink.training.SampleDeserializer.toExample(into, ex); // as the job's source does
        sink += ex.hashedLength();
      }
      long t5 = System.nanoTime();
      for (byte[] b : slowToo ? avros : List.<byte[]>of()) {
        if (avroIn.mapping().map(ac.decode(b), 0, into) != null) {
          throw new IllegalStateException("unmapped");
        }
        sink += hashed(into, ex, space, hasher);
      }
      long t6 = System.nanoTime();
      for (byte[] b : avroToo ? avros : List.<byte[]>of()) {
        if (avroIn.mapping().map(ah.decode(b), 0, into, id -> space, hasher) != null) {
          throw new IllegalStateException("unmapped");
        }
        io.streamtrain.flink.training.SampleDeserializer.toExample(into, ex); // as the job's source does
        sink += ex.hashedLength();
      }
      long t7 = System.nanoTime();
      if (round > 2) {
        bestSample = Math.min(bestSample, t1 - t0);
        bestJson = Math.min(bestJson, t5 - t4);
        bestAvro = Math.min(bestAvro, t7 - t6);
      }
      System.out.printf("round %d: sample+hash %.0f/s, json tree+map %.0f/s, avro generic+map %.0f/s, json "
          + "streamed+map %.0f/s, json hashed at read+map %.0f/s, avro compiled+map %.0f/s, avro hashed at "
          + "read+map %.0f/s%n", round, n / ((t1 - t0) / 1e9), n / ((t2 - t1) / 1e9), n / ((t3 - t2) / 1e9),
          n / ((t4 - t3) / 1e9), n / ((t5 - t4) / 1e9), n / ((t6 - t5) / 1e9), n / ((t7 - t6) / 1e9));
      if (sampleToo) {
        System.out.printf("round %d: to sample+hash: json hashed at read %.2fx, avro hashed at read %.2fx%n", round,
            (double) (t1 - t0) / (t5 - t4), (double) (t1 - t0) / (t7 - t6));
      }
    }
    if (sampleToo) {
      System.out.printf("best rounds: sample+hash %.0f/s, json hashed at read %.0f/s (%.2fx), avro hashed at read "
          + "%.0f/s (%.2fx)%n", n / (bestSample / 1e9), n / (bestJson / 1e9), (double) bestSample / bestJson,
          n / (bestAvro / 1e9), (double) bestSample / bestAvro);
    }
    System.out.println("(checksum " + sink + ")");
  }
}
