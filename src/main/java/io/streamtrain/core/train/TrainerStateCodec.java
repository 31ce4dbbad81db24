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
 *   <li>{@code guard} (7): the loss-spike guard and its last good copy; {@code diagnostics} (8): the diagnostics'
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
    w.part(COUNTERS, 1, counters(s)::writeTo);
    w.part(REPORT, 1, report(s)::writeTo);
    w.part(SNAPSHOTS, 1, snapshots(s)::writeTo);
    w.part(GUARD, 1, s.guard::write);
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

  private static Fields.Writer counters(TrainerState s) {
    return new Fields.Writer()
        .putLong("step", s.step)
        .putLong("batches", s.batches)
        .putLong("samples_seen", s.samplesSeen)
        .putLong("skipped_batches", s.skippedBatches)
        .putLong("rejected_samples", s.rejectedSamples)
        .putDouble("loss_ema", s.lossEma)
        .putLong("loss_ema_count", s.lossEmaCount)
        .putLong("max_event_time", s.maxEventTime);
  }

  private static void readCounters(TrainerState s, Fields f) {
    s.step = f.getLong("step", s.step);
    s.batches = f.getLong("batches", s.batches);
    s.samplesSeen = f.getLong("samples_seen", s.samplesSeen);
    s.skippedBatches = f.getLong("skipped_batches", s.skippedBatches);
    s.rejectedSamples = f.getLong("rejected_samples", s.rejectedSamples);
    s.lossEma = f.getDouble("loss_ema", s.lossEma);
    s.lossEmaCount = f.getLong("loss_ema_count", s.lossEmaCount);
    s.maxEventTime = f.getLong("max_event_time", s.maxEventTime);
  }

  private static Fields.Writer report(TrainerState s) {
    ReportWindow w = s.interval;
    return new Fields.Writer()
        .putLong("interval_batches", w.batches)
        .putLong("interval_samples", w.samples)
        .putLong("interval_clipped", w.clipped)
        .putLong("interval_rejected", w.rejected)
        .putLong("interval_skipped", w.skipped)
        .putLong("interval_scored", w.scored)
        .putLong("interval_correct", w.correct)
        .putDouble("interval_loss_sum", w.lossSum)
        .putLong("interval_event_min", w.eventMin)
        .putLong("interval_event_max", w.eventMax)
        .putDouble("last_loss", s.lastLoss)
        .putDouble("last_grad_norm", s.lastGradNorm)
        .putDouble("last_grad_norm_clipped", s.lastGradNormClipped)
        .putDouble("last_lr", s.lastLr)
        .putDouble("last_update_ratio", s.lastUpdateRatio)
        .putDouble("last_param_norm", s.lastParamNorm);
  }

  private static void readReport(TrainerState s, Fields f) {
    ReportWindow w = s.interval;
    w.batches = f.getLong("interval_batches", w.batches);
    w.samples = f.getLong("interval_samples", w.samples);
    w.clipped = f.getLong("interval_clipped", w.clipped);
    w.rejected = f.getLong("interval_rejected", w.rejected);
    w.skipped = f.getLong("interval_skipped", w.skipped);
    w.scored = f.getLong("interval_scored", w.scored);
    w.correct = f.getLong("interval_correct", w.correct);
    w.lossSum = f.getDouble("interval_loss_sum", w.lossSum);
    w.eventMin = f.getLong("interval_event_min", w.eventMin);
    w.eventMax = f.getLong("interval_event_max", w.eventMax);
    s.lastLoss = f.getDouble("last_loss", s.lastLoss);
    s.lastGradNorm = f.getDouble("last_grad_norm", s.lastGradNorm);
    s.lastGradNormClipped = f.getDouble("last_grad_norm_clipped", s.lastGradNormClipped);
    s.lastLr = f.getDouble("last_lr", s.lastLr);
    s.lastUpdateRatio = f.getDouble("last_update_ratio", s.lastUpdateRatio);
    s.lastParamNorm = f.getDouble("last_param_norm", s.lastParamNorm);
  }

  private static Fields.Writer snapshots(TrainerState s) {
    return new Fields.Writer()
        .putLong("version", s.version)
        .putLong("last_snapshot_step", s.lastSnapshotStep)
        .putLong("last_snapshot_event_time", s.lastSnapshotEventTime);
  }

  private static void readSnapshots(TrainerState s, Fields f) {
    s.version = f.getLong("version", s.version);
    s.lastSnapshotStep = f.getLong("last_snapshot_step", s.lastSnapshotStep);
    s.lastSnapshotEventTime = f.getLong("last_snapshot_event_time", s.lastSnapshotEventTime);
  }

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
          readCounters(s, Fields.read(body));
        }
        case REPORT -> {
          PartReader.expectVersion("report", version, 1);
          readReport(s, Fields.read(body));
        }
        case SNAPSHOTS -> {
          PartReader.expectVersion("snapshots", version, 1);
          readSnapshots(s, Fields.read(body));
        }
        case GUARD -> {
          PartReader.expectVersion("guard", version, 1);
          s.guard.read(body, s.params.length, s.buffers.length);
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
      s.guard.read(in, s.params.length, s.buffers.length);
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
