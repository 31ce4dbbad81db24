package io.streamtrain.io;

import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.Prediction;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.Sample;
import io.streamtrain.avro.ScoreRequest;
import io.streamtrain.avro.TrainingMetrics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The streamtrain wire schemas by name, and the Kafka headers that name the schema of a record value: every
 * streamtrain producer and sink sets {@value #HEADER} to the schema's simple name (Sample, TrainingMetrics,
 * ModelSnapshot, RejectedSample, EvaluationResult, Prediction, ScoreRequest) and {@value #FINGERPRINT_HEADER} to the writer schema's
 * fingerprint, so tools decode a topic without guessing and fast decoders can tell a record of another version.
 */
public final class Schemas {
  public static final String HEADER = "streamtrain.schema";

  /**
   * Second header: the writer schema's CRC-64-AVRO parsing fingerprint (Avro specification, "Schema
   * Fingerprints"; {@link SchemaNormalization#parsingFingerprint64}) as 16 lower-case hex digits. A hand-written
   * decoder that assumes the current schema checks it and rejects (or resolves) records written with another
   * version instead of misreading them.
   */
  public static final String FINGERPRINT_HEADER = "streamtrain.schema.fingerprint";

  /** All record schemas, in the order {@code consume} tries them when a record has no header. */
  public static final List<Schema> ALL =
      List.of(
          Sample.getClassSchema(),
          TrainingMetrics.getClassSchema(),
          ModelSnapshot.getClassSchema(),
          RejectedSample.getClassSchema(),
          EvaluationResult.getClassSchema(),
          Prediction.getClassSchema(),
          ScoreRequest.getClassSchema());

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

  /** The fingerprint header of {@code schema}; immutable and shareable. */
  public static Header fingerprintHeader(Schema schema) {
    return new RecordHeader(FINGERPRINT_HEADER, fingerprint(schema).getBytes(StandardCharsets.UTF_8));
  }

  /** Both headers, as every streamtrain producer and sink sets them. */
  public static List<Header> headers(Schema schema) {
    return List.of(header(schema), fingerprintHeader(schema));
  }

  /** CRC-64-AVRO parsing fingerprint as 16 hex digits. */
  public static String fingerprint(Schema schema) {
    return String.format("%016x", SchemaNormalization.parsingFingerprint64(schema));
  }

  /** True when the record carries a fingerprint header that differs from {@code schema}'s. */
  public static boolean writtenWithOtherVersion(Headers headers, Schema schema) {
    Header h = headers == null ? null : headers.lastHeader(FINGERPRINT_HEADER);
    return h != null && h.value() != null && !fingerprint(schema).equals(new String(h.value(), StandardCharsets.UTF_8));
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
