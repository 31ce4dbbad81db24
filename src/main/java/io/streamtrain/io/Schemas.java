package io.streamtrain.io;

import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.Sample;
import io.streamtrain.avro.TrainingMetrics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The streamtrain wire schemas by name, and the Kafka header that names the schema of a record value: every
 * streamtrain producer and sink sets {@value #HEADER} to the schema's simple name (Sample, TrainingMetrics,
 * ModelSnapshot, RejectedSample, EvaluationResult), so tools can decode a topic without guessing.
 */
public final class Schemas {
  public static final String HEADER = "streamtrain.schema";

  /** All record schemas, in the order {@code consume} tries them when a record has no header. */
  public static final List<Schema> ALL =
      List.of(
          Sample.getClassSchema(),
          TrainingMetrics.getClassSchema(),
          ModelSnapshot.getClassSchema(),
          RejectedSample.getClassSchema(),
          EvaluationResult.getClassSchema());

  private Schemas() {}

  public static Optional<Schema> byName(String simpleName) {
    for (Schema s : ALL) {
      if (s.getName().equals(simpleName) || s.getFullName().equals(simpleName)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** A header naming {@code schema}; immutable, so one instance may be shared by all records. */
  public static Header header(Schema schema) {
    return new RecordHeader(HEADER, schema.getName().getBytes(StandardCharsets.UTF_8));
  }

  /** The schema named by the record's header, if it has one and the name is known. */
  public static Optional<Schema> fromHeaders(Headers headers) {
    Header h = headers == null ? null : headers.lastHeader(HEADER);
    if (h == null || h.value() == null) {
      return Optional.empty();
    }
    return byName(new String(h.value(), StandardCharsets.UTF_8));
  }
}
