package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.RejectedSample;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * JSON and Avro events hashed as they are read (the training job's source with {@code input.format: json} or
 * {@code avro}): a good event leaves the validation with the slots and signs the validation computes from the
 * mapped names, and an event rejected there (a label out of range, an unknown model id) reaches the rejected topic
 * with its named fields as names: mapped again from the event's bytes.
 */
class JsonHashAtDecodeTest {
  static final Map<String, Object> MAPPING = Map.of(
      "model_id", Map.of("field", "tenant"),
      "label", Map.of("field", "y"),
      "categorical", List.of("country", Map.of("field", "dev", "name", "device"), "items",
          Map.of("field", "city", "transform", "lower")),
      "numeric", List.of("age"));
  /** The Avro events' writer schema: the JSON events' fields, the item ids a string or an int. */
  static final Schema SCHEMA = new Schema.Parser().parse("""
      {"type": "record", "name": "Ev", "fields": [{"name": "tenant", "type": "string"}, {"name": "y", "type": "int"},
        {"name": "country", "type": "string"}, {"name": "dev", "type": "string"},
        {"name": "items", "type": {"type": "array", "items": ["string", "int"]}},
        {"name": "city", "type": "string"}, {"name": "age", "type": "double"}]}""");

  /** What an event is in one format. */
  interface Events {
    byte[] event(String tenant, int label, String country, double age) throws Exception;
  }

  static Map<String, Object> spec() {
    return spec(Map.of("format", "json", "mapping", MAPPING));
  }

  static Map<String, Object> spec(Map<String, Object> input) {
    Map<String, Object> m = HashAtDecodeTest.spec();
    m.put("input", input);
    return m;
  }

  static Map<String, Object> avroSpec() {
    return spec(Map.of("format", "avro", "schema", SCHEMA.toString(), "mapping", MAPPING));
  }

  static byte[] avroEvent(String tenant, int label, String country, double age) throws Exception {
    GenericRecord r = new GenericData.Record(SCHEMA);
    r.put("tenant", tenant);
    r.put("y", label);
    r.put("country", country);
    r.put("dev", "ph\u00f6ne");
    r.put("items", List.of("i1", 7));
    r.put("city", "Lyon");
    r.put("age", age);
    return EventTopicsIT.avro(r);
  }

  static byte[] event(String tenant, int label, String country, double age) {
    return ("{\"tenant\": \"" + tenant + "\", \"y\": " + label + ", \"country\": \"" + country
        + "\", \"dev\": \"ph\\u00f6ne\", \"items\": [\"i1\", 7], \"city\": \"Lyon\", \"age\": " + age + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The example the validation made of the same event before: mapped with names, then hashed. */
  static Example named(String country, double age) {
    return new Example().addCategorical("country", country).addCategorical("device", "ph\u00f6ne")
        .addCategorical("items", "i1").addCategorical("items", "7").addCategorical("city", "lyon")
        .addNumeric("age", age);
  }

  @Test
  void goodEventsLeaveHashedAndRejectedOnesWithTheirNames() throws Exception {
    goodHashedAndRejectedNamed(spec(), JsonHashAtDecodeTest::event);
  }

  @Test
  void avroEventsToo() throws Exception {
    goodHashedAndRejectedNamed(avroSpec(), JsonHashAtDecodeTest::avroEvent);
    replayAndPlainSpecsKeepNames(avroSpec(), JsonHashAtDecodeTest::avroEvent);
  }

  private static void goodHashedAndRejectedNamed(Map<String, Object> spec, Events events) throws Exception {
    SampleDeserializer d = new SampleDeserializer(spec);
    d.open(null);
    try (var h = HashAtDecodeTest.validation(spec)) {
      SampleRecord good = HashAtDecodeTest.decode(d, events.event("tenant-a", 1, "fr", 31), 0);
      assertThat(good.isRejected()).isFalse();
      assertThat(good.example.categoricalLength()).isZero();
      assertThat(good.example.hashedLength()).isEqualTo(6);
      h.processElement(good, 1);
      // Label 3 does not fit a logistic model: rejected by the validation after the names were hashed.
      h.processElement(HashAtDecodeTest.decode(d, events.event("tenant-a", 3, "de", 40), 1), 1);
      // A model id no configuration accepts: straight to the rejected output.
      h.processElement(HashAtDecodeTest.decode(d, events.event("other", 1, "it", 5), 2), 1);
      List<SampleRecord> out = HashAtDecodeTest.passedOn(h);
      assertThat(out).hasSize(2);

      Example expected = named("fr", 31).hashNamedFields(FeatureSpace.of(0, 0, HashAtDecodeTest.BITS),
          new MurmurHash3.Utf8Hasher());
      Example e = out.get(0).example;
      assertThat(out.get(0).isRejected()).isFalse();
      assertThat(e.hashedBits()).isEqualTo(HashAtDecodeTest.BITS);
      assertThat(e.hashedLength()).isEqualTo(6);
      for (int i = 0; i < 6; i++) {
        assertThat(e.hashedSlot(i)).as("slot %d", i).isEqualTo(expected.hashedSlot(i));
        assertThat(e.hashedValue(i)).as("value %d", i).isEqualTo(expected.hashedValue(i));
      }

      SampleRecord badLabel = out.get(1);
      assertThat(badLabel.reason).isEqualTo(RejectReason.LABEL_OUT_OF_RANGE.name());
      assertNames(badLabel.example, named("de", 40));
      // What the rejected topic gets: the sample re-encoded, its named fields as names.
      MutableSample wire = new SampleCodec().decode(
          new Rejections().toAvro(badLabel).getRaw().array(), new MutableSample());
      assertThat(wire.categoricalSize).isEqualTo(5);
      assertThat(wire.categoricalNames[1]).isEqualTo("device");
      assertThat(wire.categoricalValues[1]).isEqualTo("ph\u00f6ne");
      assertThat(wire.numericNames[0]).isEqualTo("age");
      assertThat(wire.numericValues[0]).isEqualTo(40.0);

      List<RejectedSample> rejected = new ArrayList<>();
      h.getSideOutput(TrainingJob.REJECTED).forEach(sr -> rejected.add(sr.getValue()));
      assertThat(rejected).hasSize(1);
      assertThat(rejected.get(0).getReason()).isEqualTo(RejectReason.UNKNOWN_MODEL.name());
      MutableSample unknown = new SampleCodec().decode(rejected.get(0).getRaw().array(), new MutableSample());
      assertThat(unknown.modelId).isEqualTo("other");
      assertThat(unknown.categoricalSize).isEqualTo(5);
      assertThat(unknown.categoricalNames[0]).isEqualTo("country");
      assertThat(unknown.categoricalValues[0]).isEqualTo("it");
      assertThat(unknown.numericValues[0]).isEqualTo(5.0);
    }
  }

  @Test
  void replayAndSpecsWithoutHashingKeepTheNames() throws Exception {
    replayAndPlainSpecsKeepNames(spec(), JsonHashAtDecodeTest::event);
  }

  private static void replayAndPlainSpecsKeepNames(Map<String, Object> spec, Events events) throws Exception {
    Map<String, Object> plain = new java.util.HashMap<>(spec);
    plain.put("model", Map.of("type", "logistic", "features", Map.of("sparse", 4)));
    SampleDeserializer d = new SampleDeserializer(plain);
    d.open(null);
    SampleRecord r = HashAtDecodeTest.decode(d, events.event("tenant-a", 1, "fr", 2), 0);
    assertNames(r.example, named("fr", 2));
    SampleDeserializer replay = new SampleDeserializer(io.streamtrain.job.JobSpec.fromMap(spec).input());
    replay.open(null);
    assertNames(HashAtDecodeTest.decode(replay, events.event("tenant-a", 1, "fr", 2), 0).example, named("fr", 2));
  }

  private static void assertNames(Example got, Example want) {
    assertThat(got.hashedLength()).isZero();
    assertThat(got.categoricalLength()).isEqualTo(want.categoricalLength());
    for (int i = 0; i < want.categoricalLength(); i++) {
      assertThat(got.categoricalName(i)).isEqualTo(want.categoricalName(i));
      assertThat(got.categoricalValue(i)).isEqualTo(want.categoricalValue(i));
    }
    assertThat(got.numericLength()).isEqualTo(want.numericLength());
    assertThat(got.numericName(0)).isEqualTo(want.numericName(0));
    assertThat(got.numericValue(0)).isEqualTo(want.numericValue(0));
  }
}
