package io.streamtrain.core.drift;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A change detector over a stream of values (a model's progressive errors, 1.0 wrong and 0.0 right, or its batch
 * losses), fed one value at a time in the data's order: after {@link #update} it says whether this value completed
 * a detected change ({@link #drift()}) and whether the detector is in its warning zone ({@link #warning()}).
 * Everything it carries is explicit state, written and read exactly ({@link #write}, {@link #read}): a detector
 * restored from its bytes continues as the one that never stopped. No clock, no randomness, no allocation per
 * value. Detectors that reset after a detection (Page-Hinkley, DDM, EDDM) do so at the next value, as River's do.
 */
public abstract class DriftDetector {
  /** Version of the state layout written by {@link #write} (common header, then the detector's body). */
  public static final int STATE_VERSION = 1;

  protected boolean drift;
  protected boolean warning;

  /** Feeds the next value of the stream. */
  public abstract void update(double x);

  /** The last value completed a detected change. */
  public final boolean drift() {
    return drift;
  }

  /** The detector is in its warning zone after the last value (never together with {@link #drift()}). */
  public final boolean warning() {
    return warning;
  }

  /** The detector's name in job specs and reports: adwin, page_hinkley, ddm, eddm. */
  public abstract String kind();

  /** It has a warning zone (DDM, EDDM); ADWIN and Page-Hinkley only detect. */
  public abstract boolean hasWarningZone();

  /** It takes only 0.0 / 1.0 (error indicators): DDM and EDDM. */
  public abstract boolean binaryInput();

  /** Forgets everything seen: the state of a new detector. */
  public abstract void reset();

  public final void write(DataOutput out) throws IOException {
    out.writeByte(STATE_VERSION);
    out.writeUTF(kind());
    out.writeBoolean(drift);
    out.writeBoolean(warning);
    writeBody(out);
  }

  /** Reads a state written by {@link #write} of a detector of the same kind into this one. */
  public final void read(DataInput in) throws IOException {
    int v = in.readByte();
    if (v != STATE_VERSION) {
      throw new IOException("unsupported drift detector state version " + v + "; this build reads " + STATE_VERSION);
    }
    String k = in.readUTF();
    if (!k.equals(kind())) {
      throw new IOException("drift detector state is of a " + k + " detector, expected " + kind());
    }
    drift = in.readBoolean();
    warning = in.readBoolean();
    readBody(in);
  }

  protected abstract void writeBody(DataOutput out) throws IOException;

  protected abstract void readBody(DataInput in) throws IOException;
}
