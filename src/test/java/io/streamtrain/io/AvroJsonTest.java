package io.streamtrain.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;

/** JSON rendering of records and schema detection from bytes alone. */
class AvroJsonTest {
  static byte[] bytes(SpecificRecordBase r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<SpecificRecordBase>(r.getSchema()).write(r, e);
    e.flush();
    return out.toByteArray();
  }

  @Test
  void rendersSchemaFieldNamesUnwrappedUnionsAndNonFiniteDoubles() throws IOException {
    MutableSample s = new MutableSample();
    s.modelId = "m";
    s.eventTime = 5;
    s.addDense(Double.NaN);
    s.addDense(Double.NEGATIVE_INFINITY);
    s.addDense(0.1);
    s.setClassLabel(2);
    s.setWeight(0.5);
    GenericRecord r = AvroJson.decode(io.streamtrain.avro.Sample.getClassSchema(), new SampleCodec().encode(s)).orElseThrow();
    JsonNode j = AvroJson.toJson(r);
    assertThat(j.toString())
        .isEqualTo(
            "{\"model_id\":\"m\",\"event_time\":5,\"key\":null,\"dense\":[\"NaN\",\"-Infinity\",0.1],"
                + "\"sparse_indices\":[],\"sparse_values\":[],\"categorical\":[],\"numeric\":[],\"label\":2,\"weight\":0.5}");
  }

  @Test
  void detectsTheSchemaThatConsumesExactlyAllBytes() throws IOException {
    TrainingMetrics m = TrainingMetrics.newBuilder().setModelId("a").setStep(7).setLossBatch(0.5).build();
    GenericRecord back = AvroJson.detect(bytes(m)).orElseThrow();
    assertThat(back.getSchema().getName()).isEqualTo("TrainingMetrics");
    assertThat(back.get("step")).isEqualTo(7L);
    RejectedSample rej =
        RejectedSample.newBuilder().setSourceTopic("t").setReason("DECODE_ERROR").setRaw(ByteBuffer.wrap(new byte[] {1, 2})).build();
    GenericRecord r2 = AvroJson.detect(bytes(rej)).orElseThrow();
    assertThat(r2.getSchema().getName()).isEqualTo("RejectedSample");
    assertThat(AvroJson.toJson(r2).get("raw").asText()).isEqualTo("AQI=");
    byte[] sample = new SampleCodec().encode(new MutableSample());
    assertThat(AvroJson.detect(sample).orElseThrow().getSchema().getName()).isEqualTo("Sample");
    assertThat(AvroJson.decode(TrainingMetrics.getClassSchema(), Arrays.copyOf(bytes(m), bytes(m).length + 1))).isEmpty();
    assertThat(AvroJson.detect(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff})).isEmpty();
  }

  @Test
  void fingerprintHeadersTellAnotherSchemaVersion() {
    org.apache.kafka.common.header.internals.RecordHeaders h = new org.apache.kafka.common.header.internals.RecordHeaders();
    Schemas.headers(io.streamtrain.avro.Sample.getClassSchema()).forEach(h::add);
    assertThat(Schemas.fromHeaders(h).orElseThrow().getName()).isEqualTo("Sample");
    assertThat(Schemas.writtenWithOtherVersion(h, io.streamtrain.avro.Sample.getClassSchema())).isFalse();
    assertThat(Schemas.fingerprint(io.streamtrain.avro.Sample.getClassSchema())).hasSize(16).matches("[0-9a-f]+");
    org.apache.kafka.common.header.internals.RecordHeaders old = new org.apache.kafka.common.header.internals.RecordHeaders();
    old.add(Schemas.FINGERPRINT_HEADER, "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(Schemas.writtenWithOtherVersion(old, io.streamtrain.avro.Sample.getClassSchema())).isTrue();
    assertThat(Schemas.writtenWithOtherVersion(new org.apache.kafka.common.header.internals.RecordHeaders(), TrainingMetrics.getClassSchema())).isFalse();
  }
}
