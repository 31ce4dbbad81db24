package io.streamtrain.core.parallel;

import io.streamtrain.core.optim.StateIo;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Length-prefixed double arrays and round statistics in the parallel states' binary formats. The arrays' values are
 * the big-endian bits {@link DataOutput#writeDouble} writes, copied in bulk ({@link StateIo#writeValues}): a worker
 * writes several model-sized arrays at every checkpoint.
 */
final class Doubles {
  private Doubles() {}

  static void write(DataOutput out, double[] a) throws IOException {
    out.writeInt(a.length);
    StateIo.writeValues(out, a);
  }

  /** Reads an array written by {@link #write} into {@code into}, which must have its length. */
  static void read(DataInput in, double[] into) throws IOException {
    int n = in.readInt();
    if (n != into.length) {
      throw new IOException("state holds " + n + " values, the model has " + into.length);
    }
    StateIo.readValues(in, into);
  }

  static void writeStats(DataOutput out, RoundStats s) throws IOException {
    out.writeLong(s.samples());
    out.writeLong(s.steps());
    out.writeDouble(s.lossSum());
    out.writeLong(s.scored());
    out.writeLong(s.correct());
    out.writeLong(s.waitMs());
    out.writeLong(s.minEventTime());
    out.writeLong(s.maxEventTime());
    out.writeInt(s.workerSamples().length);
    for (long l : s.workerSamples()) {
      out.writeLong(l);
    }
  }

  static RoundStats readStats(DataInput in) throws IOException {
    long samples = in.readLong();
    long steps = in.readLong();
    double loss = in.readDouble();
    long scored = in.readLong();
    long correct = in.readLong();
    long wait = in.readLong();
    long minTime = in.readLong();
    long maxTime = in.readLong();
    long[] ws = new long[in.readInt()];
    for (int i = 0; i < ws.length; i++) {
      ws[i] = in.readLong();
    }
    return new RoundStats(samples, steps, loss, scored, correct, ws, wait, minTime, maxTime);
  }
}
