package io.streamtrain.flink.types;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Base for streamtrain's hand-written Flink serializers of mutable types: subclasses write and read a versioned
 * binary form; copying goes through that form (used only when object reuse is off or state is copied on
 * write), so there is one code path to get right, through a buffer kept between copies. Keeps Kryo out of the job
 * entirely.
 */
public abstract class DataSerializer<T> extends TypeSerializer<T> {
  private static final long serialVersionUID = 1L;

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<T> duplicate() {
    return this; // every field is configuration, but for the copy buffer, which is taken under a lock
  }

  /**
   * The largest copy buffer kept between copies: enough for a data-parallel worker of a model up to about 2^19
   * parameters (at 2^18 its state is 13-16 MB). Heap state is copied once per checkpoint (copy-on-write), and a
   * buffer grown anew each time allocated about twice the state in short-lived arrays (docs/benchmarks.md, "Where
   * the data-parallel system time goes").
   */
  static final int KEEP_COPY_BUFFER = 64 << 20;

  /** A buffer from an earlier copy, reused by the next (serializers are shared between threads: taken under lock). */
  private transient DataOutputSerializer spare;

  @Override
  public T copy(T from) {
    DataOutputSerializer out = takeSpare();
    try {
      serialize(from, out);
      return deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot copy " + from, e);
    } finally {
      out.clear();
      putSpare(out);
    }
  }

  private synchronized DataOutputSerializer takeSpare() {
    DataOutputSerializer s = spare;
    spare = null;
    return s != null ? s : new DataOutputSerializer(256);
  }

  private synchronized void putSpare(DataOutputSerializer s) {
    if (s.getSharedBuffer().length <= KEEP_COPY_BUFFER) {
      spare = s;
    }
  }

  @Override
  public T copy(T from, T reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public T deserialize(T reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    serialize(deserialize(source), target);
  }

  @Override
  public boolean equals(Object obj) {
    return obj != null && obj.getClass() == getClass();
  }

  @Override
  public int hashCode() {
    return getClass().hashCode();
  }
}
