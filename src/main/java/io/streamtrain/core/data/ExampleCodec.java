package io.streamtrain.core.data;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Binary form of an {@link Example} for the network exchange between operators and for state: compact, no boxing, reading into
 * a reused instance. Also the slot codec of the batcher's {@link ShuffleBuffer}, so {@link #write}'s format is
 * checkpointed state and stays as it is. {@link #writeBody}/{@link #readBody} are the same form without the model
 * id, for containers that carry one model's samples and name the model once (a sample chunk). Named fields that
 * were hashed where the sample was validated travel as (slot, value) pairs behind a negative count, a form older
 * slots never contain, so state written before it reads unchanged.
 */
public final class ExampleCodec extends ExampleSlots {
  public static final ExampleCodec INSTANCE = new ExampleCodec();

  @Override
  public void write(Example e, DataOutput out) throws IOException {
    out.writeUTF(e.modelId());
    writeBody(e, out);
  }

  /** Everything {@link #write} writes after the model id. */
  public void writeBody(Example e, DataOutput out) throws IOException {
    out.writeLong(e.eventTime());
    out.writeDouble(e.label());
    out.writeDouble(e.weight());
    int n = e.denseLength();
    out.writeInt(n);
    double[] d = e.denseValues();
    for (int i = 0; i < n; i++) {
      out.writeDouble(d[i]);
    }
    int s = e.sparseLength();
    out.writeInt(s);
    for (int i = 0; i < s; i++) {
      out.writeInt(e.sparseIndex(i));
      out.writeDouble(e.sparseValue(i));
    }
    int h = e.hashedLength();
    if (h > 0) {
      // Hashed named fields: a negative count (never written before they existed, so older slots read as they
      // were), the hash width, then (slot, value) pairs. Such an example has no named fields left.
      out.writeInt(-1 - h);
      out.writeByte(e.hashedBits());
      for (int i = 0; i < h; i++) {
        out.writeInt(e.hashedSlot(i));
        out.writeDouble(e.hashedValue(i));
      }
    }
    int c = e.categoricalLength();
    out.writeInt(c);
    for (int i = 0; i < c; i++) {
      out.writeUTF(e.categoricalName(i));
      out.writeUTF(e.categoricalValue(i));
    }
    int m = e.numericLength();
    out.writeInt(m);
    for (int i = 0; i < m; i++) {
      out.writeUTF(e.numericName(i));
      out.writeDouble(e.numericValue(i));
    }
  }

  @Override
  public void read(DataInput in, Example e) throws IOException {
    e.clear();
    e.setModelId(in.readUTF());
    readBody(in, e);
  }

  /**
   * Reads what {@link #writeBody} wrote into {@code e}, whose model id the caller sets; the other fields are
   * overwritten (the arrays are reused, so a warm instance reads without allocating unless named fields are present).
   */
  public void readBody(DataInput in, Example e) throws IOException {
    String modelId = e.modelId();
    e.clear();
    e.setModelId(modelId);
    e.setEventTime(in.readLong());
    e.setLabel(in.readDouble());
    e.setWeight(in.readDouble());
    int n = in.readInt();
    double[] d = e.ensureDenseCapacity(n);
    for (int i = 0; i < n; i++) {
      d[i] = in.readDouble();
    }
    e.setDenseLength(n);
    int s = in.readInt();
    for (int i = 0; i < s; i++) {
      int idx = in.readInt();
      e.addSparse(idx, in.readDouble());
    }
    int c = in.readInt();
    if (c < 0) {
      int h = -1 - c;
      int bits = in.readByte();
      for (int i = 0; i < h; i++) {
        int slot = in.readInt();
        e.addHashed(slot, in.readDouble(), bits);
      }
      c = in.readInt();
    }
    for (int i = 0; i < c; i++) {
      String name = in.readUTF();
      e.addCategorical(name, in.readUTF());
    }
    int m = in.readInt();
    for (int i = 0; i < m; i++) {
      String name = in.readUTF();
      e.addNumeric(name, in.readDouble());
    }
  }
}
