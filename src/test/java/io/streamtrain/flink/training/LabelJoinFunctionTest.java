package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.data.LabelJoin;
import io.streamtrain.job.JobSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The Flink side of delayed labels: decoding both topics (with rejects naming the path), the keyed co-process
 * function on a harness (decisions on the watermark, late events rejected, state through a snapshot and restore),
 * the state serializer, and the job-level checks.
 */
class LabelJoinFunctionTest {
  static final JobSpec SPEC = JobSpec.fromMap(DelayedLabelsIT.spec("unit", true));

  static List<JoinRecord> decode(boolean labels, String... values) throws Exception {
    JoinDeserializer d = new JoinDeserializer(SPEC.input(), labels);
    List<JoinRecord> out = new ArrayList<>();
    long offset = 0;
    for (String v : values) {
      d.deserialize(new ConsumerRecord<>("t", 1, offset++, new byte[0], v == null ? null
          : v.getBytes(StandardCharsets.UTF_8)), new Collector<>() {
            @Override
            public void collect(JoinRecord r) {
              out.add(new JoinRecord.Serializer().copy(r));
            }

            @Override
            public void close() {}
          });
    }
    return out;
  }

  @Test
  void decodesFeaturesAndLabelsAndRejectsWhatDoesNotMap() throws Exception {
    List<JoinRecord> f = decode(false,
        "{\"id\": \"imp-1\", \"tenant\": \"t-0\", \"ts\": 1000, \"price\": 2.5, \"user\": {\"country\": \"FR\"}}",
        "{\"tenant\": \"t-0\", \"ts\": 1000, \"price\": 2.5}", "{\"id\": \"imp-2\", \"tenant\": \"t-0\"}", null);
    assertThat(f.get(0).kind).isEqualTo(JoinRecord.FEATURE);
    assertThat(f.get(0).key).isEqualTo("imp-1");
    assertThat(f.get(0).example.modelId()).isEqualTo("t-0");
    assertThat(f.get(0).example.eventTime()).isEqualTo(1000);
    assertThat(f.get(0).example.denseValue(0)).isEqualTo(2.5);
    assertThat(f.get(0).seq()).isEqualTo(1L << 40);
    assertThat(f.subList(1, 4)).allMatch(r -> r.kind == JoinRecord.REJECTED
        && r.rejected.reason.equals(SampleDeserializer.UNMAPPABLE));
    assertThat(f.get(1).rejected.message).endsWith("id: missing (the join key)");
    assertThat(f.get(2).rejected.message).contains("ts: missing");
    assertThat(f.get(3).rejected.message).contains("tombstone");
    List<JoinRecord> l = decode(true, "{\"impression_id\": \"imp-1\", \"ts\": 1500}", "[1, 2]");
    assertThat(l.get(0).kind).isEqualTo(JoinRecord.LABEL);
    assertThat(l.get(0).key).isEqualTo("imp-1");
    assertThat(l.get(0).example.eventTime()).isEqualTo(1500);
    assertThat(l.get(0).example.label()).isEqualTo(1.0);
    assertThat(l.get(1).rejected.message).startsWith("the label event does not map: the label event is not an object");
  }

  static JoinRecord feature(String key, String model, long ts, double x, long offset) {
    JoinRecord r = new JoinRecord();
    r.kind = JoinRecord.FEATURE;
    r.key = key;
    r.example.setModelId(model).setEventTime(ts).addDense(x);
    r.offset = offset;
    return r;
  }

  static JoinRecord label(String key, long ts, long offset) {
    JoinRecord r = new JoinRecord();
    r.kind = JoinRecord.LABEL;
    r.key = key;
    r.example.setEventTime(ts).setLabel(1);
    r.offset = offset;
    return r;
  }

  static KeyedTwoInputStreamOperatorTestHarness<String, JoinRecord, JoinRecord, JoinRecord> harness() throws Exception {
    var h = new KeyedTwoInputStreamOperatorTestHarness<>(
        new KeyedCoProcessOperator<>(new LabelJoinFunction(SPEC.input().labels(), LabelJoinStream.REJECTED)),
        (JoinRecord r) -> r.key, (JoinRecord r) -> r.key, Types.STRING);
    h.setup(new JoinRecord.Serializer());
    return h;
  }

  /** "timestamp x label" of every emitted sample. */
  static List<String> emitted(KeyedTwoInputStreamOperatorTestHarness<String, JoinRecord, JoinRecord, JoinRecord> h) {
    List<String> out = new ArrayList<>();
    for (Object o : h.getOutput()) {
      if (o instanceof StreamRecord<?> sr) {
        JoinRecord r = (JoinRecord) sr.getValue();
        out.add(sr.getTimestamp() + " " + r.example.denseValue(0) + " " + r.example.label());
      }
    }
    return out;
  }

  @Test
  void decidesOnTheWatermarkRejectsLateEventsAndKeepsItsStateThroughASnapshot() throws Exception {
    var h = harness();
    h.open();
    // window_ms 5000: a at 1000 is clicked at 3000; b at 2000 is never clicked.
    h.processElement1(new StreamRecord<>(feature("a", "t-0", 1000, 1, 0), 1000));
    h.processElement1(new StreamRecord<>(feature("b", "t-0", 2000, 2, 1), 2000));
    h.processElement2(new StreamRecord<>(label("a", 3000, 0), 3000));
    h.processBothWatermarks(new org.apache.flink.streaming.api.watermark.Watermark(2999));
    assertThat(emitted(h)).isEmpty();
    var snapshot = h.snapshot(1, 1);
    h.processBothWatermarks(new org.apache.flink.streaming.api.watermark.Watermark(3000));
    assertThat(emitted(h)).containsExactly("3000 1.0 1.0");
    h.close();

    var restored = harness();
    restored.initializeState(snapshot);
    restored.open();
    restored.processBothWatermarks(new org.apache.flink.streaming.api.watermark.Watermark(7000));
    assertThat(emitted(restored)).as("the restored state decides as the original did")
        .containsExactly("3000 1.0 1.0", "7000 2.0 0.0");
    // At or below the watermark: late, to the rejected output with its reason, not joined.
    restored.processElement2(new StreamRecord<>(label("b", 6500, 1), 6500));
    restored.processElement1(new StreamRecord<>(feature("c", "t-1", 7000, 3, 2), 7000));
    var late = new ArrayList<>(restored.getSideOutput(LabelJoinStream.REJECTED));
    assertThat(late).hasSize(2).allMatch(r -> r.getValue().reason.equals(LabelJoinFunction.LATE_EVENT));
    assertThat(late.get(0).getValue().message).contains("label event of key 'b'").contains("7000")
        .as("names the key that is accepted with input.labels").contains("raise input.labels.out_of_orderness_ms");
    assertThat(late.get(0).getValue().raw).as("a label has no model: straight to the rejected topic").isEmpty();
    assertThat(late.get(1).getValue().raw).as("a feature travels with its model").isNull();
    assertThat(late.get(1).getValue().example.modelId()).isEqualTo("t-1");
    restored.processBothWatermarks(new org.apache.flink.streaming.api.watermark.Watermark(Long.MAX_VALUE));
    assertThat(emitted(restored)).hasSize(2);
    restored.close();
  }

  @Test
  void pendingStateRoundTripsThroughItsSerializer() throws Exception {
    LabelJoin.Pending p = new LabelJoin.Pending();
    p.insertFeature(new Example().setModelId("m").setEventTime(20).addDense(2).addCategorical("c", "x"), 7);
    p.insertFeature(new Example().setModelId("m").setEventTime(10).addDense(1), 9);
    p.insertLabel(30, 1, 0.5, true);
    p.insertLabel(15, 2, 1.0, false);
    DataOutputSerializer out = new DataOutputSerializer(64);
    new PendingSerializer().serialize(p, out);
    LabelJoin.Pending q = new PendingSerializer().deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    assertThat(q.featureCount()).isEqualTo(2);
    assertThat(q.feature(0).eventTime()).isEqualTo(10);
    assertThat(q.featureSeq(0)).isEqualTo(9);
    assertThat(q.feature(1).categoricalValue(0)).isEqualTo("x");
    assertThat(q.labelCount()).isEqualTo(2);
    assertThat(List.of(q.labelTime(0), q.labelSeq(0), q.labelTime(1), q.labelSeq(1))).containsExactly(15L, 2L, 30L, 1L);
    assertThat(q.labelValue(1)).isEqualTo(0.5);
    assertThat(q.labelUsed(1)).isTrue();
    assertThat(q.labelUsed(0)).isFalse();
    byte[] bad = out.getCopyOfBuffer();
    bad[0] = 9;
    assertThatThrownBy(() -> new PendingSerializer().deserialize(new DataInputDeserializer(bad)))
        .hasMessageContaining("format 9");
  }

  @Test
  void jobLevelChecksNameTheKey() {
    Map<String, Object> same = new LinkedHashMap<>(DelayedLabelsIT.spec("x", true));
    Map<String, Object> input = new LinkedHashMap<>((Map<String, Object>) same.get("input"));
    Map<String, Object> labels = new LinkedHashMap<>((Map<String, Object>) input.get("labels"));
    labels.put("topic", "dl-features");
    input.put("labels", labels);
    same.put("input", input);
    assertThatThrownBy(() -> JobSpec.fromMap(same)).isInstanceOf(SpecException.class)
        .hasMessageContaining("input.labels.topic").hasMessageContaining("topics.samples");
    Map<String, Object> both = new LinkedHashMap<>(DelayedLabelsIT.spec("x", true));
    both.put("watermark_out_of_orderness_ms", 100);
    assertThatThrownBy(() -> JobSpec.fromMap(both)).hasMessageContaining("watermark_out_of_orderness_ms")
        .hasMessageContaining("input.labels.out_of_orderness_ms");
    Map<String, Object> parallel = new LinkedHashMap<>(DelayedLabelsIT.spec("x", true));
    parallel.put("parallel", Map.of("workers", 2));
    assertThatThrownBy(() -> JobSpec.fromMap(parallel)).hasMessageContaining("parallel.workers")
        .hasMessageContaining("input.labels");
  }
}
