package io.streamtrain.flink.training;

import io.streamtrain.flink.types.ExampleCodec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.core.memory.DataOutputSerializer;
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
  /** Models with an open chunk at once; one more flushes them all (memory bound with many small models). */
  static final int MAX_OPEN_MODELS = 64;
  /** Longest time a sample waits in an open chunk when no watermark, barrier or size bound ends it. */
  static final long MAX_DELAY_MS = 50;

  /** The chunk builder of one model, kept across chunks so its buffer is reused; open while count > 0. */
  private static final class ChunkBuilder {
    final String modelId;
    final int configIndex;
    /** The partition of every sample in the chunk when chunks are per partition, else -1. */
    final int partition;
    final DataOutputSerializer bytes = new DataOutputSerializer(4096);
    int count;
    long maxTimestamp = Long.MIN_VALUE;

    ChunkBuilder(String modelId, int configIndex, int partition) {
      this.modelId = modelId;
      this.configIndex = configIndex;
      this.partition = partition;
    }
  }

  private final int maxChunkBytes;
  private final int maxChunkSamples;
  private final long maxDelayMs;
  private final boolean byPartition;
  private transient Map<String, ChunkBuilder> builders;
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
    // Insertion order: flushing all open chunks emits them in a reproducible order.
    builders = new LinkedHashMap<>();
  }

  @Override
  public void processElement(StreamRecord<SampleRecord> element) throws Exception {
    SampleRecord r = element.getValue();
    if (r.isLagMarker() || r.isTouch()) {
      output.collect(element);
      return;
    }
    if (r.isRejected()) {
      ChunkBuilder o = byPartition ? null : builders.get(r.example.modelId());
      if (o != null) {
        emit(o);
      }
      output.collect(element);
      return;
    }
    String id = byPartition ? r.example.modelId() + '\u0000' + r.partition : r.example.modelId();
    ChunkBuilder o = builders.get(id);
    if (o == null) {
      if (builders.size() >= MAX_OPEN_MODELS) {
        flushAll();
        builders.clear();
      }
      o = new ChunkBuilder(r.example.modelId(), r.configIndex, byPartition ? r.partition : -1);
      builders.put(id, o);
    }
    ExampleCodec.INSTANCE.writeBody(r.example, o.bytes);
    o.count++;
    if (element.hasTimestamp() && element.getTimestamp() > o.maxTimestamp) {
      o.maxTimestamp = element.getTimestamp();
    }
    if (o.bytes.length() >= maxChunkBytes || o.count >= maxChunkSamples) {
      emit(o);
    } else if (!deadlinePending) {
      deadlinePending = true;
      long now = getProcessingTimeService().getCurrentProcessingTime();
      getProcessingTimeService().registerTimer(now + maxDelayMs, t -> {
        deadlinePending = false;
        flushAll();
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
    for (ChunkBuilder o : builders.values()) {
      emit(o);
    }
  }

  /** Emits the model's open chunk, if any, and empties the builder. */
  private void emit(ChunkBuilder o) {
    if (o.count == 0) {
      return;
    }
    SampleRecord c = new SampleRecord();
    c.example.setModelId(o.modelId);
    c.configIndex = o.configIndex;
    // The chunk owns its bytes: whatever receives it (a network writer, a harness, a chained operator with
    // object reuse) may keep it after this call.
    c.chunk = Arrays.copyOf(o.bytes.getSharedBuffer(), o.bytes.length());
    c.chunkLength = c.chunk.length;
    c.chunkCount = o.count;
    if (o.partition >= 0) {
      c.partition = o.partition;
      c.carryPartition = true;
    }
    long ts = o.maxTimestamp;
    o.bytes.clear();
    o.count = 0;
    o.maxTimestamp = Long.MIN_VALUE;
    output.collect(ts == Long.MIN_VALUE ? new StreamRecord<>(c) : new StreamRecord<>(c, ts));
  }

}
