package io.streamtrain.flink.training;

import io.streamtrain.avro.RejectedSample;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.core.train.Batching;
import io.streamtrain.flink.types.ExampleCodec;
import io.streamtrain.job.JobSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.core.memory.DataInputDeserializer;
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
 *
 * <p>Good samples usually arrive in chunks ({@link SampleChunker}): the batcher decodes them one by one, in order,
 * into one reused example and treats each exactly as a sample that arrived alone, so a chunk changes no batch; the
 * state is read and written once per chunk instead of once per sample.
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
  /** Where a chunk's samples are decoded, one at a time, before the buffer copies them into its slots. */
  private transient Example scratch;
  private transient DataInputDeserializer chunkIn;

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
    scratch = new Example();
    chunkIn = new DataInputDeserializer();
  }

  /** Seed of a model's shuffle: the configured seed mixed with a stable hash of the model id. */
  public static long seedFor(long seed, String modelId) {
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
    if (r.isChunk()) {
      chunkIn.setBuffer(r.chunk, 0, r.chunkLength);
      scratch.setModelId(modelId);
      for (int i = 0; i < r.chunkCount; i++) {
        ExampleCodec.INSTANCE.readBody(chunkIn, scratch);
        add(modelId, s, b, scratch, r.configIndex, ctx, out);
      }
      if (chunkIn.available() != 0) {
        throw new IOException("sample chunk of model " + modelId + " has " + chunkIn.available()
            + " bytes after its " + r.chunkCount + " samples");
      }
    } else {
      add(modelId, s, b, r.example, r.configIndex, ctx, out);
    }
    state.update(s);
  }

  /** One good sample into the model's buffer: the idle-gap flush before it, a batch when full, the timer. */
  private void add(String modelId, BatcherState s, Batching b, Example e, int configIndex, Context ctx,
      Collector<MiniBatch> out) {
    long t = e.eventTime();
    if (b.idleGapMs() > 0 && !s.buffer.isEmpty() && t >= s.lastEventTime + b.idleGapMs()) {
      flush(modelId, s, b.batchSize(), out);
    }
    s.buffer.add(e);
    if (s.added < Long.MAX_VALUE) {
      s.added++;
    }
    if (t > s.lastEventTime) {
      s.lastEventTime = t;
    }
    s.configIndex = configIndex;
    if (s.buffer.size() >= b.fill(s.added)) {
      emit(modelId, s, b.batchSize(), out);
    }
    if (s.timer == Long.MIN_VALUE) {
      s.timer = b.idleGapMs() > 0 ? satAdd(s.lastEventTime, b.idleGapMs()) : Long.MAX_VALUE;
      ctx.timerService().registerEventTimeTimer(s.timer);
    }
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
