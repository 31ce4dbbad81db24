package io.streamtrain.core.diag;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.optim.StateIo;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * The binary form of {@link DiagState}: in trainer state format 3 and later its own section with everything (scalars,
 * loss window, report interval, previous gradient, eigenvector, reservoir with its sampler, a probe in progress with
 * its Lanczos basis), so a copy or a restore continues bit for bit; in formats 1 and 2 the scalars that rode at the
 * end of the trainer's long and double blocks (the working state was not written then and starts empty).
 */
final class DiagStateCodec {
  /** 1: the first; 2: the saddle escape's stalled-step count and perturbations appended to the long block. */
  private static final int SECTION_VERSION = 2;
  private static final int STATES = DiagState.STATES;

  private DiagStateCodec() {}

  static void write(DiagState d, DataOutput out) throws IOException {
    out.writeByte(SECTION_VERSION);
    long[] longs = {d.batches, d.probes, d.saddleStreak, d.escapes, d.lastProbeStep, d.probeStartStep, d.windowSamples,
        d.lastEscapeStep, d.trainWork, d.probeWork, d.lossCount, d.lossPos, d.lastState.ordinal(), d.probeSamples, d.probeProducts,
        d.noiseBatch, d.cancelledProbeStep, d.noiseCount, d.stalledSteps, d.perturbations};
    out.writeShort(longs.length);
    for (long v : longs) {
      out.writeLong(v);
    }
    double[] doubles = {d.gradMean, d.gradVar, d.gradPeak, d.cosineMean, d.lambdaMax, d.lambdaMax2, d.lambdaMin, d.lambdaMin2,
        d.condition, d.lrLambdaMax, d.noiseScale, d.layerRatio, d.firstLayerGradNorm, d.lastLayerGradNorm, d.lossChange, d.lossSlope,
        d.noiseTraceEma, d.noiseG2Ema, d.lossWindowMean, d.probeCredit, d.curvatureCheck, d.escapeLossBefore, d.escapeLossAfter,
        d.prevSquaredNorm, d.lossChangeSe};
    out.writeShort(doubles.length);
    for (double v : doubles) {
      out.writeDouble(v);
    }
    writeArray(out, d.lossRing);
    out.writeShort(STATES);
    for (int o = 0; o < STATES; o++) {
      out.writeInt(d.intervalCounts[o]);
      out.writeLong(d.intervalLastSeen[o]);
      writeString(out, d.stateEvidence[o]);
    }
    out.writeByte(d.intervalWorst == null ? -1 : d.intervalWorst.ordinal());
    writeString(out, d.worstEvidence);
    writeString(out, d.lastEvidence);
    // Previous gradient: absent, dense, or (sparse path) its non-zero coordinates.
    if (d.prevGrad == null) {
      out.writeByte(0);
    } else if (d.prevIndex == null) {
      out.writeByte(1);
      writeArray(out, d.prevGrad);
    } else {
      out.writeByte(2);
      out.writeInt(d.prevGrad.length);
      out.writeInt(d.prevNnz);
      for (int k = 0; k < d.prevNnz; k++) {
        out.writeInt(d.prevIndex[k]);
        out.writeDouble(d.prevGrad[d.prevIndex[k]]);
      }
    }
    out.writeBoolean(d.minVector != null);
    if (d.minVector != null) {
      writeArray(out, d.minVector);
    }
    out.writeInt(d.reservoir == null ? -1 : d.reservoir.length);
    if (d.reservoir != null) {
      out.writeInt(d.reservoirSize);
      for (int i = 0; i < d.reservoirSize; i++) {
        d.reservoir[i].writeRow(out, 0);
      }
      d.reservoirRng.write(out);
    }
    out.writeBoolean(d.probeRunning);
    if (d.probeRunning) {
      writeArray(out, d.probeParams);
      out.writeInt(d.probeBatch.capacity());
      out.writeInt(d.probeBatch.size());
      for (int i = 0; i < d.probeBatch.size(); i++) {
        d.probeBatch.writeRow(out, i);
      }
      out.writeInt(d.lanczos.maxSteps());
      d.lanczos.write(out);
    }
  }

  static void read(DiagState d, DataInput in, FeatureSpace space, int n) throws IOException {
    int v = in.readByte();
    if (v < 1 || v > SECTION_VERSION) {
      throw new IOException("unsupported diagnostics state version " + v + "; this build reads 1 to " + SECTION_VERSION);
    }
    // Scalars are appended: a version 1 section has 18 longs, and the later ones start at zero.
    int nl = in.readUnsignedShort();
    long[] l = new long[Math.max(nl, 20)];
    for (int i = 0; i < nl; i++) {
      l[i] = in.readLong();
    }
    d.batches = l[0];
    d.probes = l[1];
    d.saddleStreak = l[2];
    d.escapes = l[3];
    d.lastProbeStep = l[4];
    d.probeStartStep = l[5];
    d.windowSamples = l[6];
    d.lastEscapeStep = l[7];
    d.trainWork = l[8];
    d.probeWork = l[9];
    d.lossCount = (int) l[10];
    d.lossPos = (int) l[11];
    d.lastState = stateOf((int) l[12]);
    d.probeSamples = (int) l[13];
    d.probeProducts = (int) l[14];
    d.noiseBatch = (int) l[15];
    d.cancelledProbeStep = l[16];
    d.noiseCount = l[17];
    d.stalledSteps = l[18];
    d.perturbations = l[19];
    int nd = in.readUnsignedShort();
    double[] dv = new double[Math.max(nd, 25)];
    for (int i = 0; i < nd; i++) {
      dv[i] = in.readDouble();
    }
    d.gradMean = dv[0];
    d.gradVar = dv[1];
    d.gradPeak = dv[2];
    d.cosineMean = dv[3];
    d.lambdaMax = dv[4];
    d.lambdaMax2 = dv[5];
    d.lambdaMin = dv[6];
    d.lambdaMin2 = dv[7];
    d.condition = dv[8];
    d.lrLambdaMax = dv[9];
    d.noiseScale = dv[10];
    d.layerRatio = dv[11];
    d.firstLayerGradNorm = dv[12];
    d.lastLayerGradNorm = dv[13];
    d.lossChange = dv[14];
    d.lossSlope = dv[15];
    d.noiseTraceEma = dv[16];
    d.noiseG2Ema = dv[17];
    d.lossWindowMean = dv[18];
    d.probeCredit = dv[19];
    d.curvatureCheck = dv[20];
    d.escapeLossBefore = dv[21];
    d.escapeLossAfter = dv[22];
    d.prevSquaredNorm = dv[23];
    d.lossChangeSe = dv[24];
    d.lossRing = readArray(in);
    int states = in.readUnsignedShort();
    d.resetInterval();
    for (int o = 0; o < states; o++) {
      int count = in.readInt();
      long seen = in.readLong();
      String ev = readString(in);
      if (o < STATES) {
        d.intervalCounts[o] = count;
        d.intervalLastSeen[o] = seen;
        d.stateEvidence[o] = ev;
      }
    }
    int worst = in.readByte();
    d.intervalWorst = worst < 0 ? null : stateOf(worst);
    d.worstEvidence = readString(in);
    String last = readString(in);
    d.lastEvidence = last == null ? "" : last;
    int mode = in.readByte();
    d.prevIndex = null;
    d.prevNnz = 0;
    if (mode == 0) {
      d.prevGrad = null;
    } else if (mode == 1) {
      d.prevGrad = readArray(in);
    } else {
      d.prevGrad = new double[in.readInt()];
      d.prevNnz = in.readInt();
      d.prevIndex = new int[Math.max(16, d.prevNnz)];
      for (int k = 0; k < d.prevNnz; k++) {
        d.prevIndex[k] = in.readInt();
        d.prevGrad[d.prevIndex[k]] = in.readDouble();
      }
    }
    d.minVector = in.readBoolean() ? readArray(in) : null;
    int cap = in.readInt();
    if (cap < 0) {
      d.reservoir = null;
      d.reservoirSize = 0;
    } else {
      d.reservoir = new Batch[cap];
      d.reservoirSize = in.readInt();
      for (int i = 0; i < d.reservoirSize; i++) {
        d.reservoir[i] = new Batch(space, 1);
        d.reservoir[i].readRow(in);
      }
      d.reservoirRng.read(in);
    }
    d.probeRunning = in.readBoolean();
    if (d.probeRunning) {
      d.probeParams = readArray(in);
      int pcap = in.readInt();
      int rows = in.readInt();
      d.probeBatch = new Batch(space, Math.max(1, pcap));
      for (int i = 0; i < rows; i++) {
        d.probeBatch.readRow(in);
      }
      int maxSteps = in.readInt();
      d.lanczos = new Lanczos(n, maxSteps);
      d.lanczos.read(in);
    }
    d.events.clear();
  }

  private static TrainingState stateOf(int ordinal) {
    TrainingState[] all = TrainingState.values();
    return all[Math.max(0, Math.min(ordinal, all.length - 1))];
  }

  private static void writeArray(DataOutput out, double[] a) throws IOException {
    out.writeInt(a.length);
    StateIo.writeValues(out, a);
  }

  private static double[] readArray(DataInput in) throws IOException {
    int len = in.readInt();
    if (len < 0) {
      throw new IOException("diagnostics state: array of length " + len);
    }
    double[] a = new double[len];
    StateIo.readValues(in, a);
    return a;
  }

  private static void writeString(DataOutput out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  private static String readString(DataInput in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Trainer state formats 1 and 2: the scalars rode at the end of the trainer's long and double blocks, and the
  // working state (s.reservoir, previous gradient, probe direction, timings) was not written.

  /** Format 1 and 2 long block: s.batches, s.probes, skipped s.probes, saddle streak, s.escapes, probe step, window
   * samples, state ordinal, loss count, loss position, loss window length, escape step. */
  static void readLegacyLongs(DiagState s, long[] v, int n) {
    s.batches = n > 0 ? v[0] : 0;
    s.probes = n > 1 ? v[1] : 0;
    s.saddleStreak = 0;
    s.escapes = n > 4 ? v[4] : 0;
    s.perturbations = 0;
    s.stalledSteps = 0;
    s.lastProbeStep = n > 5 ? v[5] : -1;
    s.probeStartStep = s.lastProbeStep;
    s.windowSamples = 0; // the s.reservoir was not checkpointed: a restored window starts empty
    s.lastState = stateOf(n > 7 ? (int) v[7] : 0);
    s.lastEvidence = "";
    s.lastEscapeStep = n > 11 ? v[11] : -1;
    int ringLen = n > 10 ? (int) v[10] : 0;
    s.lossRing = new double[ringLen];
    s.lossCount = n > 8 ? (int) Math.min(v[8], ringLen) : 0;
    s.lossPos = n > 9 && ringLen > 0 ? (int) (v[9] % ringLen) : 0;
  }

  /** Number of fixed doubles before the loss window in the format 1 and 2 double block. */
  public static final int LEGACY_FIXED_DOUBLES = 19;

  /** Format 1 and 2 double block: the 19 scalars of {@link #write}'s double block, then the loss window. */
  static void readLegacyDoubles(DiagState s, double[] v, int n) {
    double[] d = Arrays.copyOf(v, Math.max(n, LEGACY_FIXED_DOUBLES));
    for (int i = n; i < LEGACY_FIXED_DOUBLES; i++) {
      d[i] = Double.NaN;
    }
    s.gradMean = n > 0 ? d[0] : 0;
    s.gradVar = n > 1 ? d[1] : 0;
    s.gradPeak = n > 2 ? d[2] : 0;
    s.cosineMean = d[3];
    s.lambdaMax = d[4];
    s.lambdaMax2 = d[5];
    s.lambdaMin = d[6];
    s.lambdaMin2 = d[7];
    s.condition = d[8];
    s.lrLambdaMax = d[9];
    s.noiseScale = d[10];
    s.layerRatio = d[11];
    s.firstLayerGradNorm = d[12];
    s.lastLayerGradNorm = d[13];
    s.lossChange = d[14];
    s.lossSlope = d[15];
    s.noiseTraceEma = d[16];
    s.noiseG2Ema = d[17];
    s.lossWindowMean = d[18];
    for (int i = 0; i < s.lossRing.length; i++) {
      s.lossRing[i] = LEGACY_FIXED_DOUBLES + i < n ? d[LEGACY_FIXED_DOUBLES + i] : 0.0;
    }
  }
}
