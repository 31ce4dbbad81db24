package io.streamtrain.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A sample as one JSON object, the shape `produce --value-format json` writes (events for a job with
 * {@code input: {format: json}}):
 * <pre>{"model_id": "m", "event_time": 1767225600000, "key": "k", "label": true, "weight": 2.0,
 *  "dense": [0.5, 1.5], "sparse": {"indices": [3], "values": [1.0]},
 *  "categorical": {"site": "news"}, "numeric": {"age": 31.0}}</pre>
 * {@code key}, {@code weight} and {@code sparse} only when present; the label as its kind is (boolean, number,
 * class index, or null). The mapping that reads it back: model_id {field: model_id}, label {field: label},
 * event_time {field: event_time}, dense {@code dense.0}, {@code dense.1}, ..., categorical
 * {@code {field: categorical.site, name: site}}, numeric {@code {field: numeric.age, name: age}}. A categorical
 * name given twice in one sample is written twice (JSON readers keep the last). Not thread-safe.
 */
public final class SampleJson {
  private static final JsonFactory JSON = new JsonFactory();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);

  /** The sample's JSON bytes (UTF-8). */
  public byte[] encode(MutableSample s) {
    out.reset();
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("model_id", s.modelId);
      g.writeNumberField("event_time", s.eventTime);
      if (s.key != null) {
        g.writeStringField("key", s.key);
      }
      g.writeFieldName("label");
      switch (s.labelKind) {
        case NONE -> g.writeNull();
        case BINARY -> g.writeBoolean(s.label != 0);
        case CLASS -> g.writeNumber((int) s.label);
        default -> g.writeNumber(s.label);
      }
      if (s.hasWeight) {
        g.writeNumberField("weight", s.weight);
      }
      g.writeArrayFieldStart("dense");
      for (int i = 0; i < s.denseSize; i++) {
        g.writeNumber(s.dense[i]);
      }
      g.writeEndArray();
      if (s.sparseSize > 0) {
        g.writeObjectFieldStart("sparse");
        g.writeArrayFieldStart("indices");
        for (int i = 0; i < s.sparseSize; i++) {
          g.writeNumber(s.sparseIndices[i]);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("values");
        for (int i = 0; i < s.sparseSize; i++) {
          g.writeNumber(s.sparseValues[i]);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeObjectFieldStart("categorical");
      for (int i = 0; i < s.categoricalSize; i++) {
        g.writeStringField(s.categoricalNames[i], s.categoricalValues[i]);
      }
      g.writeEndObject();
      g.writeObjectFieldStart("numeric");
      for (int i = 0; i < s.numericSize; i++) {
        g.writeNumberField(s.numericNames[i], s.numericValues[i]);
      }
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }
}
