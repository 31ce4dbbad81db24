package io.streamtrain.core.schedule;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Argument checks and state-header helpers shared by the schedules. Checks throw {@link SpecException} keyed by
 * the torch parameter name (e.g. {@code T_max}); {@link Schedules#fromSpec} re-keys them with the spec path, so
 * one check serves both the Java constructors and the spec files.
 */
final class Args {
  private Args() {}

  /** A finite number in the given interval (NaN and infinities rejected unless the interval is closed there). */
  static double range(String key, double v, double lo, boolean loOpen, double hi, boolean hiOpen) {
    SpecReader.checkRange(key, v, lo, loOpen, hi, hiOpen);
    return v;
  }

  /** A finite number {@code >= lo}. */
  static double finiteAtLeast(String key, double v, double lo) {
    return range(key, v, lo, false, Double.POSITIVE_INFINITY, true);
  }

  /** A finite number {@code > lo}. */
  static double finiteAbove(String key, double v, double lo) {
    return range(key, v, lo, true, Double.POSITIVE_INFINITY, true);
  }

  static long atLeast(String key, long v, long lo) {
    if (v < lo) {
      throw new SpecException(key, v, "allowed: an integer >= " + lo);
    }
    return v;
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
