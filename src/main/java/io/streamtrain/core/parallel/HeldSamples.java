package io.streamtrain.core.parallel;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.data.ShuffleBuffer;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * The partitions a worker owns, by index (partition {@code worker + i * workers} is index {@code i}): for each, the
 * samples held back until the round order reaches them (copies, in offset order) and how many of its samples the
 * rounds have taken. Part of the worker's state.
 */
final class HeldSamples {
  private final int worker;
  private final int workers;
  private final ShuffleBuffer.SlotCodec<Example> codec;
  private final ArrayDeque<Example>[] pending;
  private final ArrayDeque<Example> free = new ArrayDeque<>();
  private final long[] taken;

  @SuppressWarnings("unchecked")
  HeldSamples(int worker, int workers, int owned, ShuffleBuffer.SlotCodec<Example> codec) {
    this.worker = worker;
    this.workers = workers;
    this.codec = codec;
    this.pending = new ArrayDeque[owned];
    for (int i = 0; i < owned; i++) {
      pending[i] = new ArrayDeque<>();
    }
    this.taken = new long[owned];
  }

  /** How many partitions the worker owns. */
  int owned() {
    return pending.length;
  }

  /** The index of {@code partition} among the owned ones. */
  int indexOf(int partition) {
    int idx = partition / workers;
    if (partition % workers != worker || idx >= pending.length) {
      throw new IllegalArgumentException("partition " + partition + " does not belong to worker " + worker + " of "
          + workers + " (" + pending.length + " owned partitions)");
    }
    return idx;
  }

  /** Samples of partition {@code idx} the rounds have taken. */
  long taken(int idx) {
    return taken[idx];
  }

  void take(int idx) {
    taken[idx]++;
  }

  boolean isEmpty(int idx) {
    return pending[idx].isEmpty();
  }

  boolean allEmpty() {
    for (ArrayDeque<Example> q : pending) {
      if (!q.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** Holds a copy of {@code e}, a sample of partition {@code idx}. */
  void hold(int idx, Example e) {
    Example copy = free.isEmpty() ? codec.newSlot() : free.poll();
    codec.copy(e, copy);
    pending[idx].add(copy);
  }

  /** The oldest held sample of partition {@code idx}; give it back with {@link #recycle} once used. */
  Example poll(int idx) {
    return pending[idx].poll();
  }

  void recycle(Example e) {
    free.add(e);
  }

  void write(DataOutput out) throws IOException {
    out.writeInt(pending.length);
    for (int i = 0; i < pending.length; i++) {
      out.writeLong(taken[i]);
      out.writeInt(pending[i].size());
      for (Example e : pending[i]) {
        codec.write(e, out);
      }
    }
  }

  void read(DataInput in) throws IOException {
    int n = in.readInt();
    if (n != pending.length) {
      throw new IOException("worker state owns " + n + " partitions, this job gives worker " + worker + " "
          + pending.length + " (the samples topic's partition count or the worker count changed)");
    }
    for (int i = 0; i < n; i++) {
      taken[i] = in.readLong();
      pending[i].clear();
      int k = in.readInt();
      for (int j = 0; j < k; j++) {
        Example e = codec.newSlot();
        codec.read(in, e);
        pending[i].add(e);
      }
    }
  }
}
