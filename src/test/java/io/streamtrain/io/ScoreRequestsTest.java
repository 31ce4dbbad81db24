package io.streamtrain.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.avro.ScoreRequest;
import java.io.IOException;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

/** {@code produce --value-format request}: a sample's features as a ScoreRequest, ids in sending order, no label. */
class ScoreRequestsTest {
  static ScoreRequest decode(byte[] b) throws IOException {
    return new SpecificDatumReader<>(ScoreRequest.class).read(null, DecoderFactory.get().binaryDecoder(b, null));
  }

  @Test
  void aSampleBecomesARequestWithItsFeaturesAndASequentialId() throws IOException {
    ScoreRequests requests = new ScoreRequests("r");
    MutableSample s = new MutableSample();
    s.modelId = "ctr";
    s.eventTime = 1_767_225_600_123L;
    s.addDense(1.5);
    s.addDense(-2.0);
    s.addSparse(7, 0.25);
    s.addCategorical("country", "NL");
    s.addNumeric("price", 9.99);
    s.label = 1;
    ScoreRequest first = decode(requests.encode(s));
    ScoreRequest second = decode(requests.encode(s));
    assertThat(first.getRequestId()).isEqualTo("r0");
    assertThat(second.getRequestId()).isEqualTo("r1");
    assertThat(first.getModelId()).isEqualTo("ctr");
    assertThat(first.getEventTime().toEpochMilli()).isEqualTo(1_767_225_600_123L);
    assertThat(first.getDense()).containsExactly(1.5, -2.0);
    assertThat(first.getSparseIndices()).containsExactly(7);
    assertThat(first.getSparseValues()).containsExactly(0.25);
    assertThat(first.getCategorical()).hasSize(1);
    assertThat(first.getCategorical().get(0).getName()).isEqualTo("country");
    assertThat(first.getCategorical().get(0).getValue()).isEqualTo("NL");
    assertThat(first.getNumeric().get(0).getValue()).isEqualTo(9.99);
  }

  @Test
  void hashedSlotsAreRefused() {
    MutableSample s = new MutableSample();
    s.addHashed(3, 1.0);
    assertThatThrownBy(() -> new ScoreRequests("r").encode(s)).hasMessageContaining("named fields");
  }
}
