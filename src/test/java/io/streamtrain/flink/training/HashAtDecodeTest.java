package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Named fields hashed as the Kafka records are decoded (the training job's source): a good sample leaves the
 * validation with the slots and signs the validation itself would have computed from the names, and a sample
 * rejected there goes on with its names again (decoded a second time from its bytes) so the rejected topic can be
 * fixed and replayed. Models without a hashed part, and unknown ones, keep their names.
 */
class HashAtDecodeTest {
  static final int BITS = 10;

  static Map<String, Object> spec() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "hash-at-decode");
    m.put("accept", "tenant-.*");
    m.put("model", Map.of("type", "logistic", "features", Map.of("hash_bits", BITS)));
    m.put("optimizer", Map.of("type", "sgd", "lr", 0.1));
    return m;
  }

  static byte[] sample(String model, double label, String country, double age) {
    MutableSample s = new MutableSample();
    s.modelId = model;
    s.addCategorical("country", country);
    s.addCategorical("device", "phone");
    s.addNumeric("age", age);
    s.setRealLabel(label);
    return new SampleCodec().encode(s);
  }

  static SampleRecord decode(SampleDeserializer d, byte[] value, long offset) throws Exception {
    List<SampleRecord> out = new ArrayList<>();
    d.deserialize(new ConsumerRecord<>("samples", 0, offset, null, value), new ListCollector<>(out));
    return out.get(0);
  }

  /** The job's validation of {@code spec} in a harness, opened. */
  static OneInputStreamOperatorTestHarness<SampleRecord, SampleRecord> validation(Map<String, Object> spec)
      throws Exception {
    var h = new OneInputStreamOperatorTestHarness<>(
        new ProcessOperator<>(new ValidateFunction(spec, TrainingJob.REJECTED)));
    h.setup(new SampleRecord.Serializer());
    h.open();
    return h;
  }

  /** Copies of the records the validation passed on (to the models). */
  static List<SampleRecord> passedOn(OneInputStreamOperatorTestHarness<SampleRecord, SampleRecord> h) {
    List<SampleRecord> out = new ArrayList<>();
    for (Object o : h.getOutput()) {
      if (o instanceof StreamRecord<?> sr) {
        out.add(new SampleRecord.Serializer().copy((SampleRecord) sr.getValue()));
      }
    }
    return out;
  }

  @Test
  void goodSamplesLeaveHashedAndRejectedOnesWithTheirNames() throws Exception {
    SampleDeserializer d = new SampleDeserializer(spec());
    d.open(null);
    try (var h = validation(spec())) {
      SampleRecord good = decode(d, sample("tenant-a", 1, "fr", 31), 0);
      assertThat(good.example.categoricalLength()).isZero();
      assertThat(good.example.hashedLength()).isEqualTo(3);
      h.processElement(good, 1);
      // Label 3 does not fit a logistic model: rejected by the validation after the names were hashed.
      h.processElement(decode(d, sample("tenant-a", 3, "de", 40), 1), 1);
      // A NaN numeric value: rejected as non-finite, found among the hashed values.
      h.processElement(decode(d, sample("tenant-a", 0, "it", Double.NaN), 2), 1);
      List<SampleRecord> out = passedOn(h);
      assertThat(out).hasSize(3);

      Example expected = new Example().addCategorical("country", "fr").addCategorical("device", "phone")
          .addNumeric("age", 31).hashNamedFields(FeatureSpace.of(0, 0, BITS), new MurmurHash3.Utf8Hasher());
      Example e = out.get(0).example;
      assertThat(out.get(0).isRejected()).isFalse();
      assertThat(e.hashedBits()).isEqualTo(BITS);
      for (int i = 0; i < 3; i++) {
        assertThat(e.hashedSlot(i)).isEqualTo(expected.hashedSlot(i));
        assertThat(e.hashedValue(i)).isEqualTo(expected.hashedValue(i));
      }

      SampleRecord badLabel = out.get(1);
      assertThat(badLabel.reason).isEqualTo(RejectReason.LABEL_OUT_OF_RANGE.name());
      assertThat(badLabel.example.hashedLength()).isZero();
      assertThat(badLabel.example.categoricalLength()).isEqualTo(2);
      assertThat(badLabel.example.categoricalValue(0)).isEqualTo("de");
      assertThat(badLabel.example.numericName(0)).isEqualTo("age");
      assertThat(badLabel.example.numericValue(0)).isEqualTo(40.0);

      SampleRecord nan = out.get(2);
      assertThat(nan.reason).isEqualTo(RejectReason.NON_FINITE_FEATURE.name());
      assertThat(nan.example.categoricalValue(0)).isEqualTo("it");
      assertThat(nan.example.hashedLength()).isZero();
    }
  }

  @Test
  void unknownModelsAndSpecsWithoutHashingKeepTheNames() throws Exception {
    SampleDeserializer d = new SampleDeserializer(spec());
    d.open(null);
    SampleRecord unknown = decode(d, sample("other", 1, "fr", 1), 0);
    assertThat(unknown.example.categoricalLength()).isEqualTo(2);
    assertThat(unknown.example.hashedLength()).isZero();
    SampleDeserializer plain = new SampleDeserializer();
    plain.open(null);
    SampleRecord named = decode(plain, sample("tenant-a", 1, "fr", 1), 0);
    assertThat(named.example.categoricalLength()).isEqualTo(2);
    assertThat(named.example.numericLength()).isEqualTo(1);
    assertThat(named.example.hashedLength()).isZero();
  }
}
