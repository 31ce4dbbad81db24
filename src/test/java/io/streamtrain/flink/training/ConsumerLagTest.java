package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Consumer lag from the source readers to the metrics: a reader's lag is the sum over its partitions of end offset
 * minus next offset (checked against figures set by hand); the validate function sends one marker per accepted model
 * after each new end-offset answer; the batcher hands the sum over readers to the trainer without the markers
 * changing one batch, one seed or one byte of state (a checkpoint taken among markers restores into a run without
 * any); the trainer reports the figure and trains bit for bit as without it.
 */
class ConsumerLagTest {
  /** End offsets set by the test, per partition; counts the queries. */
  static final class FixedEnds implements EndOffsets {
    private static final long serialVersionUID = 1L;
    static final Map<Integer, Long> ENDS = new java.util.concurrent.ConcurrentHashMap<>();
    static final AtomicInteger QUERIES = new AtomicInteger();

    @Override
    public String topic() {
      return "samples";
    }

    @Override
    public Reader open(int subtask) {
      return new Reader() {
        @Override
        public long[] endOffsets(int[] partitions) {
          QUERIES.incrementAndGet();
          long[] out = new long[partitions.length];
          for (int i = 0; i < partitions.length; i++) {
            out[i] = ENDS.getOrDefault(partitions[i], -1L);
          }
          return out;
        }

        @Override
        public void close() {}
      };
    }
  }

  @Test
  void aReadersLagIsTheSumOverItsPartitionsOfEndMinusNextOffset() throws Exception {
    FixedEnds.ENDS.clear();
    FixedEnds.ENDS.putAll(Map.of(0, 100L, 1, 50L, 2, 7_000L, 5, 30L));
    SourceLag lag = new SourceLag(new FixedEnds(), 0, 1000);
    lag.refresh(); // nothing read yet: no query, no figure
    assertThat(lag.hasNewFigure()).isFalse();
    lag.consumed(0, 9);   // next offset 10
    lag.consumed(1, 49);  // next 50: caught up
    lag.consumed(5, 3);   // next 4 (a partition index beyond the initial arrays)
    lag.consumed(0, 19);  // next 20: the latest record of a partition counts
    assertThat(lag.hasNewFigure()).isFalse();
    lag.refresh();
    assertThat(lag.hasNewFigure()).isTrue();
    // (100 - 20) + (50 - 50) + (30 - 4); partition 2 was never read by this reader: not counted.
    assertThat(lag.lag()).isEqualTo(80 + 0 + 26);
    assertThat(lag.hasNewFigure()).isFalse(); // once per answer
    // An answer older than what the reader has read since counts 0, never negative.
    lag.consumed(1, 59);
    assertThat(lag.lag()).isEqualTo(80 + 0 + 26);
    FixedEnds.ENDS.put(1, 60L);
    lag.refresh();
    assertThat(lag.lag()).isEqualTo(80 + 0 + 26);
    lag.consumed(1, 69);
    assertThat(lag.lag()).isEqualTo(80 + 0 + 26);
    lag.close();
  }

  @Test
  void aDataParallelReadersLagIsSplitByTheWorkerOwningEachPartition() throws Exception {
    FixedEnds.ENDS.clear();
    FixedEnds.ENDS.putAll(Map.of(0, 100L, 1, 50L, 2, 7_000L, 4, 30L));
    SourceLag lag = new SourceLag(new FixedEnds(), 0, 1000);
    lag.consumed(0, 9);   // next 10: worker 0 of 2 (partition 0 % 2)
    lag.consumed(1, 44);  // next 45: worker 1
    lag.consumed(4, 3);   // next 4: worker 0
    lag.refresh();
    // Worker 0: (100 - 10) + (30 - 4); worker 1: 50 - 45. Partition 2 (worker 0) is another reader's.
    assertThat(lag.lagByWorker(2)).containsExactly(90 + 26, 5);
    assertThat(lag.hasNewFigure()).isFalse();
    // Four workers: this reader reads none of worker 2's or 3's partitions, so it has no figure for them.
    assertThat(lag.lagByWorker(4)).containsExactly(90 + 26, 5, -1, -1);
    // One worker is the reader's whole lag.
    assertThat(lag.lagByWorker(1)).containsExactly(lag.lag()).containsExactly(90 + 26 + 5);
    lag.close();
  }

  static Map<String, Object> spec() {
    Map<String, Object> m = new LinkedHashMap<>(MiniBatcherFunctionTest.spec(0));
    m.put("accept", "tenant-.*");
    return m;
  }

  static SampleRecord record(String model, int partition, long offset) {
    SampleRecord r = MiniBatcherFunctionTest.sample(model, (int) offset, offset);
    r.configIndex = -1;
    r.partition = partition;
    return r;
  }

  @Test
  void validateSendsOneMarkerPerAcceptedModelAfterEachAnswerAndNoneWithoutKafka() throws Exception {
    FixedEnds.ENDS.clear();
    FixedEnds.ENDS.putAll(Map.of(0, 1_000L, 1, 500L));
    ValidateFunction f = new ValidateFunction(spec(), TrainingJob.REJECTED, new FixedEnds(), 20);
    List<SampleRecord> markers = new ArrayList<>();
    int samples = 0;
    try (var h = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(f))) {
      h.setup(new SampleRecord.Serializer());
      h.open();
      h.processElement(record("tenant-a", 0, 99), 1);
      h.processElement(record("unknown", 1, 199), 1); // rejected: no marker goes to it
      h.processElement(record("tenant-b", 1, 299), 1);
      // The probe thread answers within its interval; the next record then carries the markers out.
      int before = FixedEnds.QUERIES.get();
      await().atMost(Duration.ofSeconds(30)).until(() -> FixedEnds.QUERIES.get() > before + 1);
      h.processElement(record("tenant-a", 0, 399), 1);
      for (Object o : h.getOutput()) {
        if (o instanceof StreamRecord<?> sr) {
          SampleRecord r = (SampleRecord) sr.getValue();
          if (r.isLagMarker()) {
            markers.add(r);
          } else {
            samples++;
          }
        }
      }
    }
    assertThat(samples).isEqualTo(3);
    // Markers of several answers may have gone out; the last two are this reader's lag after offset 399 of
    // partition 0 and 299 of partition 1: (1000 - 400) + (500 - 300), one per accepted model in first-seen order.
    assertThat(markers).hasSizeGreaterThanOrEqualTo(2);
    List<SampleRecord> lastTwo = markers.subList(markers.size() - 2, markers.size());
    assertThat(lastTwo).extracting(r -> r.example.modelId()).containsExactly("tenant-a", "tenant-b");
    assertThat(lastTwo).extracting(r -> r.lag).containsOnly(600L + 200L);
    assertThat(lastTwo).extracting(r -> r.lagSource).containsOnly(0);
    assertThat(lastTwo).extracting(r -> r.configIndex).containsOnly(0);

    // No end offsets (a file or test source): no markers at all.
    try (var h = new OneInputStreamOperatorTestHarness<>(
        new ProcessOperator<>(new ValidateFunction(spec(), TrainingJob.REJECTED)))) {
      h.setup(new SampleRecord.Serializer());
      h.open();
      for (int i = 0; i < 50; i++) {
        h.processElement(record("tenant-a", 0, i), 1);
      }
      assertThat(h.getOutput()).filteredOn(o -> o instanceof StreamRecord<?>).hasSize(50)
          .allMatch(o -> !((SampleRecord) ((StreamRecord<?>) o).getValue()).isLagMarker());
    }
  }

  @Test
  void markersRoundTripThroughTheWireFormatsAndSamplesStayAsTheyWere() throws Exception {
    SampleRecord.Serializer ser = new SampleRecord.Serializer();
    SampleRecord m = ser.copy(SampleRecord.lagMarker("tenant-a", 3, 2, 123_456_789_012L));
    assertThat(m.isLagMarker()).isTrue();
    assertThat(m.isRejected()).isFalse();
    assertThat(m.example.modelId()).isEqualTo("tenant-a");
    assertThat(m.configIndex).isEqualTo(3);
    assertThat(m.lagSource).isEqualTo(2);
    assertThat(m.lag).isEqualTo(123_456_789_012L);
    SampleRecord good = ser.copy(MiniBatcherFunctionTest.sample("tenant-a", 5, 5000));
    assertThat(good.isLagMarker()).isFalse();
    assertThat(good.isRejected()).isFalse();
    assertThat(good.example.denseValue(0)).isEqualTo(5.0);
    SampleRecord bad = MiniBatcherFunctionTest.sample("tenant-a", 6, 6000);
    bad.reason = "NON_FINITE_FEATURE";
    bad.message = "NaN";
    bad.partition = 4;
    bad.offset = 77;
    SampleRecord badCopy = ser.copy(bad);
    assertThat(badCopy.isLagMarker()).isFalse();
    assertThat(badCopy.reason).isEqualTo("NON_FINITE_FEATURE");
    assertThat(badCopy.partition).isEqualTo(4);
    assertThat(badCopy.offset).isEqualTo(77);

    MiniBatch b = new MiniBatch(1);
    b.reset("tenant-a", 0);
    b.append(good.example);
    b.consumerLag = 42;
    DataOutputSerializer out = new DataOutputSerializer(64);
    new MiniBatch.Serializer().serialize(b, out);
    MiniBatch back = new MiniBatch.Serializer().deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    assertThat(back.consumerLag).isEqualTo(42);
    assertThat(back.size()).isEqualTo(1);
    b.reset("tenant-b", 0);
    assertThat(b.consumerLag).isEqualTo(-1);
  }

  /** The batcher test's input with lag markers of two readers between the samples, from the 30th record on. */
  static List<SampleRecord> withMarkers(List<SampleRecord> in) {
    List<SampleRecord> out = new ArrayList<>();
    for (int i = 0; i < in.size(); i++) {
      SampleRecord r = in.get(i);
      out.add(r);
      if (i < 30) {
        continue;
      }
      if (i % 7 == 3) {
        out.add(SampleRecord.lagMarker(r.example.modelId(), 0, 0, 1000 - i));
      }
      if (i % 11 == 5) {
        out.add(SampleRecord.lagMarker(r.example.modelId(), 0, 1, 10 * i));
      }
    }
    return out;
  }

  @Test
  void markersChangeNoBatchNoStateAndTheBatchesCarryTheSumOverReaders() throws Exception {
    List<SampleRecord> plain = MiniBatcherFunctionTest.input();
    List<SampleRecord> marked = withMarkers(plain);
    List<MiniBatcherFunctionTest.Drawn> reference;
    try (var h = MiniBatcherFunctionTest.harness(MiniBatcherFunctionTest.spec(0))) {
      h.open();
      MiniBatcherFunctionTest.feed(h, plain, 0, plain.size());
      h.processWatermark(Long.MAX_VALUE);
      reference = MiniBatcherFunctionTest.drawn(h);
    }
    List<MiniBatcherFunctionTest.Drawn> drawn;
    List<Long> lags = new ArrayList<>();
    List<Long> expectedLags = new ArrayList<>();
    try (var h = MiniBatcherFunctionTest.harness(MiniBatcherFunctionTest.spec(0))) {
      h.open();
      // Expected lag of each batch: the sum over readers of the latest marker of its model before it.
      Map<String, long[]> latest = new LinkedHashMap<>();
      int seen = 0;
      for (SampleRecord r : marked) {
        if (r.isLagMarker()) {
          latest.computeIfAbsent(r.example.modelId(), k -> new long[] {-1, -1})[r.lagSource] = r.lag;
        }
        h.processElement(r, r.example.eventTime());
        List<StreamRecord<?>> out = batches(h);
        for (int k = seen; k < out.size(); k++) {
          MiniBatch b = (MiniBatch) out.get(k).getValue();
          long[] l = latest.get(b.modelId);
          expectedLags.add(l == null ? -1 : Math.max(0, l[0]) + Math.max(0, l[1]));
          lags.add(b.consumerLag);
        }
        seen = out.size();
      }
      h.processWatermark(Long.MAX_VALUE);
      drawn = MiniBatcherFunctionTest.drawn(h);
      for (StreamRecord<?> sr : batches(h).subList(seen, batches(h).size())) {
        MiniBatch b = (MiniBatch) sr.getValue();
        long[] l = latest.get(b.modelId);
        expectedLags.add(Math.max(0, l[0]) + Math.max(0, l[1]));
        lags.add(b.consumerLag);
      }
    }
    assertThat(drawn).isEqualTo(reference);
    assertThat(lags).isEqualTo(expectedLags);
    assertThat(lags).contains(-1L); // batches before any marker of their model: unknown
    assertThat(lags.get(lags.size() - 1)).isPositive();

    // A checkpoint taken among markers restores into a run that sees none and continues as the plain run:
    // the markers left nothing in the state.
    int cut = 40;
    OperatorSubtaskState snap;
    List<MiniBatcherFunctionTest.Drawn> out = new ArrayList<>();
    try (var h = MiniBatcherFunctionTest.harness(MiniBatcherFunctionTest.spec(0))) {
      h.open();
      MiniBatcherFunctionTest.feed(h, marked, 0, cut + cut / 5);
      snap = h.snapshot(1, 0);
      out.addAll(MiniBatcherFunctionTest.drawn(h));
    }
    int plainCut = (int) marked.subList(0, cut + cut / 5).stream().filter(r -> !r.isLagMarker()).count();
    try (var h = MiniBatcherFunctionTest.harness(MiniBatcherFunctionTest.spec(0))) {
      h.initializeState(snap);
      h.open();
      MiniBatcherFunctionTest.feed(h, plain, plainCut, plain.size());
      h.processWatermark(Long.MAX_VALUE);
      out.addAll(MiniBatcherFunctionTest.drawn(h));
      // After a restore the lag is unknown until the next marker (it is not state: it would be stale).
      assertThat(batches(h)).extracting(sr -> ((MiniBatch) sr.getValue()).consumerLag).containsOnly(-1L);
    }
    assertThat(out).isEqualTo(reference);
  }

  static TrainingMetrics withoutWallClock(TrainingMetrics m) {
    TrainingMetrics.Builder b = TrainingMetrics.newBuilder(m).setSamplesPerSecond(Double.NaN);
    if (m.getDiagnostics() != null) {
      io.streamtrain.avro.Diagnostics d = io.streamtrain.avro.Diagnostics.newBuilder(m.getDiagnostics()).build();
      d.setValues(d.getValues().stream().filter(v -> !v.getName().endsWith("_time_share")).toList());
      b.setDiagnostics(d);
    }
    return b.build();
  }

  static List<StreamRecord<?>> batches(OneInputStreamOperatorTestHarness<?, ?> h) {
    List<StreamRecord<?>> out = new ArrayList<>();
    for (Object o : h.getOutput()) {
      if (o instanceof StreamRecord<?> sr) {
        out.add(sr);
      }
    }
    return out;
  }

  @Test
  void theTrainerReportsTheLatestLagOfTheModelAndTrainsBitForBitAsWithout() throws Exception {
    TrainerFunctionTest.Outputs without = TrainerFunctionTest.uninterrupted();
    List<MiniBatch> in = TrainerFunctionTest.input();
    // tenant-a's batches carry a falling lag from its 3rd batch on; tenant-b's none.
    for (int i = 0; i < in.size(); i++) {
      if (in.get(i).modelId.equals("tenant-a") && i >= 4) {
        in.get(i).consumerLag = 10_000 - 100L * i;
      }
    }
    TrainerFunctionTest.Outputs with;
    try (var h = TrainerFunctionTest.harness()) {
      h.open();
      TrainerFunctionTest.feed(h, in, 0, in.size());
      h.processWatermark(Long.MAX_VALUE);
      with = TrainerFunctionTest.outputs(h);
    }
    assertThat(with.metrics()).hasSameSizeAs(without.metrics());
    for (int i = 0; i < with.metrics().size(); i++) {
      TrainingMetrics a = with.metrics().get(i);
      TrainingMetrics b = without.metrics().get(i);
      assertThat(b.getConsumerLag()).isNull();
      if (a.getModelId().equals("tenant-b")) {
        assertThat(a.getConsumerLag()).isNull();
      } else if (a.getStep() >= 3) {
        // The report after tenant-a's step s (its batch index 2(s-1)) carries that batch's lag.
        long lastBatch = 2 * (a.getStep() - 1);
        assertThat(a.getConsumerLag()).isEqualTo(10_000 - 100L * lastBatch);
      }
      // Every other figure is the same (the wall-clock ones aside): lag is informational.
      a.setConsumerLag(null);
      assertThat(withoutWallClock(a).toString()).isEqualTo(withoutWallClock(b).toString());
    }
    for (String model : List.of("tenant-a", "tenant-b")) {
      ModelSnapshot sa = TrainerFunctionTest.last(with.snapshots(), model);
      ModelSnapshot sb = TrainerFunctionTest.last(without.snapshots(), model);
      assertThat(TrainerFunctionTest.bits(sa.getParameters())).isEqualTo(TrainerFunctionTest.bits(sb.getParameters()));
    }
  }
}
