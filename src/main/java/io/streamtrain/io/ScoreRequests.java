package io.streamtrain.io;

import io.streamtrain.avro.RequestCategoricalField;
import io.streamtrain.avro.RequestNumericField;
import io.streamtrain.avro.ScoreRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples written as the serve job's {@link ScoreRequest} records ({@code produce --value-format request}): each
 * sample's model id, event time and features; its label, if the file has one, is left out. Request ids are
 * {@code prefix + n}, n counted from 0 in sending order, so predictions can be matched to the rows that asked.
 */
public final class ScoreRequests {
  private final AvroBytes<ScoreRequest> avro = new AvroBytes<>(ScoreRequest.class);
  private final String prefix;
  private long next;

  public ScoreRequests(String prefix) {
    this.prefix = prefix;
  }

  public byte[] encode(MutableSample s) {
    if (s.hashedSize > 0) {
      throw new IllegalArgumentException("a score request carries named fields, not hashed slots");
    }
    List<Double> dense = new ArrayList<>(s.denseSize);
    for (int i = 0; i < s.denseSize; i++) {
      dense.add(s.dense[i]);
    }
    List<Integer> indices = new ArrayList<>(s.sparseSize);
    List<Double> values = new ArrayList<>(s.sparseSize);
    for (int i = 0; i < s.sparseSize; i++) {
      indices.add(s.sparseIndices[i]);
      values.add(s.sparseValues[i]);
    }
    List<RequestCategoricalField> categorical = new ArrayList<>(s.categoricalSize);
    for (int i = 0; i < s.categoricalSize; i++) {
      categorical.add(new RequestCategoricalField(s.categoricalNames[i], s.categoricalValues[i]));
    }
    List<RequestNumericField> numeric = new ArrayList<>(s.numericSize);
    for (int i = 0; i < s.numericSize; i++) {
      numeric.add(new RequestNumericField(s.numericNames[i], s.numericValues[i]));
    }
    ScoreRequest r = ScoreRequest.newBuilder().setRequestId(prefix + next++).setModelId(s.modelId)
        .setEventTime(java.time.Instant.ofEpochMilli(s.eventTime)).setDense(dense).setSparseIndices(indices)
        .setSparseValues(values).setCategorical(categorical).setNumeric(numeric).build();
    return avro.encode(r);
  }
}
