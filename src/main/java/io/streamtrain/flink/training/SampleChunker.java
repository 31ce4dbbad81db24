package io.streamtrain.flink.training;

import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Packs the validated good samples of each model into chunks ({@link SampleRecord#isChunk}) before the keyBy, so
 * the batcher's side deserializes one object per chunk and unpacks the samples into its reused objects, instead of
 * allocating a record, an example and its arrays for every sample. Runs chained right after the validation.
 *
 * <p>A chunk holds consecutive samples of one model from this subtask in arrival order, and every chunk is
 * emitted before anything that must stay behind its samples: before a rejected sample of the same model (the
 * batcher counts rejections into the next batch), before a watermark is forwarded (the batcher's timers fire on
 * watermarks), before a checkpoint barrier (the source offsets in the checkpoint must cover only what went
 * downstream; there is no state here) and at the end of input. So the batcher sees, per model, the same samples
 * in the same order relative to rejections and watermarks as without chunks, and batches, parameters and
 * recovery stay as they were; only where a chunk ends differs. Chunks also end at a size bound, when too many
 * models are open, and on a processing-time deadline, which bounds the added latency when the input pauses.
 * Lag markers are informational and pass straight through.
 */
public final class SampleChunker extends AbstractStreamOperator<SampleRecord>
    implements OneInputStreamOperator<SampleRecord, SampleRecord> {
  private static final long serialVersionUID = 1L;
  /**
   * A chunk ends once it holds this many bytes (dense50: ~18 samples). Well under Flink's 32 KiB network buffer: a
   * record that spans two buffers is reassembled in a fresh array (Flink's SpanningWrapper drops its grown array
   * after each record), so with 32 KiB chunks every chunk was copied twice; at 8 KiB about a quarter span.
   */
  static final int MAX_CHUNK_BYTES = 8 * 1024;
  static final int MAX_CHUNK_SAMPLES = 1024;
  /** Longest time a sample waits in an open chunk when no watermark, barrier or size bound ends it. */
  static final long MAX_DELAY_MS = 50;

  private final int maxChunkBytes;
  private final int maxChunkSamples;
  private final long maxDelayMs;
  private final boolean byPartition;
  private transient ChunkPacker packer;
  private transient boolean deadlinePending;

  public SampleChunker() {
    this(MAX_CHUNK_BYTES, MAX_CHUNK_SAMPLES, MAX_DELAY_MS);
  }

  /**
   * Chunks of one model and one source partition each, carrying the partition (data-parallel training: a worker
   * counts its rounds per partition); touches pass straight through.
   */
  public static SampleChunker perPartition() {
    return new SampleChunker(MAX_CHUNK_BYTES, MAX_CHUNK_SAMPLES, MAX_DELAY_MS, true);
  }

  /** With explicit bounds (tests use small ones to exercise chunk boundaries). */
  public SampleChunker(int maxChunkBytes, int maxChunkSamples, long maxDelayMs) {
    this(maxChunkBytes, maxChunkSamples, maxDelayMs, false);
  }

  private SampleChunker(int maxChunkBytes, int maxChunkSamples, long maxDelayMs, boolean byPartition) {
    this.byPartition = byPartition;
    this.maxChunkBytes = maxChunkBytes;
    this.maxChunkSamples = maxChunkSamples;
    this.maxDelayMs = maxDelayMs;
  }

  @Override
  public void open() throws Exception {
    super.open();
    packer = new ChunkPacker(maxChunkBytes, maxChunkSamples, byPartition,
        (c, ts) -> output.collect(ts == Long.MIN_VALUE ? new StreamRecord<>(c) : new StreamRecord<>(c, ts)));
  }

  @Override
  public void processElement(StreamRecord<SampleRecord> element) throws Exception {
    SampleRecord r = element.getValue();
    if (r.isLagMarker() || r.isTouch()) {
      output.collect(element);
      return;
    }
    if (r.isRejected()) {
      packer.beforeRejected(r);
      output.collect(element);
      return;
    }
    if (packer.add(r, element.hasTimestamp() ? element.getTimestamp() : Long.MIN_VALUE) && !deadlinePending) {
      deadlinePending = true;
      long now = getProcessingTimeService().getCurrentProcessingTime();
      getProcessingTimeService().registerTimer(now + maxDelayMs, t -> {
        deadlinePending = false;
        packer.flushAll();
      });
    }
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    flushAll();
    super.processWatermark(mark);
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    flushAll();
    super.prepareSnapshotPreBarrier(checkpointId);
  }

  @Override
  public void finish() throws Exception {
    flushAll();
    super.finish();
  }

  private void flushAll() {
    packer.flushAll();
  }
}
