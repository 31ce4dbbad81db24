package io.streamtrain.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The states of a {@link Chain}'s transforms, in chain order, for vectors of {@link #size()} elements. It
 * serializes as the number of transforms followed by each transform's kind and state, so a state written by
 * another chain is rejected by kind, not misread.
 */
public final class ChainState {
  private final int n;
  private final TransformState[] states;

  ChainState(int n, TransformState[] states) {
    this.n = n;
    this.states = states;
  }

  public int size() {
    return n;
  }

  /** The transform states in chain order (live objects: changing them changes the chain's next step). */
  public TransformState[] states() {
    return states;
  }

  /** The first state of the given type, or null. */
  public <T> T find(Class<T> type) {
    for (TransformState s : states) {
      if (type.isInstance(s)) {
        return type.cast(s);
      }
    }
    return null;
  }

  public void write(DataOutput out) throws IOException {
    out.writeInt(n);
    out.writeInt(states.length);
    for (TransformState s : states) {
      StateIo.writeHeader(out, s.kind());
      s.write(out);
    }
  }

  /** Reads into this state; on an {@link IncompatibleStateException} some transform states may be partly read. */
  public void read(DataInput in) throws IOException {
    IncompatibleStateException.expect("parameter count", n, in.readInt());
    IncompatibleStateException.expect("number of transforms", states.length, in.readInt());
    for (TransformState s : states) {
      StateIo.readHeader(in, s.kind());
      s.read(in);
    }
  }
}
