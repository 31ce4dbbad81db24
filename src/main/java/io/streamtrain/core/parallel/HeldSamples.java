package io.streamtrain.core.parallel;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.data.ExampleCodec;
import io.streamtrain.core.state.ByteSink;
import io.streamtrain.core.state.ByteSource;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The partitions a worker owns, by index (partition {@code worker + i * workers} is index {@code i}): for each, the
 * samples held back until the round order reaches them (in offset order) and how many of its samples the rounds
 * have taken. Part of the worker's state.
 *
 * <p>Held samples are kept in their binary form ({@link ExampleCodec#writeBody}, one partition's samples after one
 * another in one byte array), not as objects: a worker can hold up to a round of samples per partition, and its
 * state is written at every checkpoint and copied after it (copy-on-write), which for bytes is one array copy each
 * instead of encoding and decoding every sample (and a new object per sample on every copy).
 */
final class HeldSamples {
  /** Bytes already read from the front of a partition's buffer before they are dropped (amortizes the move). */
  private static final int COMPACT_AT = 1 << 16;

  private final int worker;
  private final int workers;
  private final ByteSink[] bytes;
  /** Per partition: where its next held sample starts in {@link #bytes}, and how many it holds. */
  private final int[] head;
  private final int[] count;
  private final long[] taken;
  private final ByteSource in = new ByteSource();

  HeldSamples(int worker, int workers, int owned) {
    this.worker = worker;
    this.workers = workers;
    this.bytes = new ByteSink[owned];
    for (int i = 0; i < owned; i++) {
      bytes[i] = new ByteSink();
    }
    this.head = new int[owned];
    this.count = new int[owned];
    this.taken = new long[owned];
  }

  /** How many partitions the worker owns. */
  int owned() {
    return bytes.length;
  }

  /** The index of {@code partition} among the owned ones. */
  int indexOf(int partition) {
    int idx = partition / workers;
    if (partition % workers != worker || idx >= bytes.length) {
      throw new IllegalArgumentException("partition " + partition + " does not belong to worker " + worker + " of "
          + workers + " (" + bytes.length + " owned partitions)");
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
    return count[idx] == 0;
  }

  boolean allEmpty() {
    for (int c : count) {
      if (c != 0) {
        return false;
      }
    }
    return true;
  }

  /** Holds {@code e}, a sample of partition {@code idx} (its model id is the worker's, so it is not kept). */
  void hold(int idx, Example e) {
    try {
      ExampleCodec.INSTANCE.writeBody(e, bytes[idx]);
    } catch (IOException ex) {
      throw new IllegalStateException("cannot hold a sample of partition index " + idx, ex); // in memory: never
    }
    count[idx]++;
  }

  /** Reads the oldest held sample of partition {@code idx} into {@code into} (whose model id is kept) and drops it. */
  void poll(int idx, Example into) {
    ByteSink b = bytes[idx];
    in.set(b.array(), head[idx], b.size());
    try {
      ExampleCodec.INSTANCE.readBody(in, into);
    } catch (IOException ex) {
      throw new IllegalStateException("held samples of partition index " + idx + " are corrupt", ex);
    }
    head[idx] = in.position();
    if (--count[idx] == 0) {
      b.reset();
      head[idx] = 0;
    } else if (head[idx] >= COMPACT_AT && head[idx] >= b.size() / 2) {
      b.discardFront(head[idx]);
      head[idx] = 0;
    }
  }

  void write(DataOutput out) throws IOException {
    out.writeInt(bytes.length);
    for (int i = 0; i < bytes.length; i++) {
      out.writeLong(taken[i]);
      out.writeInt(count[i]);
      int n = bytes[i].size() - head[i];
      out.writeInt(n); // as ByteSink.writeTo writes a block, so read() can use readFrom
      out.write(bytes[i].array(), head[i], n);
    }
  }

  /**
   * Reads what {@link #write} wrote, or with {@code samplesAsRecords} the form before held samples were bytes (each
   * sample as {@link ExampleCodec#write}, model id first), which is read sample by sample and held again.
   */
  void read(DataInput in, boolean samplesAsRecords) throws IOException {
    int n = in.readInt();
    if (n != bytes.length) {
      throw new IOException("worker state owns " + n + " partitions, this job gives worker " + worker + " "
          + bytes.length + " (the samples topic's partition count or the worker count changed)");
    }
    Example scratch = samplesAsRecords ? new Example() : null;
    for (int i = 0; i < n; i++) {
      taken[i] = in.readLong();
      int k = in.readInt();
      bytes[i].reset();
      head[i] = 0;
      count[i] = 0;
      if (samplesAsRecords) {
        for (int j = 0; j < k; j++) {
          ExampleCodec.INSTANCE.read(in, scratch);
          hold(i, scratch);
        }
      } else {
        if (k < 0) {
          throw new IOException("worker state holds " + k + " samples for partition index " + i);
        }
        bytes[i].readFrom(in); // the length-prefixed block write() wrote
        count[i] = k;
      }
    }
  }
}
