package io.streamtrain.flink.training;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.train.Batching;
import io.streamtrain.job.JobSpec;
import org.apache.flink.util.Collector;

/**
 * The mini-batcher's decisions for one model's {@link BatcherState}, without Flink's runtime: a good sample joins
 * the shuffle buffer (after flushing it when the model's event time jumped by the idle gap), a batch of B drawn at
 * random goes out whenever the buffer reaches its fill level, a flush timer is due an idle gap after the latest
 * event, and rejected samples are counted into the next batch. Batches carry the latest consumer lag of their
 * model ({@link ConsumerLags}: operator memory, never state). One reused {@link MiniBatch} carries every batch.
 */
final class BatchAssembler {
  /** No timer to register. */
  static final long NO_TIMER = Long.MIN_VALUE;
  private final JobSpec spec;
  private final MiniBatch batch = new MiniBatch(1024);
  private final ConsumerLags lags = new ConsumerLags();

  BatchAssembler(JobSpec spec) {
    this.spec = spec;
  }

  /** A lag marker's figure for the model (never state, never a batch). */
  void noteLag(String modelId, SampleRecord marker) {
    lags.update(modelId, marker.lagSource, marker.lag);
  }

  /** The model's state, a fresh one (empty buffer, the model's shuffle seed) when it has none yet. */
  BatcherState stateOf(BatcherState s, String modelId, int cfg) {
    if (s != null) {
      return s;
    }
    Batching b = spec.configs().get(cfg).batching();
    return new BatcherState(b.shuffleCapacity(), MiniBatcherFunction.seedFor(b.seed(), modelId));
  }

  /** A rejected sample of the model: counted into its next batch. */
  void rejected(BatcherState s, int cfg) {
    s.configIndex = cfg;
    s.pendingRejected++;
  }

  /**
   * One good sample into the model's buffer: the idle-gap flush before it, a batch when full. Returns the event
   * time of a flush timer to register, or {@link #NO_TIMER}.
   */
  long add(String modelId, BatcherState s, Example e, int cfg, Collector<MiniBatch> out) {
    Batching b = spec.configs().get(cfg).batching();
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
    s.configIndex = cfg;
    if (s.buffer.size() >= b.fill(s.added)) {
      emit(modelId, s, b.batchSize(), out);
    }
    if (s.timer != NO_TIMER) {
      return NO_TIMER;
    }
    s.timer = b.idleGapMs() > 0 ? satAdd(s.lastEventTime, b.idleGapMs()) : Long.MAX_VALUE;
    return s.timer;
  }

  /**
   * The model's flush timer fired at {@code timestamp}: when data arrived since it was set, the gap has not elapsed
   * and the new deadline is returned to register (a lazy timer); otherwise the buffer is flushed in random batches,
   * pending rejections go out in an empty batch, and {@link #NO_TIMER} is returned.
   */
  long onTimer(String modelId, BatcherState s, long timestamp, Collector<MiniBatch> out) {
    Batching b = spec.configs().get(s.configIndex).batching();
    long due = b.idleGapMs() > 0 ? satAdd(s.lastEventTime, b.idleGapMs()) : Long.MAX_VALUE;
    if (timestamp < due) {
      s.timer = due;
      return due;
    }
    flush(modelId, s, b.batchSize(), out);
    s.timer = NO_TIMER;
    if (s.pendingRejected > 0) {
      batch.reset(modelId, s.configIndex);
      batch.rejected = s.pendingRejected;
      batch.consumerLag = lags.total(modelId);
      s.pendingRejected = 0;
      out.collect(batch);
    }
    return NO_TIMER;
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
