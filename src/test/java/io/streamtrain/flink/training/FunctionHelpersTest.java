package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.job.JobSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/**
 * The Flink functions' decisions without Flink's runtime: validation verdicts and lag destinations
 * ({@link SampleValidator}), chunk boundaries ({@link ChunkPacker}) and batching with idle-gap flushes, timers and
 * rejections ({@link BatchAssembler}).
 */
class FunctionHelpersTest {
  static JobSpec spec(long idleGapMs) {
    return JobSpec.fromMap(MiniBatcherFunctionTest.spec(idleGapMs));
  }

  @Test
  void validatorSaysWhereEachSampleGoesAndKeepsLagDestinations() {
    Map<String, Object> raw = new java.util.LinkedHashMap<>(MiniBatcherFunctionTest.spec(0));
    raw.put("accept", "tenant-.");
    SampleValidator v = new SampleValidator(JobSpec.fromMap(raw), true);
    SampleRecord good = MiniBatcherFunctionTest.sample("tenant-a", 1, 1000);
    assertThat(v.check(good)).isEqualTo(SampleValidator.Verdict.ACCEPTED);
    assertThat(good.isRejected()).isFalse();
    SampleRecord unknown = MiniBatcherFunctionTest.sample("other-z", 2, 2000);
    assertThat(v.check(unknown)).isEqualTo(SampleValidator.Verdict.UNKNOWN_MODEL);
    assertThat(unknown.reason).isEqualTo(RejectReason.UNKNOWN_MODEL.name());
    assertThat(v.rejected(unknown).getReason()).isEqualTo(RejectReason.UNKNOWN_MODEL.name());
    SampleRecord wide = MiniBatcherFunctionTest.sample("tenant-b", 3, 3000);
    wide.example.setDense(new double[] {1, 2, 3}, 3);
    assertThat(v.check(wide)).isEqualTo(SampleValidator.Verdict.INVALID);
    assertThat(wide.isRejected()).isTrue();
    SampleRecord undecodable = new SampleRecord();
    undecodable.raw = new byte[] {1, 2};
    undecodable.reason = RejectReason.UNDECODABLE.name();
    assertThat(v.check(undecodable)).isEqualTo(SampleValidator.Verdict.UNDECODABLE);
    // Lag markers go to the accepted model ids, in the order first seen (tenant-b was accepted before its bad one).
    assertThat(v.lagMarkers(1, new long[] {42}).stream().map(m -> m.example.modelId()).toList())
        .containsExactly("tenant-a", "tenant-b");
    assertThat(v.lagMarkers(1, new long[] {42})).allSatisfy(m -> assertThat(m.lag).isEqualTo(42));
  }

  @Test
  void chunksEndAtTheirBoundBeforeARejectionAndOnFlushInFirstOpenedOrder() throws Exception {
    List<String> out = new ArrayList<>();
    ChunkPacker p = new ChunkPacker(1 << 20, 3, false,
        (c, ts) -> out.add(c.example.modelId() + ":" + c.chunkCount + "@" + ts));
    assertThat(p.add(MiniBatcherFunctionTest.sample("b", 0, 10), 10)).isTrue();
    assertThat(p.add(MiniBatcherFunctionTest.sample("a", 0, 10), 10)).isTrue();
    assertThat(p.add(MiniBatcherFunctionTest.sample("b", 1, 30), 30)).isTrue();
    assertThat(p.add(MiniBatcherFunctionTest.sample("b", 2, 20), 20)).isFalse();
    assertThat(out).containsExactly("b:3@30");
    p.add(MiniBatcherFunctionTest.sample("a", 1, 40), Long.MIN_VALUE);
    p.beforeRejected(MiniBatcherFunctionTest.sample("a", 2, 50));
    assertThat(out).containsExactly("b:3@30", "a:2@10");
    p.add(MiniBatcherFunctionTest.sample("a", 3, 60), Long.MIN_VALUE);
    p.add(MiniBatcherFunctionTest.sample("b", 3, 70), 70);
    p.flushAll();
    assertThat(out).containsExactly("b:3@30", "a:2@10", "b:1@70", "a:1@" + Long.MIN_VALUE);
  }

  @Test
  void batcherFlushesOnAnIdleGapRegistersOneTimerAndCarriesRejections() {
    BatchAssembler a = new BatchAssembler(spec(5_000));
    List<String> out = new ArrayList<>();
    Collector<MiniBatch> c = new Collector<>() {
      @Override
      public void collect(MiniBatch b) {
        out.add(b.modelId + ":" + b.size() + "+" + b.rejected);
      }

      @Override
      public void close() {}
    };
    BatcherState s = a.stateOf(null, "m", 0);
    assertThat(a.add("m", s, MiniBatcherFunctionTest.sample("m", 0, 1_000).example, 0, c)).isEqualTo(6_000);
    assertThat(a.add("m", s, MiniBatcherFunctionTest.sample("m", 1, 2_000).example, 0, c))
        .isEqualTo(BatchAssembler.NO_TIMER);
    a.rejected(s, 0);
    assertThat(out).isEmpty();
    // 5 s after the latest event: the buffer (2 samples) goes out as one batch with the pending rejection.
    a.add("m", s, MiniBatcherFunctionTest.sample("m", 2, 7_000).example, 0, c);
    assertThat(out).containsExactly("m:2+1");
    // The timer set for 6,000 fires early (data arrived since): it moves to 12,000; then it flushes.
    assertThat(a.onTimer("m", s, 6_000, c)).isEqualTo(12_000);
    a.rejected(s, 0);
    assertThat(a.onTimer("m", s, 12_000, c)).isEqualTo(BatchAssembler.NO_TIMER);
    assertThat(out).containsExactly("m:2+1", "m:1+1");
    a.rejected(s, 0);
    a.onTimer("m", s, 20_000, c);
    assertThat(out).containsExactly("m:2+1", "m:1+1", "m:0+1");
  }
}
