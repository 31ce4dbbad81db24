package io.streamtrain.io.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.io.MutableSample;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Events of the user's shape to samples: every key and transform on a nested event, and errors that name paths. */
class EventMappingTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static EventMapping mapping(Map<String, Object> m) {
    return EventMapping.fromSpec(new SpecReader("input.mapping", m));
  }

  static final Map<String, Object> FULL = Map.of(
      "model_id", Map.of("field", "tenant"),
      "label", Map.of("field", "outcome", "map", Map.of("click", 1, "skip", 0)),
      "weight", Map.of("field", "w"),
      "event_time", Map.of("field", "ts", "unit", "s"),
      "dense", List.of("price", Map.of("field", "qty", "transform", "log1p"),
          Map.of("field", "ts_ms", "transform", "hour_of_day"), Map.of("field", "missing", "default", -1),
          Map.of("field", "score", "transform", Map.of("clip", List.of(0, 1)))),
      "categorical", List.of(Map.of("field", "user.geo.country", "name", "country", "transform", "lower"),
          "items", Map.of("field", "age", "transform", Map.of("bucketize", List.of(18, 30, 50))),
          Map.of("field", "ts_ms", "name", "dow", "transform", "weekday"), "absent"),
      "numeric", List.of(Map.of("field", "user.visits", "name", "visits", "transform", "log1p")));

  @Test
  void mapsANestedEventWithEveryTransform() throws Exception {
    EventMapping m = mapping(FULL);
    assertThat(m.denseWidth()).isEqualTo(5);
    MutableSample s = new MutableSample();
    // 1764745500 s is 2025-12-03T07:05:00Z, a Wednesday (3), hour 7 (date -u -d @1764745500).
    String event = """
        {"tenant": "ctr-eu", "outcome": "click", "w": 2.5, "ts": 1764745500.25, "price": 12.5, "qty": 3,
         "ts_ms": 1764745500000, "score": 1.7, "user": {"geo": {"country": "FR"}, "visits": 9},
         "items": ["i1", 42, true, null], "age": 30}""";
    assertThat(m.map(JSON.readTree(event), 99, s)).isNull();
    assertThat(s.modelId).isEqualTo("ctr-eu");
    assertThat(s.labelValue()).isEqualTo(1.0);
    assertThat(s.weight).isEqualTo(2.5);
    assertThat(s.eventTime).isEqualTo(1764745500250L);
    assertThat(Arrays.copyOf(s.dense, s.denseSize)).containsExactly(12.5, Math.log1p(3), 7, -1, 1);
    assertThat(Arrays.copyOf(s.categoricalNames, s.categoricalSize))
        .containsExactly("country", "items", "items", "items", "age", "dow");
    assertThat(Arrays.copyOf(s.categoricalValues, s.categoricalSize))
        .containsExactly("fr", "i1", "42", "true", "2", "3");
    assertThat(Arrays.copyOf(s.numericNames, s.numericSize)).containsExactly("visits");
    assertThat(s.numericValues[0]).isEqualTo(Math.log1p(9));
  }

  @Test
  void defaultsAndLabelKinds() throws Exception {
    MutableSample s = new MutableSample();
    EventMapping plain = mapping(Map.of("label", Map.of("field", "y"), "categorical", List.of("a")));
    assertThat(plain.map(JSON.readTree("{\"y\": true, \"a\": \"x\"}"), 123, s)).isNull();
    assertThat(s.modelId).isEqualTo("default");
    assertThat(s.eventTime).isEqualTo(123);
    assertThat(s.labelKind).isEqualTo(MutableSample.LabelKind.BINARY);
    assertThat(s.hasWeight).isFalse();
    assertThat(plain.map(JSON.readTree("{\"y\": 2.5}"), 0, s)).isNull();
    assertThat(s.labelValue()).isEqualTo(2.5);
    assertThat(s.categoricalSize).isZero();
    EventMapping thr = mapping(Map.of("model_id", "fraud", "label", Map.of("field", "amount", "threshold", 100),
        "numeric", List.of("amount")));
    assertThat(thr.map(JSON.readTree("{\"amount\": 250}"), 0, s)).isNull();
    assertThat(s.modelId).isEqualTo("fraud");
    assertThat(s.labelValue()).isEqualTo(true);
  }

  @Test
  void arrayElementsByIndex() throws Exception {
    EventMapping m = mapping(Map.of("label", Map.of("field", "y"), "dense", List.of("x.0", "x.2",
        Map.of("field", "x.7", "default", -1)), "categorical", List.of(Map.of("field", "tags.1", "name", "t"))));
    MutableSample s = new MutableSample();
    assertThat(m.map(JSON.readTree("{\"y\": 1, \"x\": [0.5, 9, 2.5], \"tags\": [\"a\", \"b\"]}"), 0, s)).isNull();
    assertThat(Arrays.copyOf(s.dense, s.denseSize)).containsExactly(0.5, 2.5, -1);
    assertThat(s.categoricalValues[0]).isEqualTo("b");
  }

  @Test
  void eventsThatDoNotMapSayWhichPathAndWhy() throws Exception {
    EventMapping m = mapping(FULL);
    MutableSample s = new MutableSample();
    String ok = "{\"tenant\": \"t\", \"outcome\": \"skip\", \"ts\": 1, \"price\": 1, \"qty\": 1, \"ts_ms\": 0,"
        + " \"score\": 0}";
    assertThat(m.map(JSON.readTree(ok), 0, s)).isNull();
    assertThat(m.map(JSON.readTree(ok.replace("\"skip\"", "\"view\"")), 0, s))
        .contains("outcome").contains("'view' is not one of the mapped labels");
    assertThat(m.map(JSON.readTree(ok.replace("\"price\": 1", "\"price\": \"cheap\"")), 0, s))
        .isEqualTo("price: not a number (a dense column)");
    assertThat(m.map(JSON.readTree(ok.replace("\"qty\": 1,", "")), 0, s)).startsWith("qty: missing");
    assertThat(m.map(JSON.readTree(ok.replace("\"tenant\": \"t\",", "")), 0, s)).startsWith("tenant: missing");
    assertThat(m.map(JSON.readTree("[1, 2]"), 0, s)).isEqualTo("the event is not a JSON object");
    assertThat(m.map(JSON.readTree(ok.replace("}", ", \"user\": {\"visits\": \"many\"}}")), 0, s))
        .isEqualTo("user.visits: not a number (a numeric field)");
  }

  @Test
  void specErrorsNameTheKey() {
    assertThatThrownBy(() -> mapping(Map.of("categorical", List.of("a"))))
        .isInstanceOf(SpecException.class).hasMessageContaining("input.mapping.label");
    assertThatThrownBy(() -> mapping(Map.of("label", Map.of("field", "y"))))
        .hasMessageContaining("no features mapped");
    assertThatThrownBy(() -> mapping(Map.of("label", Map.of("field", "y"),
        "dense", List.of(Map.of("field", "a", "transform", "sqrt")))))
        .hasMessageContaining("input.mapping.dense[0].transform").hasMessageContaining("log1p");
    assertThatThrownBy(() -> mapping(Map.of("label", Map.of("field", "y"), "dense", List.of("a..b"))))
        .hasMessageContaining("dotted path");
    assertThatThrownBy(() -> mapping(Map.of("label", Map.of("field", "y"), "categorical", List.of("a"),
        "colour", 1))).hasMessageContaining("colour");
  }

  @Test
  void fieldEntriesAreReadThroughTheirDeclarations() {
    Map<String, Object> y = Map.of("field", "y");
    assertThatThrownBy(() -> mapping(Map.of("label", y, "dense", List.of(Map.of("field", "a", "default", "zero")))))
        .hasMessage("input.mapping.dense[0].default: \"zero\" is not allowed; allowed: a number");
    assertThatThrownBy(() -> mapping(Map.of("label", y, "dense", List.of(Map.of("field", "a", "name", "b")))))
        .hasMessageStartingWith("input.mapping.dense[0].name: unknown key; allowed keys here are [field, transform,"
            + " default]");
    assertThatThrownBy(() -> mapping(Map.of("label", y, "numeric", List.of(Map.of("field", "a", "default", 1)))))
        .hasMessageStartingWith("input.mapping.numeric[0].default: unknown key; allowed keys here are [field, name,"
            + " transform]");
    assertThatThrownBy(() -> mapping(Map.of("label", y, "categorical", List.of(Map.of("name", "b")))))
        .hasMessage("input.mapping.categorical[0].field: missing; it is required");
    assertThatThrownBy(() -> mapping(Map.of("label", y, "categorical", List.of(Map.of("field", "a",
        "transform", Map.of("bucketize", List.of(2, 1)))))))
        .hasMessage("input.mapping.categorical[0].transform.bucketize: \"[2.0, 1.0]\" is not allowed;"
            + " increasing boundaries");
    assertThatThrownBy(() -> mapping(Map.of("label", y, "dense", List.of(Map.of("field", "a", "transform",
        "lower"))))).hasMessage("input.mapping.dense[0].transform: makes text; a dense column needs a number");
  }
}
