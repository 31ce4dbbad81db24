package io.streamtrain.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;

/**
 * A sample as a plain Avro event of the schema {@link #SCHEMA} (resource {@code io/streamtrain/io/sample-event.avsc}),
 * the shape `produce --value-format avro` writes: the Avro twin of {@link SampleJson}'s JSON, field for field
 * ({@code model_id}, {@code event_time}, {@code key}, {@code label} as its kind is, {@code weight}, {@code dense},
 * {@code sparse}, and the named fields as the maps {@code categorical} and {@code numeric}), so the same
 * {@code input.mapping} reads both (e.g. {@code {field: categorical.site, name: site}}). A categorical name given
 * twice in one sample keeps its last value (a map). Not thread-safe.
 */
public final class SampleAvroEvent {
  public static final Schema SCHEMA = load();

  private final AvroBytes<GenericRecord> bytes = new AvroBytes<>(new GenericDatumWriter<>(SCHEMA));
  private final Schema sparseSchema = SCHEMA.getField("sparse").schema().getTypes().get(1);

  private static Schema load() {
    try (InputStream in = SampleAvroEvent.class.getResourceAsStream("sample-event.avsc")) {
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the sample event schema resource", e);
    }
  }

  /** The writer schema's JSON, to save as the .avsc file a job's {@code input.schema} names. */
  public static String schemaJson() {
    return SCHEMA.toString(true);
  }

  /** The sample's Avro binary bytes (no framing). */
  public byte[] encode(MutableSample s) {
    GenericRecord r = new GenericData.Record(SCHEMA);
    r.put("model_id", s.modelId);
    r.put("event_time", s.eventTime);
    r.put("key", s.key);
    r.put("label", switch (s.labelKind) {
      case NONE -> null;
      case BINARY -> s.label != 0;
      case CLASS -> (int) s.label;
      default -> s.label;
    });
    r.put("weight", s.hasWeight ? s.weight : null);
    List<Double> dense = new ArrayList<>(s.denseSize);
    for (int i = 0; i < s.denseSize; i++) {
      dense.add(s.dense[i]);
    }
    r.put("dense", dense);
    if (s.sparseSize > 0) {
      GenericRecord sp = new GenericData.Record(sparseSchema);
      List<Integer> idx = new ArrayList<>(s.sparseSize);
      List<Double> val = new ArrayList<>(s.sparseSize);
      for (int i = 0; i < s.sparseSize; i++) {
        idx.add(s.sparseIndices[i]);
        val.add(s.sparseValues[i]);
      }
      sp.put("indices", idx);
      sp.put("values", val);
      r.put("sparse", sp);
    }
    Map<String, String> cat = new LinkedHashMap<>();
    for (int i = 0; i < s.categoricalSize; i++) {
      cat.put(s.categoricalNames[i], s.categoricalValues[i]);
    }
    r.put("categorical", cat);
    Map<String, Double> num = new LinkedHashMap<>();
    for (int i = 0; i < s.numericSize; i++) {
      num.put(s.numericNames[i], s.numericValues[i]);
    }
    r.put("numeric", num);
    return bytes.encode(r);
  }
}
