package io.streamtrain.flink.training;

import io.streamtrain.avro.RejectedSample;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.core.train.Batching;
import io.streamtrain.job.JobSpec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by model id: fills the model's shuffle buffer and emits a mini-batch of B drawn uniformly at random
 * whenever the buffer is full; flushes the buffer in random batches when the model's event time jumps by more
 * than the idle gap, when the watermark passes the idle gap, and at the end of a bounded input. Rejected samples
 * of the model are sent to the rejected output and counted into the next batch. All state (buffer, generator,
 * timer) is keyed state, so replay and recovery give the same batches. Lag markers from the validate subtasks
 * only update {@link ConsumerLags} (operator memory, not state) and ride with the model's next batch as its
 * {@code consumerLag}; they never enter the buffer, the state, the timers or the event time.
 */
public final class MiniBatcherFunction extends KeyedProcessFunction<String, SampleRecord, MiniBatch> {
  private static final long serialVersionUID = 1L;

  private final Map<String, Object> specMap;
  private final OutputTag<RejectedSample> rejectedTag;
  private transient JobSpec spec;
  private transient ValueState<BatcherState> state;
  private transient MiniBatch batch;
  private transient Rejections rejections;
  private transient ConsumerLags lags;

  public MiniBatcherFunction(Map<String, Object> specMap, OutputTag<RejectedSample> rejectedTag) {
    this.specMap = specMap;
    this.rejectedTag = rejectedTag;
  }

  @Override
  public void open(OpenContext ctx) {
    spec = JobSpec.fromMap(specMap);
    state = getRuntimeContext().getState(new ValueStateDescriptor<>("batcher", new BatcherState.Serializer()));
    batch = new MiniBatch(1024);
    rejections = new Rejections();
    lags = new ConsumerLags();
  }

  /** Seed of a model's shuffle: the configured seed mixed with a stable hash of the model id. */
  static long seedFor(long seed, String modelId) {
    long h = 1125899906842597L;
    for (byte b : modelId.getBytes(StandardCharsets.UTF_8)) {
      h = 31 * h + b;
    }
    return Xoshiro256.splitMix(seed ^ h);
  }

  @Override
  public void processElement(SampleRecord r, Context ctx, Collector<MiniBatch> out) throws Exception {
    String modelId = ctx.getCurrentKey();
    if (r.isLagMarker()) {
      lags.update(modelId, r.lagSource, r.lag);
      return;
    }
    BatcherState s = state.value();
    Batching b = spec.configs().get(r.configIndex).batching();
    if (s == null) {
      s = new BatcherState(b.shuffleCapacity(), seedFor(b.seed(), modelId));
    }
    if (r.isRejected()) {
      s.configIndex = r.configIndex;
      s.pendingRejected++;
      ctx.output(rejectedTag, rejections.toAvro(r));
      state.update(s);
      return;
    }
    long t = r.example.eventTime();
    if (b.idleGapMs() > 0 && !s.buffer.isEmpty() && t >= s.lastEventTime + b.idleGapMs()) {
      flush(modelId, s, b.batchSize(), out);
    }
    s.buffer.add(r.example);
    if (t > s.lastEventTime) {
      s.lastEventTime = t;
    }
    s.configIndex = r.configIndex;
    if (s.buffer.isFull()) {
      emit(modelId, s, b.batchSize(), out);
    }
    if (s.timer == Long.MIN_VALUE) {
      s.timer = b.idleGapMs() > 0 ? satAdd(s.lastEventTime, b.idleGapMs()) : Long.MAX_VALUE;
      ctx.timerService().registerEventTimeTimer(s.timer);
    }
    state.update(s);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<MiniBatch> out) throws Exception {
    String modelId = ctx.getCurrentKey();
    BatcherState s = state.value();
    if (s == null) {
      return;
    }
    Batching b = spec.configs().get(s.configIndex).batching();
    long due = b.idleGapMs() > 0 ? satAdd(s.lastEventTime, b.idleGapMs()) : Long.MAX_VALUE;
    if (timestamp < due) {
      // Data arrived since the timer was set: the gap has not elapsed; wait for the new deadline (lazy timer).
      s.timer = due;
      ctx.timerService().registerEventTimeTimer(due);
    } else {
      flush(modelId, s, b.batchSize(), out);
      s.timer = Long.MIN_VALUE;
      if (s.pendingRejected > 0) {
        batch.reset(modelId, s.configIndex);
        batch.rejected = s.pendingRejected;
        batch.consumerLag = lags.total(modelId);
        s.pendingRejected = 0;
        out.collect(batch);
      }
    }
    state.update(s);
  }

  private void flush(String modelId, BatcherState s, int batchSize, Collector<MiniBatch> out) {
    while (!s.buffer.isEmpty()) {
      emit(modelId, s, batchSize, out);
    }
  }

  private void emit(String modelId, BatcherState s, int batchSize, Collector<MiniBatch> out) {
    int n = s.buffer.draw(batchSize);
    int from = s.buffer.size();
    batch.reset(modelId, s.configIndex);
    for (int i = 0; i < n; i++) {
      batch.append(s.buffer.slot(from + i));
    }
    batch.rejected = s.pendingRejected;
    batch.consumerLag = lags.total(modelId);
    s.pendingRejected = 0;
    out.collect(batch);
  }

  private static long satAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
