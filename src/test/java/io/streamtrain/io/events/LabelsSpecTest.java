package io.streamtrain.io.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.io.MutableSample;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** input.labels: parsing, label events mapped (key, time, label), and errors that name the path. */
class LabelsSpecTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Map<String, Object> MAPPING = Map.of("model_id", "ctr", "dense", List.of("price"));

  static InputSpec input(Map<String, Object> labels, Map<String, Object> mapping) {
    Map<String, Object> in = new LinkedHashMap<>();
    in.put("format", "json");
    in.put("mapping", mapping);
    in.put("labels", labels);
    return InputSpec.parse(new SpecReader("input", in), new int[] {1});
  }

  static Map<String, Object> labels(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>(Map.of("topic", "clicks", "key", "id", "window_ms", 60_000));
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void defaultsAreAConstantPositiveANegativeOnTimeoutAndTheInputsFormat() throws Exception {
    LabelsSpec l = input(labels(), MAPPING).labels();
    assertThat(l.topic()).isEqualTo("clicks");
    assertThat(l.format()).isEqualTo("json");
    assertThat(l.windowMs()).isEqualTo(60_000);
    assertThat(l.emitNegatives()).isTrue();
    assertThat(l.negativeLabel()).isZero();
    assertThat(l.outOfOrdernessMs()).isZero();
    assertThat(l.idleTimeoutMs()).as("no partition is taken for idle unless asked").isZero();
    MutableSample s = new MutableSample();
    assertThat(l.map(JSON.readTree("{\"id\": 42, \"ts\": 5}"), 1234, s)).isNull();
    assertThat(s.key).isEqualTo("42");
    assertThat(s.eventTime).as("the Kafka timestamp without event_time").isEqualTo(1234);
    assertThat(s.label).isEqualTo(1.0);
    assertThat(l.featureKey(JSON.readTree("{\"id\": \"42\"}"))).isEqualTo("42");
  }

  @Test
  void mapsKeysOnEachSideEventTimeInSecondsAndTextLabels() throws Exception {
    LabelsSpec l = input(labels("key", Map.of("features", "imp.id", "labels", "ref"),
        "event_time", Map.of("field", "at", "unit", "s"),
        "label", Map.of("field", "kind", "map", Map.of("chargeback", 1, "refund", 0)),
        "on_timeout", "drop", "out_of_orderness_ms", 2000), MAPPING).labels();
    MutableSample s = new MutableSample();
    assertThat(l.map(JSON.readTree("{\"ref\": \"t-9\", \"at\": 1.5, \"kind\": \"refund\"}"), 0, s)).isNull();
    assertThat(s.key).isEqualTo("t-9");
    assertThat(s.eventTime).isEqualTo(1500);
    assertThat(s.label).isZero();
    assertThat(l.emitNegatives()).isFalse();
    assertThat(l.outOfOrdernessMs()).isEqualTo(2000);
    assertThat(l.featureKey(JSON.readTree("{\"imp\": {\"id\": \"t-9\"}}"))).isEqualTo("t-9");
    assertThat(l.featureKey(JSON.readTree("{\"imp\": {}}"))).isNull();
    assertThat(l.map(JSON.readTree("{\"at\": 1, \"kind\": \"refund\"}"), 0, s)).isEqualTo("ref: missing (the join key)");
    assertThat(l.map(JSON.readTree("{\"ref\": 1, \"kind\": \"refund\"}"), 0, s))
        .isEqualTo("at: missing (the label's event time)");
    assertThat(l.map(JSON.readTree("{\"ref\": 1, \"at\": 1, \"kind\": \"fraud\"}"), 0, s))
        .contains("kind: 'fraud' is not one of the mapped labels");
  }

  @Test
  void theFeaturesMappingHasNoLabelAndTheLabelsFormatCanDiffer() {
    Map<String, Object> withLabel = new LinkedHashMap<>(MAPPING);
    withLabel.put("label", Map.of("field", "clicked"));
    assertThatThrownBy(() -> input(labels(), withLabel)).isInstanceOf(SpecException.class)
        .hasMessageContaining("input.mapping.label").hasMessageContaining("labels topic");
    String schema = "{\"type\": \"record\", \"name\": \"Click\", \"fields\": [{\"name\": \"id\", \"type\": \"string\"}]}";
    InputSpec in = input(labels("format", "avro", "schema", schema), MAPPING);
    assertThat(in.labels().format()).isEqualTo("avro");
    assertThat(in.labels().decoderInput(in).schemaJson()).isEqualTo(schema);
    assertThat(EventDecoder.of(in.labels().decoderInput(in))).isInstanceOf(EventDecoder.Avro.class);
  }

  @Test
  void theFormatsAreOneListTheLabelsTopicTakesItsEventFormats() {
    assertThat(InputSpec.FORMATS).containsExactly("sample", "json", "avro", "avro_registry");
    assertThatThrownBy(() -> InputSpec.parse(new SpecReader("input", Map.of("format", "csv")), new int[] {1}))
        .hasMessage("input.format: \"csv\" is not allowed; allowed: one of [sample, json, avro, avro_registry]");
    assertThatThrownBy(() -> input(labels("format", "sample"), MAPPING))
        .hasMessage("input.labels.format: \"sample\" is not allowed; allowed: one of [json, avro, avro_registry]");
  }

  @Test
  void errorsNameThePath() {
    assertThatThrownBy(() -> input(Map.of("key", "id", "window_ms", 1), MAPPING))
        .hasMessageContaining("input.labels.topic");
    assertThatThrownBy(() -> input(Map.of("topic", "c", "window_ms", 1), MAPPING))
        .hasMessageContaining("input.labels.key").hasMessageContaining("missing");
    assertThatThrownBy(() -> input(Map.of("topic", "c", "key", "id"), MAPPING))
        .hasMessageContaining("input.labels.window_ms").hasMessageContaining("missing");
    assertThatThrownBy(() -> input(labels("window_ms", 0), MAPPING)).hasMessageContaining("input.labels.window_ms")
        .hasMessageContaining("> 0");
    assertThatThrownBy(() -> input(labels("on_timeout", "skip"), MAPPING))
        .hasMessageContaining("input.labels.on_timeout").hasMessageContaining("negative");
    assertThatThrownBy(() -> input(labels("on_timeout", "drop", "negative_label", -1), MAPPING))
        .hasMessageContaining("input.labels.negative_label");
    assertThatThrownBy(() -> input(labels("key", Map.of("features", "a", "label", "b")), MAPPING))
        .hasMessageContaining("label");
    assertThatThrownBy(() -> input(labels("label", Map.of("value", 1, "field", "x")), MAPPING))
        .hasMessageContaining("input.labels.label.field").hasMessageContaining("not with value");
    assertThatThrownBy(() -> input(labels("format", "avro"), MAPPING)).hasMessageContaining("input.labels.schema");
    assertThatThrownBy(() -> input(labels("format", "avro_registry"), MAPPING))
        .hasMessageContaining("input.registry").hasMessageContaining("labels topic");
    assertThatThrownBy(() -> input(labels("out_of_orderness_ms", -5), MAPPING))
        .hasMessageContaining("input.labels.out_of_orderness_ms");
    assertThat(input(labels("idle_timeout_ms", 30_000), MAPPING).labels().idleTimeoutMs()).isEqualTo(30_000);
    assertThatThrownBy(() -> input(labels("idle_timeout_ms", 0), MAPPING))
        .hasMessageContaining("input.labels.idle_timeout_ms").hasMessageContaining("wall-clock");
    assertThatThrownBy(() -> input(labels("windw_ms", 5), MAPPING)).hasMessageContaining("windw_ms");
  }
}
