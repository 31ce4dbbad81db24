package io.streamtrain.avro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;

/** Every record type survives Avro binary encoding and decoding unchanged, including non-finite doubles. */
class AvroRoundTripTest {

  @SuppressWarnings("unchecked")
  static <T extends SpecificRecordBase> T roundTrip(T record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<T>(record.getSchema()).write(record, enc);
    enc.flush();
    byte[] bytes = out.toByteArray();
    BinaryDecoder dec = DecoderFactory.get().binaryDecoder(bytes, null);
    T back = new SpecificDatumReader<T>(record.getSchema()).read(null, dec);
    assertThat(dec.isEnd()).as("all bytes consumed").isTrue();
    return back;
  }

  @Test
  void sample() throws IOException {
    Sample s =
        Sample.newBuilder()
            .setModelId("ctr-eu")
            .setEventTime(Instant.ofEpochMilli(1_700_000_000_123L))
            .setKey("user-7")
            .setDense(List.of(1.5, -0.0, Double.MIN_VALUE, 1e300))
            .setSparseIndices(List.of(0, 17, 1 << 20))
            .setSparseValues(List.of(1.0, 0.25, -3.0))
            .setCategorical(List.of(new CategoricalField("country", "NL"), new CategoricalField("device", "ios")))
            .setNumeric(List.of(new NumericField("price", 9.99)))
            .setLabel(true)
            .setWeight(2.0)
            .build();
    assertThat(roundTrip(s)).isEqualTo(s);
    Sample intLabel = Sample.newBuilder(s).setLabel(3).setWeight(null).setKey(null).build();
    assertThat(roundTrip(intLabel)).isEqualTo(intLabel);
    assertThat(roundTrip(intLabel).getLabel()).isEqualTo(3);
    Sample realLabel = Sample.newBuilder(s).setLabel(-0.5).build();
    assertThat(roundTrip(realLabel).getLabel()).isEqualTo(-0.5);
  }

  @Test
  void sampleDefaultsAreEmptyAndUnlabeled() throws IOException {
    Sample s = Sample.newBuilder().build();
    assertThat(s.getModelId()).isEqualTo("default");
    assertThat(s.getEventTime()).isEqualTo(Instant.EPOCH);
    assertThat(s.getDense()).isEmpty();
    assertThat(s.getSparseIndices()).isEmpty();
    assertThat(s.getCategorical()).isEmpty();
    assertThat(s.getLabel()).isNull();
    assertThat(s.getWeight()).isNull();
    assertThat(roundTrip(s)).isEqualTo(s);
  }

  @Test
  void trainingMetricsWithAndWithoutDiagnostics() throws IOException {
    TrainingMetrics m = TrainingMetrics.newBuilder().setModelId("m").setStep(42).setLossBatch(0.69).build();
    assertThat(m.getGradNorm()).isNaN();
    assertThat(m.getDiagnostics()).isNull();
    TrainingMetrics back = roundTrip(m);
    assertThat(back.getStep()).isEqualTo(42);
    assertThat(back.getGradNorm()).isNaN();
    TrainingMetrics full =
        TrainingMetrics.newBuilder(m)
            .setConsumerLag(1234L)
            .setEvents(List.of(new TrainingEvent("ROLLBACK", 41L, "loss spike 12x")))
            .setDiagnostics(
                new Diagnostics("SADDLE", "lambda_min -0.3 < 0 with a small gradient",
                    List.of(new DiagnosticValue("hessian_min_eigenvalue", -0.3)), "EXPLODING",
                    "gradient norm 1e7 > 1e6"))
            .setGradNorm(Double.POSITIVE_INFINITY)
            .build();
    // Avro's record equality treats NaN != NaN; the JSON rendering compares every field, NaN included.
    assertThat(roundTrip(full).toString()).isEqualTo(full.toString());
    assertThat(roundTrip(full).getDiagnostics()).isEqualTo(full.getDiagnostics());
  }

  @Test
  void modelSnapshot() throws IOException {
    ModelSnapshot s =
        ModelSnapshot.newBuilder()
            .setModelId("m")
            .setVersion(3)
            .setStep(300)
            .setCreatedAt(Instant.ofEpochMilli(99))
            .setSpec(
                new ModelSpec(
                    "mlp",
                    List.of(new LayerShape("layer0.weight", List.of(2, 3)), new LayerShape("layer0.bias", List.of(2))),
                    "{\"dense\":3}",
                    "{}"))
            .setParameters(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 0.1, 0.2))
            .setBuffers(List.of(new Buffer("bn0.running_mean", List.of(0.0, 1.0))))
            .setOptimizer("adam(lr=0.001)")
            .setChecksum(0xFFFF_FFFFL)
            .build();
    assertThat(roundTrip(s)).isEqualTo(s);
  }

  @Test
  void rejectedSampleAndEvaluationResult() throws IOException {
    RejectedSample r =
        RejectedSample.newBuilder()
            .setSourceTopic("samples")
            .setSourcePartition(1)
            .setSourceOffset(77)
            .setReason("DECODE_ERROR")
            .setMessage("trailing bytes")
            .setRaw(ByteBuffer.wrap(new byte[] {1, 2, 3, (byte) 0xff}))
            .build();
    assertThat(roundTrip(r)).isEqualTo(r);
    assertThat(RejectedSample.newBuilder().build().getRaw().remaining()).isZero();
    EvaluationResult e =
        EvaluationResult.newBuilder()
            .setEvaluationId("run-1")
            .setConfigName("adam")
            .setSamples(1000)
            .setMeanLoss(0.3)
            .setAccuracy(0.9)
            .setMetrics(List.of(new EvaluationMetric("auc", 0.95)))
            .build();
    assertThat(roundTrip(e)).isEqualTo(e);
  }

  @Test
  void scoreRequestAndPrediction() throws IOException {
    ScoreRequest r = ScoreRequest.newBuilder()
        .setRequestId("req-42")
        .setModelId("ctr")
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_123L))
        .setDense(List.of(1.5, -0.0, Double.NaN))
        .setSparseIndices(List.of(3))
        .setSparseValues(List.of(0.5))
        .setCategorical(List.of(new RequestCategoricalField("site", "news")))
        .setNumeric(List.of(new RequestNumericField("hour", 0.25)))
        .build();
    assertThat(roundTrip(r)).isEqualTo(r);
    ScoreRequest noTime = ScoreRequest.newBuilder(r).setEventTime(null).build();
    assertThat(roundTrip(noTime).getEventTime()).isNull();
    assertThat(ScoreRequest.newBuilder().build().getModelId()).isEqualTo("default");
    Prediction p = Prediction.newBuilder()
        .setRequestId("req-42")
        .setModelId("ctr")
        .setModelVersion(7)
        .setModelStep(700)
        .setModelType("softmax")
        .setOutputs(List.of(0.25, 0.5, 0.25))
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_123L))
        .setLatencyMs(3)
        .build();
    assertThat(roundTrip(p)).isEqualTo(p);
    assertThat(roundTrip(p).getOutputs()).containsExactly(0.25, 0.5, 0.25);
  }
}
