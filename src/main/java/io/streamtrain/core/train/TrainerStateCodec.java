package io.streamtrain.core.train;

import io.streamtrain.core.optim.StateIo;
import io.streamtrain.core.state.Fields;
import io.streamtrain.core.state.PartReader;
import io.streamtrain.core.state.PartWriter;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.Set;

/**
 * The binary form of a {@link TrainerState}. A header (magic, format version, model id), then in format 4 the
 * state as named parts ({@link PartWriter}: tag, version, length, body), each read by its own codec:
 *
 * <ul>
 *   <li>{@code model} (tag 1): parameters and buffers, each a length and the raw doubles in bulk;
 *   <li>{@code optimizer} (2) and {@code schedule} (3, only with a scheduler): their own versioned state;
 *   <li>{@code counters} (4), {@code report} (5: the metrics interval and the last step's figures) and
 *       {@code snapshots} (6: version and cadence marks): named scalars ({@link Fields});
 *   <li>{@code guard} (7, version 2): the loss-spike guard's named scalars and its last good copy as sub-parts
 *       ({@link GuardState#write}; version 1, positional, still reads); {@code diagnostics} (8): the diagnostics'
 *       own section ({@link io.streamtrain.core.diag.DiagState#write}).
 * </ul>
 *
 * A reader skips parts it does not know and reads scalars by name, so a field or part added, moved or dropped
 * never shifts another's value. Formats 1 to 3 (positional long and double blocks, then the guard's and, in 3, the
 * diagnostics' sections) still read, into exactly the state their writers had.
 */
final class TrainerStateCodec {
  static final int MAGIC = 0x53545453; // "STTS"
  static final int FORMAT_VERSION = 4;
  /** Part tags: stable numbers, never reused for another part. */
  static final int MODEL = 1;
  static final int OPTIMIZER = 2;
  static final int SCHEDULE = 3;
  static final int COUNTERS = 4;
  static final int REPORT = 5;
  static final int SNAPSHOTS = 6;
  static final int GUARD = 7;
  static final int DIAGNOSTICS = 8;
  /** Values of the long and double blocks of formats 1 to 3 before the diagnostics' (format 1 as released). */
  private static final int BASE_LONGS = 19;
  private static final int BASE_DOUBLES = 6;

  private TrainerStateCodec() {}

  static void write(TrainerState s, DataOutput out) throws IOException {
    out.writeInt(MAGIC);
    out.writeByte(FORMAT_VERSION);
    out.writeUTF(s.modelId);
    PartWriter w = new PartWriter(out, s.scheduler != null ? 8 : 7);
    w.part(MODEL, 1, o -> {
      writeDoubles(o, s.params);
      writeDoubles(o, s.buffers);
    });
    w.part(OPTIMIZER, 1, s.optimizer::writeState);
    if (s.scheduler != null) {
      w.part(SCHEDULE, 1, s.scheduler::writeState);
    }
    w.part(COUNTERS, 1, o -> COUNTER_FIELDS.write(o, s));
    w.part(REPORT, 1, o -> REPORT_FIELDS.write(o, s));
    w.part(SNAPSHOTS, 1, o -> SNAPSHOT_FIELDS.write(o, s));
    w.part(GUARD, GuardState.VERSION, s.guard::write);
    w.part(DIAGNOSTICS, 1, s.diag::write);
    w.finish();
  }

  static void read(TrainerState s, DataInput in) throws IOException {
    int magic = in.readInt();
    if (magic != MAGIC) {
      throw new IOException("not a trainer state (magic " + Integer.toHexString(magic) + ")");
    }
    int version = in.readByte();
    if (version < 1 || version > FORMAT_VERSION) {
      throw new IOException(
          "unsupported trainer state version " + version + "; this build reads 1 to " + FORMAT_VERSION);
    }
    String id = in.readUTF();
    if (!id.equals(s.modelId)) {
      throw new IOException("trainer state is for model '" + id + "', expected '" + s.modelId + "'");
    }
    if (version >= 4) {
      readParts(s, in);
    } else {
      readPositional(s, in, version);
    }
  }

  private static final Fields<TrainerState> COUNTER_FIELDS = new Fields<>(
      Fields.ofLong("step", s -> s.step, (s, v) -> s.step = v),
      Fields.ofLong("batches", s -> s.batches, (s, v) -> s.batches = v),
      Fields.ofLong("samples_seen", s -> s.samplesSeen, (s, v) -> s.samplesSeen = v),
      Fields.ofLong("skipped_batches", s -> s.skippedBatches, (s, v) -> s.skippedBatches = v),
      Fields.ofLong("rejected_samples", s -> s.rejectedSamples, (s, v) -> s.rejectedSamples = v),
      Fields.ofDouble("loss_ema", s -> s.lossEma, (s, v) -> s.lossEma = v),
      Fields.ofLong("loss_ema_count", s -> s.lossEmaCount, (s, v) -> s.lossEmaCount = v),
      Fields.ofLong("max_event_time", s -> s.maxEventTime, (s, v) -> s.maxEventTime = v));

  private static final Fields<TrainerState> REPORT_FIELDS = new Fields<>(
      Fields.ofLong("interval_batches", s -> s.interval.batches, (s, v) -> s.interval.batches = v),
      Fields.ofLong("interval_samples", s -> s.interval.samples, (s, v) -> s.interval.samples = v),
      Fields.ofLong("interval_clipped", s -> s.interval.clipped, (s, v) -> s.interval.clipped = v),
      Fields.ofLong("interval_rejected", s -> s.interval.rejected, (s, v) -> s.interval.rejected = v),
      Fields.ofLong("interval_skipped", s -> s.interval.skipped, (s, v) -> s.interval.skipped = v),
      Fields.ofLong("interval_scored", s -> s.interval.scored, (s, v) -> s.interval.scored = v),
      Fields.ofLong("interval_correct", s -> s.interval.correct, (s, v) -> s.interval.correct = v),
      Fields.ofDouble("interval_loss_sum", s -> s.interval.lossSum, (s, v) -> s.interval.lossSum = v),
      Fields.ofLong("interval_event_min", s -> s.interval.eventMin, (s, v) -> s.interval.eventMin = v),
      Fields.ofLong("interval_event_max", s -> s.interval.eventMax, (s, v) -> s.interval.eventMax = v),
      Fields.ofDouble("last_loss", s -> s.lastLoss, (s, v) -> s.lastLoss = v),
      Fields.ofDouble("last_grad_norm", s -> s.lastGradNorm, (s, v) -> s.lastGradNorm = v),
      Fields.ofDouble("last_grad_norm_clipped", s -> s.lastGradNormClipped, (s, v) -> s.lastGradNormClipped = v),
      Fields.ofDouble("last_lr", s -> s.lastLr, (s, v) -> s.lastLr = v),
      Fields.ofDouble("last_update_ratio", s -> s.lastUpdateRatio, (s, v) -> s.lastUpdateRatio = v),
      Fields.ofDouble("last_param_norm", s -> s.lastParamNorm, (s, v) -> s.lastParamNorm = v));

  private static final Fields<TrainerState> SNAPSHOT_FIELDS = new Fields<>(
      Fields.ofLong("version", s -> s.version, (s, v) -> s.version = v),
      Fields.ofLong("last_snapshot_step", s -> s.lastSnapshotStep, (s, v) -> s.lastSnapshotStep = v),
      Fields.ofLong("last_snapshot_event_time", s -> s.lastSnapshotEventTime, (s, v) -> s.lastSnapshotEventTime = v));

  /** Format 4: the parts in any order; unknown ones skipped; model, optimizer and counters required. */
  private static void readParts(TrainerState s, DataInput in) throws IOException {
    Set<Integer> found = PartReader.read(in, (tag, version, body) -> {
      switch (tag) {
        case MODEL -> {
          PartReader.expectVersion("model", version, 1);
          readDoubles(body, s.params, "parameters");
          readDoubles(body, s.buffers, "buffers");
        }
        case OPTIMIZER -> {
          PartReader.expectVersion("optimizer", version, 1);
          s.optimizer.readState(body);
        }
        case SCHEDULE -> {
          PartReader.expectVersion("schedule", version, 1);
          if (s.scheduler == null) {
            throw new IOException("trainer state has schedule, configuration has no schedule");
          }
          s.scheduler.readState(body);
        }
        case COUNTERS -> {
          PartReader.expectVersion("counters", version, 1);
          COUNTER_FIELDS.read(body, s);
        }
        case REPORT -> {
          PartReader.expectVersion("report", version, 1);
          REPORT_FIELDS.read(body, s);
        }
        case SNAPSHOTS -> {
          PartReader.expectVersion("snapshots", version, 1);
          SNAPSHOT_FIELDS.read(body, s);
        }
        case GUARD -> {
          PartReader.expectVersion("guard", version, GuardState.VERSION);
          s.guard.read(body, version, s.params.length, s.buffers.length);
        }
        case DIAGNOSTICS -> {
          PartReader.expectVersion("diagnostics", version, 1);
          s.diag.read(body, s.space, s.params.length);
        }
        default -> {
          return false;
        }
      }
      return true;
    });
    require(found, MODEL, "model");
    require(found, OPTIMIZER, "optimizer");
    require(found, COUNTERS, "counters");
    if (s.scheduler != null) {
      require(found, SCHEDULE, "schedule");
    }
    if (!found.contains(GUARD)) {
      s.guard.clear();
    }
  }

  private static void require(Set<Integer> found, int tag, String name) throws IOException {
    if (!found.contains(tag)) {
      if (tag == SCHEDULE) {
        throw new IOException("trainer state has no schedule, configuration has schedule");
      }
      throw new IOException("trainer state has no '" + name + "' part (tag " + tag + ")");
    }
  }

  /** Formats 1 to 3: positional blocks after the optimizer and schedule, then the guard (2) and diagnostics (3). */
  private static void readPositional(TrainerState s, DataInput in, int version) throws IOException {
    readDoubles(in, s.params, "parameters");
    readDoubles(in, s.buffers, "buffers");
    s.optimizer.readState(in);
    boolean hasSched = in.readBoolean();
    if (hasSched != (s.scheduler != null)) {
      throw new IOException("trainer state " + (hasSched ? "has" : "has no") + " schedule, configuration "
          + (s.scheduler != null ? "has" : "has no") + " schedule");
    }
    if (s.scheduler != null) {
      s.scheduler.readState(in);
    }
    int n = in.readUnsignedShort();
    long[] longs = new long[Math.max(n, BASE_LONGS)];
    for (int i = 0; i < n; i++) {
      longs[i] = in.readLong();
    }
    ReportWindow w = s.interval;
    s.step = longs[0];
    s.batches = longs[1];
    s.samplesSeen = longs[2];
    s.skippedBatches = longs[3];
    s.rejectedSamples = longs[4];
    s.version = longs[5];
    s.lossEmaCount = longs[6];
    w.batches = longs[7];
    w.samples = longs[8];
    w.clipped = longs[9];
    w.rejected = longs[10];
    w.skipped = longs[11];
    w.eventMin = longs[12];
    w.eventMax = longs[13];
    s.maxEventTime = longs[14];
    s.lastSnapshotStep = longs[15];
    s.lastSnapshotEventTime = longs[16];
    w.scored = longs[17];
    w.correct = longs[18];
    s.lossEma = in.readDouble();
    w.lossSum = in.readDouble();
    int m = in.readUnsignedShort();
    double[] last = new double[Math.max(m, BASE_DOUBLES)];
    Arrays.fill(last, Double.NaN);
    for (int i = 0; i < m; i++) {
      last[i] = in.readDouble();
    }
    if (version < 3) {
      int diagLongCount = Math.max(0, n - BASE_LONGS);
      s.diag.readLegacyLongs(Arrays.copyOfRange(longs, BASE_LONGS, BASE_LONGS + diagLongCount), diagLongCount);
      int diagDoubleCount = Math.max(0, m - BASE_DOUBLES);
      s.diag.readLegacyDoubles(Arrays.copyOfRange(last, BASE_DOUBLES, BASE_DOUBLES + diagDoubleCount),
          diagDoubleCount);
    }
    s.lastLoss = last[0];
    s.lastGradNorm = last[1];
    s.lastGradNormClipped = last[2];
    s.lastLr = last[3];
    s.lastUpdateRatio = last[4];
    s.lastParamNorm = last[5];
    if (version >= 2) {
      s.guard.read(in, 1, s.params.length, s.buffers.length);
    } else {
      s.guard.clear();
    }
    if (version >= 3) {
      s.diag.read(in, s.space, s.params.length);
    }
  }

  /** A length and the raw doubles, written in bulk ({@link StateIo#writeValues}). */
  static void writeDoubles(DataOutput out, double[] a) throws IOException {
    out.writeInt(a.length);
    StateIo.writeValues(out, a);
  }

  static void readDoubles(DataInput in, double[] into, String what) throws IOException {
    int n = in.readInt();
    if (n != into.length) {
      throw new IOException(what + ": state has " + n + " values, the model has " + into.length);
    }
    StateIo.readValues(in, into);
  }
}
