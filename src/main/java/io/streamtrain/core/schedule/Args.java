package io.streamtrain.core.schedule;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.config.Validators;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Argument checks (the shared {@link Validators}) and state-header helpers of the schedules. Checks throw
 * {@link SpecException} keyed by the torch parameter name (e.g. {@code T_max}); {@link Schedules#fromSpec} re-keys
 * them with the spec path, so one check serves both the Java constructors and the spec files.
 */
final class Args {
  private Args() {}

  /** A finite number in the given interval (NaN and infinities rejected unless the interval is closed there). */
  static double range(String key, double v, double lo, boolean loOpen, double hi, boolean hiOpen) {
    return Validators.range(lo, loOpen, hi, hiOpen).check(key, v);
  }

  /** A finite number {@code >= lo}. */
  static double finiteAtLeast(String key, double v, double lo) {
    return Validators.atLeast(lo).check(key, v);
  }

  /** A finite number {@code > lo}. */
  static double finiteAbove(String key, double v, double lo) {
    return Validators.above(lo).check(key, v);
  }

  static long atLeast(String key, long v, long lo) {
    return Validators.longAtLeast(lo).check(key, v);
  }

  static void writeHeader(DataOutput out, String type) throws IOException {
    out.writeByte(LrScheduler.STATE_FORMAT_VERSION);
    out.writeUTF(type);
  }

  static void readHeader(DataInput in, String type) throws IOException {
    int version = in.readUnsignedByte();
    if (version != LrScheduler.STATE_FORMAT_VERSION) {
      throw new IOException(
          "schedule state format version " + version + " is not supported; this build reads version "
              + LrScheduler.STATE_FORMAT_VERSION);
    }
    String found = in.readUTF();
    if (!found.equals(type)) {
      throw new IOException("schedule state is for " + found + ", cannot restore it into " + type);
    }
  }
}
