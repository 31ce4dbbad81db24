package io.streamtrain.flink.training;

import io.streamtrain.core.data.ExampleCodec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Packs good samples into chunks ({@link SampleRecord#isChunk}), one open chunk per model (or per model and
 * partition), without Flink's runtime: a chunk holds consecutive samples in arrival order and goes out when it
 * reaches its size bound, when too many models have one open (all go out), before a rejected sample of its model,
 * and whenever the caller flushes ({@link SampleChunker} does on watermarks, barriers, deadlines and the end).
 */
final class ChunkPacker {
  /** Where finished chunks go, with the largest timestamp of their samples (Long.MIN_VALUE: none had one). */
  @FunctionalInterface
  interface Out {
    void chunk(SampleRecord chunk, long timestamp);
  }

  /** Models with an open chunk at once; one more flushes them all (memory bound with many small models). */
  static final int MAX_OPEN_MODELS = 64;

  /** The chunk builder of one model, kept across chunks so its buffer is reused; open while count > 0. */
  private static final class Builder {
    final String modelId;
    final int configIndex;
    /** The partition of every sample in the chunk when chunks are per partition, else -1. */
    final int partition;
    final DataOutputSerializer bytes = new DataOutputSerializer(4096);
    int count;
    long maxTimestamp = Long.MIN_VALUE;

    Builder(String modelId, int configIndex, int partition) {
      this.modelId = modelId;
      this.configIndex = configIndex;
      this.partition = partition;
    }
  }

  private final int maxBytes;
  private final int maxSamples;
  private final boolean byPartition;
  private final Out out;
  /** Insertion order: flushing all open chunks emits them in a reproducible order. */
  private final Map<String, Builder> builders = new LinkedHashMap<>();

  ChunkPacker(int maxBytes, int maxSamples, boolean byPartition, Out out) {
    this.maxBytes = maxBytes;
    this.maxSamples = maxSamples;
    this.byPartition = byPartition;
    this.out = out;
  }

  /** A rejected sample of {@code r}'s model follows: its open chunk goes out first (not per partition). */
  void beforeRejected(SampleRecord r) {
    Builder o = byPartition ? null : builders.get(r.example.modelId());
    if (o != null) {
      emit(o);
    }
  }

  /**
   * Adds a good sample ({@code timestamp}: Long.MIN_VALUE for none). Returns true when it stays in an open chunk,
   * false when its chunk went out at once.
   */
  boolean add(SampleRecord r, long timestamp) throws java.io.IOException {
    String id = byPartition ? r.example.modelId() + '\u0000' + r.partition : r.example.modelId();
    Builder o = builders.get(id);
    if (o == null) {
      if (builders.size() >= MAX_OPEN_MODELS) {
        flushAll();
        builders.clear();
      }
      o = new Builder(r.example.modelId(), r.configIndex, byPartition ? r.partition : -1);
      builders.put(id, o);
    }
    ExampleCodec.INSTANCE.writeBody(r.example, o.bytes);
    o.count++;
    if (timestamp > o.maxTimestamp) {
      o.maxTimestamp = timestamp;
    }
    if (o.bytes.length() >= maxBytes || o.count >= maxSamples) {
      emit(o);
      return false;
    }
    return true;
  }

  /** Every open chunk goes out, in the order their models first opened one. */
  void flushAll() {
    for (Builder o : builders.values()) {
      emit(o);
    }
  }

  /** Emits the model's open chunk, if any, and empties the builder. */
  private void emit(Builder o) {
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
    out.chunk(c, ts);
  }
}
