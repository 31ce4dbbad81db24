package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.RejectedSample;
import io.streamtrain.core.data.ShuffleBuffer;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.data.ExampleCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The mini-batcher in Flink's keyed operator harness: batches are exactly the core shuffle buffer's draws with the
 * model's seed; a checkpoint taken with the shuffle buffer part-full and the next batch half-assembled, restored
 * into a new operator, continues to output identical to an uninterrupted run (timers included); idle gaps flush;
 * rejected samples go to the side output and are counted into the model's next batch.
 */
class MiniBatcherFunctionTest {
  static final int B = 4;
  static final int K = 10;
  static final long SEED = 7;

  static Map<String, Object> spec(long idleGapMs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "batcher-test");
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 2)));
    m.put("optimizer", Map.of("type", "sgd", "lr", 0.1));
    m.put("batching", Map.of("batch_size", B, "shuffle_capacity", K, "seed", SEED, "idle_gap_ms", idleGapMs));
    return m;
  }

  static KeyedOneInputStreamOperatorTestHarness<String, SampleRecord, MiniBatch> harness(Map<String, Object> spec)
      throws Exception {
    var h = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new MiniBatcherFunction(spec, TrainingJob.REJECTED)),
        (SampleRecord r) -> r.example.modelId(), Types.STRING);
    h.setup(new MiniBatch.Serializer());
    return h;
  }

  /** Sample number {@code seq} of {@code model}: dense [seq, -seq], event time 1000 * seq (+ gap). */
  static SampleRecord sample(String model, int seq, long eventTime) {
    SampleRecord r = new SampleRecord();
    r.example.setModelId(model).setEventTime(eventTime).setDense(new double[] {seq, -seq}, 2).setLabel(seq % 2);
    r.configIndex = 0;
    r.topic = "samples";
    r.offset = seq;
    return r;
  }

  /** What a batch is, for comparison: model, the sample numbers in draw order, the rejected count. */
  record Drawn(String model, List<Integer> seqs, long rejected) {}

  static List<Drawn> drawn(KeyedOneInputStreamOperatorTestHarness<String, SampleRecord, MiniBatch> h) {
    List<Drawn> out = new ArrayList<>();
    for (Object o : h.getOutput()) {
      if (o instanceof StreamRecord<?> sr) {
        MiniBatch b = (MiniBatch) sr.getValue();
        List<Integer> seqs = new ArrayList<>();
        for (Example e : b) {
          seqs.add((int) e.denseValue(0));
        }
        out.add(new Drawn(b.modelId, seqs, b.rejected));
      }
    }
    return out;
  }

  /** Two interleaved models, 53 and 41 samples, event time one second apart. */
  static List<SampleRecord> input() {
    List<SampleRecord> in = new ArrayList<>();
    for (int i = 0; i < 53; i++) {
      in.add(sample("tenant-a", i, 1000L * i));
      if (i < 41) {
        in.add(sample("tenant-b", i, 1000L * i));
      }
    }
    return in;
  }

  static void feed(KeyedOneInputStreamOperatorTestHarness<String, SampleRecord, MiniBatch> h, List<SampleRecord> in,
      int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      SampleRecord r = in.get(i);
      h.processElement(r, r.example.eventTime());
    }
  }

  /** The core path: the same shuffle buffer with the model's seed, drawing B when full, flushing at the end. */
  static List<List<Integer>> coreDraws(String model, int n) {
    ShuffleBuffer<Example> buf = new ShuffleBuffer<>(K, MiniBatcherFunction.seedFor(SEED, model), ExampleCodec.INSTANCE);
    List<List<Integer>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      buf.add(sample(model, i, 0).example);
      if (buf.isFull()) {
        out.add(take(buf));
      }
    }
    while (!buf.isEmpty()) {
      out.add(take(buf));
    }
    return out;
  }

  static List<Integer> take(ShuffleBuffer<Example> buf) {
    int n = buf.draw(B);
    List<Integer> seqs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      seqs.add((int) buf.slot(buf.size() + i).denseValue(0));
    }
    return seqs;
  }

  @Test
  void batchesAreTheCoreShuffleBufferDrawsWithTheModelSeed() throws Exception {
    List<Drawn> out;
    try (var h = harness(spec(0))) {
      h.open();
      feed(h, input(), 0, input().size());
      h.processWatermark(Long.MAX_VALUE);
      out = drawn(h);
    }
    for (String model : List.of("tenant-a", "tenant-b")) {
      List<List<Integer>> mine = out.stream().filter(d -> d.model().equals(model)).map(Drawn::seqs).toList();
      int n = model.equals("tenant-a") ? 53 : 41;
      assertThat(mine).isEqualTo(coreDraws(model, n));
      assertThat(mine.stream().mapToInt(List::size).sum()).isEqualTo(n);
    }
    // The two models draw with different seeds: their first batches differ although their inputs are equal.
    assertThat(coreDraws("tenant-a", 41)).isNotEqualTo(coreDraws("tenant-b", 41));
  }

  @Test
  void restoredMidBufferAndMidBatchContinuesIdentically() throws Exception {
    List<SampleRecord> in = input();
    List<Drawn> uninterrupted;
    try (var h = harness(spec(0))) {
      h.open();
      feed(h, in, 0, in.size());
      h.processWatermark(Long.MAX_VALUE);
      uninterrupted = drawn(h);
    }
    // 27 records in: tenant-a has 14 samples (one batch of 4 drawn at 10, the buffer holds 6 of the next batches),
    // tenant-b 13; neither is at a batch boundary.
    for (int cut : new int[] {1, 27, 60}) {
      OperatorSubtaskState snap;
      List<Drawn> out = new ArrayList<>();
      try (var h = harness(spec(0))) {
        h.open();
        feed(h, in, 0, cut);
        snap = h.snapshot(1, 0);
        out.addAll(drawn(h));
      }
      try (var h = harness(spec(0))) {
        h.initializeState(snap);
        h.open();
        feed(h, in, cut, in.size());
        // The end-of-input flush is driven by the timer restored from the checkpoint.
        h.processWatermark(Long.MAX_VALUE);
        out.addAll(drawn(h));
      }
      assertThat(out).as("restored at %d", cut).isEqualTo(uninterrupted);
    }
  }

  @Test
  void anEventTimeGapFlushesTheBufferAndTheWatermarkTimerToo() throws Exception {
    try (var h = harness(spec(60_000))) {
      h.open();
      for (int i = 0; i < 6; i++) {
        h.processElement(sample("m", i, 1000L * i), 1000L * i);
      }
      assertThat(drawn(h)).isEmpty(); // 6 < K: nothing drawn yet
      // Event time jumps by more than the gap: the 6 buffered samples leave first, in batches of 4 and 2.
      h.processElement(sample("m", 6, 200_000), 200_000);
      List<Drawn> out = drawn(h);
      assertThat(out).hasSize(2);
      assertThat(out.get(0).seqs()).hasSize(4);
      assertThat(out.get(1).seqs()).hasSize(2);
      assertThat(out.stream().flatMap(d -> d.seqs().stream())).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
      // No more data: the watermark passing lastEventTime + gap flushes the rest by the timer.
      h.processWatermark(200_000 + 59_999);
      assertThat(drawn(h)).hasSize(2);
      h.processWatermark(200_000 + 60_000);
      out = drawn(h);
      assertThat(out).hasSize(3);
      assertThat(out.get(2).seqs()).containsExactly(6);
    }
  }

  @Test
  void rejectedSamplesGoToTheSideOutputAndAreCountedIntoTheNextBatch() throws Exception {
    try (var h = harness(spec(0))) {
      h.open();
      SampleRecord bad = sample("m", 99, 5);
      bad.reason = "NON_FINITE";
      bad.message = "a dense value is NaN";
      h.processElement(bad, 5);
      h.processElement(bad, 5);
      for (int i = 0; i < K; i++) {
        h.processElement(sample("m", i, 10 + i), 10 + i);
      }
      List<Drawn> out = drawn(h);
      assertThat(out).hasSize(1);
      assertThat(out.get(0).rejected()).isEqualTo(2);
      List<RejectedSample> rejected = h.getSideOutput(TrainingJob.REJECTED).stream().map(StreamRecord::getValue).toList();
      assertThat(rejected).hasSize(2);
      assertThat(rejected.get(0).getReason()).isEqualTo("NON_FINITE");
      assertThat(rejected.get(0).getModelId()).isEqualTo("m");
      assertThat(rejected.get(0).getSourceOffset()).isEqualTo(99);
      h.processElement(bad, 30);
      h.processWatermark(Long.MAX_VALUE);
      out = drawn(h);
      // The flush: the 6 left in the buffer (4 + 2), the last one carrying the third rejection.
      assertThat(out).hasSize(3);
      assertThat(out.get(1).rejected() + out.get(2).rejected()).isEqualTo(1);
    }
  }

  /**
   * A growing buffer (B = 4, K = 64): a batch is drawn when the buffer holds max(4, min(64, n / 2)) after n samples.
   * Worked by hand: after e batches the buffer holds n - 4e, so batch 1 comes at n = 4 and batch e + 1 at n = 8e
   * (n - 4e >= n / 2) until n / 2 reaches 64: batches at n = 4, 8, 16, ..., 96 are 13 within 100 samples. A fixed
   * buffer of 64 draws its first at n = 64, then every 4: 10 within 100. Both flush the rest at the end (25 in all),
   * every sample drawn exactly once; a restore mid-growth continues identically.
   */
  @Test
  void aGrowingBufferStartsDrawingAfterBSamplesAndRestoresMidGrowth() throws Exception {
    Map<String, Object> grow = spec(0);
    grow.put("batching", Map.of("batch_size", B, "shuffle_capacity", 64, "seed", SEED, "shuffle_grow", true));
    Map<String, Object> fixed = spec(0);
    fixed.put("batching", Map.of("batch_size", B, "shuffle_capacity", 64, "seed", SEED));
    List<SampleRecord> in = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      in.add(sample("m", i, 1000L * i));
    }
    List<Drawn> uninterrupted;
    try (var h = harness(grow)) {
      h.open();
      feed(h, in, 0, 100);
      assertThat(drawn(h)).hasSize(13);
      assertThat(drawn(h).get(0).seqs()).containsExactlyInAnyOrder(0, 1, 2, 3);
      h.processWatermark(Long.MAX_VALUE);
      uninterrupted = drawn(h);
    }
    assertThat(uninterrupted).hasSize(25);
    assertThat(uninterrupted.stream().flatMap(d -> d.seqs().stream()).sorted().toList())
        .isEqualTo(java.util.stream.IntStream.range(0, 100).boxed().toList());
    try (var h = harness(fixed)) {
      h.open();
      feed(h, in, 0, 100);
      assertThat(drawn(h)).hasSize(10);
    }
    OperatorSubtaskState snap;
    List<Drawn> resumed = new ArrayList<>();
    try (var h = harness(grow)) {
      h.open();
      feed(h, in, 0, 37);
      resumed.addAll(drawn(h));
      snap = h.snapshot(1, 0);
    }
    try (var h = harness(grow)) {
      h.initializeState(snap);
      h.open();
      feed(h, in, 37, 100);
      h.processWatermark(Long.MAX_VALUE);
      resumed.addAll(drawn(h));
    }
    assertThat(resumed).isEqualTo(uninterrupted);
  }
}
