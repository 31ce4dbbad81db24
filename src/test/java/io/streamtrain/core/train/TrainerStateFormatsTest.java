package io.streamtrain.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.diag.DiagnosticsConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Trainer state format 4 (named parts) against the format before it and against rearranged bytes. The fixture
 * {@code trainer-state/v3-rich-step17.bin} was written by the format-3 build (commit 4805fac) from this test's
 * {@link #trainer()} after 17 of {@link #data()}'s batches: an MLP with batch norm, dropout, AdamW, clipping and a
 * schedule, the loss guard holding a good copy and the diagnostics in the middle of a curvature probe. Read by this
 * build it is the state the uninterrupted run has at step 17, byte for byte once written again, and it continues to
 * the same parameters.
 */
class TrainerStateFormatsTest {
  static final Path V3 = Path.of("src/test/resources/trainer-state/v3-rich-step17.bin");
  /** Format 4 with the guard part's version 1 (positional), written by commit bb74a09 from the same run. */
  static final Path V4_GUARD1 = Path.of("src/test/resources/trainer-state/v4-guard1-step17.bin");
  static final int CUT = 17;

  static ModelTrainer trainer() {
    Map<String, Object> spec = new HashMap<>(TrainerStateTest.richSpec());
    spec.put("guard", Map.of("loss_spike_factor", 4, "min_excess", 0.2, "warmup_steps", 5, "good_state_every", 4));
    Map<String, Object> diag = Map.of("probe_warmup", 5, "reservoir", 32, "lanczos_steps", 6, "budget_share", 0.3,
        "noise_every", 3);
    return new ModelTrainer(TrainerStateTest.config(spec))
        .enableDiagnostics(DiagnosticsConfig.fromSpec(new SpecReader("d", diag)));
  }

  static List<List<Example>> data() {
    return TrainerStateTest.batches(40, 16, 3, 99);
  }

  static TrainerState read(ModelTrainer t, byte[] bytes) throws IOException {
    TrainerState s = t.newState("m");
    s.read(new DataInputStream(new ByteArrayInputStream(bytes)));
    return s;
  }

  @Test
  void aFormat3StateReadsAsTheStateItWasAndContinuesBitIdentically() throws IOException {
    byte[] v3 = Files.readAllBytes(V3);
    assertThat(v3[4]).isEqualTo((byte) 3);
    readsAsTheStateAtTheCutAndContinues(v3);
  }

  @Test
  void aFormat4StateWithThePositionalGuardReadsAsTheStateItWasAndContinuesBitIdentically() throws IOException {
    byte[] v4 = Files.readAllBytes(V4_GUARD1);
    assertThat(v4[4]).isEqualTo((byte) 4);
    Split split = Split.of(v4);
    int guard = split.indexOf(TrainerStateCodec.GUARD);
    assertThat(split.parts().get(guard)[2]).as("guard part version").isEqualTo((byte) 1);
    readsAsTheStateAtTheCutAndContinues(v4);
    // written again, the guard part is version 2 and every other part is byte for byte what it was
    Split again = Split.of(stateAtCut());
    assertThat(again.parts().get(again.indexOf(TrainerStateCodec.GUARD))[2]).isEqualTo((byte) GuardState.VERSION);
    for (int i = 0; i < split.parts().size(); i++) {
      if (i != guard) {
        assertThat(again.parts().get(i)).as("part %d", split.tag(i)).isEqualTo(split.parts().get(i));
      }
    }
  }

  @Test
  void theGuardsFieldsReadByNameAndAGoodCopyMissingAPartFails() throws IOException {
    TrainerState s = read(trainer(), stateAtCut());
    assertThat(s.guard.hasGood).isTrue();
    assertThat(s.guard.goodStep).isEqualTo(16); // good_state_every 4: the copy taken before step 17
    Split split = Split.of(stateAtCut());
    int guard = split.indexOf(TrainerStateCodec.GUARD);
    byte[] part = split.parts().get(guard);
    // the guard body's sub-parts: drop the last (the schedule's copy) and fix the lengths
    Split inner = Split.ofParts(java.util.Arrays.copyOfRange(part, 11, part.length));
    List<byte[]> four = new ArrayList<>(inner.parts().subList(0, 4));
    byte[] body = new Split(new byte[0], four).join();
    byte[] shorter = new byte[11 + body.length];
    System.arraycopy(part, 0, shorter, 0, 3);
    java.nio.ByteBuffer.wrap(shorter, 3, 8).putLong(body.length);
    System.arraycopy(body, 0, shorter, 11, body.length);
    List<byte[]> parts = new ArrayList<>(split.parts());
    parts.set(guard, shorter);
    byte[] bad = new Split(split.header(), parts).join();
    assertThatThrownBy(() -> read(trainer(), bad)).isInstanceOf(IOException.class)
        .hasMessageContaining("guard state has a good copy but not all of its parts (found [1, 2, 3, 4])");
  }

  private static void readsAsTheStateAtTheCutAndContinues(byte[] old) throws IOException {
    List<List<Example>> data = data();
    ModelTrainer a = trainer();
    TrainerState sa = a.newState("m");
    for (int i = 0; i < CUT; i++) {
      a.train(sa, data.get(i));
    }
    ModelTrainer b = trainer();
    TrainerState sb = read(b, old);
    assertThat(sb.diag.probeRunning()).isTrue();
    assertThat(sb.guard.hasGood).isTrue();
    byte[] written = TrainerStateTest.bytes(sb);
    assertThat(written[4]).isEqualTo((byte) TrainerState.FORMAT_VERSION);
    assertThat(written).isEqualTo(TrainerStateTest.bytes(sa));
    for (int i = CUT; i < data.size(); i++) {
      a.train(sa, data.get(i));
      b.train(sb, data.get(i));
    }
    assertThat(TrainerStateTest.bits(sb.params)).isEqualTo(TrainerStateTest.bits(sa.params));
    assertThat(TrainerStateTest.bytes(sb)).isEqualTo(TrainerStateTest.bytes(sa));
  }

  /** A format-4 state split into its header and parts (each part's bytes with its own header). */
  record Split(byte[] header, List<byte[]> parts) {
    static Split of(byte[] state) throws IOException {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
      in.readInt();
      in.readByte();
      in.readUTF();
      return parts(state, in);
    }

    /** A part body that is itself parts (the guard's), with an empty header. */
    static Split ofParts(byte[] body) throws IOException {
      return parts(body, new DataInputStream(new ByteArrayInputStream(body)));
    }

    private static Split parts(byte[] state, DataInputStream in) throws IOException {
      int headerLength = state.length - in.available();
      int n = in.readUnsignedShort();
      List<byte[]> parts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int start = state.length - in.available();
        in.readUnsignedShort();
        in.readUnsignedByte();
        long len = in.readLong();
        in.skipNBytes(len);
        parts.add(java.util.Arrays.copyOfRange(state, start, state.length - in.available()));
      }
      return new Split(java.util.Arrays.copyOf(state, headerLength), parts);
    }

    byte[] join() throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(header);
      new DataOutputStream(out).writeShort(parts.size());
      for (byte[] p : parts) {
        out.write(p);
      }
      return out.toByteArray();
    }

    int indexOf(int tag) {
      for (int i = 0; i < parts.size(); i++) {
        if (tag(i) == tag) {
          return i;
        }
      }
      throw new IllegalArgumentException("no part " + tag);
    }

    int tag(int i) {
      return ((parts.get(i)[0] & 0xFF) << 8) | (parts.get(i)[1] & 0xFF);
    }
  }

  static byte[] stateAtCut() throws IOException {
    ModelTrainer t = trainer();
    TrainerState s = t.newState("m");
    List<List<Example>> data = data();
    for (int i = 0; i < CUT; i++) {
      t.train(s, data.get(i));
    }
    return TrainerStateTest.bytes(s);
  }

  @Test
  void partsInAnotherOrderAndAnUnknownPartReadTheSameState() throws IOException {
    byte[] state = stateAtCut();
    Split split = Split.of(state);
    assertThat(split.parts()).hasSize(8);
    List<byte[]> reversed = new ArrayList<>(split.parts());
    Collections.reverse(reversed);
    // A part of a later build: tag 200, version 3, 5 bytes.
    reversed.add(3, new byte[] {0, (byte) 200, 3, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5});
    byte[] rearranged = new Split(split.header(), reversed).join();
    assertThat(TrainerStateTest.bytes(read(trainer(), rearranged))).isEqualTo(state);
  }

  @Test
  void aPartOfAnotherLengthOrVersionOrAMissingPartFailsWithItsName() throws IOException {
    byte[] state = stateAtCut();
    Split split = Split.of(state);
    int counters = -1;
    for (int i = 0; i < split.parts().size(); i++) {
      if (split.tag(i) == TrainerStateCodec.COUNTERS) {
        counters = i;
      }
    }
    byte[] part = split.parts().get(counters);
    // One byte more than its reader reads (the length says so, an extra byte follows).
    byte[] longer = java.util.Arrays.copyOf(part, part.length + 1);
    java.nio.ByteBuffer.wrap(longer, 3, 8).putLong(part.length - 11 + 1);
    List<byte[]> parts = new ArrayList<>(split.parts());
    parts.set(counters, longer);
    byte[] bad = new Split(split.header(), parts).join();
    assertThatThrownBy(() -> read(trainer(), bad)).isInstanceOf(IOException.class)
        .hasMessageContaining("part " + TrainerStateCodec.COUNTERS).hasMessageContaining("after its reader's end");
    byte[] newer = part.clone();
    newer[2] = 2;
    parts.set(counters, newer);
    byte[] future = new Split(split.header(), parts).join();
    assertThatThrownBy(() -> read(trainer(), future)).isInstanceOf(IOException.class)
        .hasMessageContaining("'counters' has version 2");
    parts.remove(counters);
    byte[] missing = new Split(split.header(), parts).join();
    assertThatThrownBy(() -> read(trainer(), missing)).isInstanceOf(IOException.class)
        .hasMessageContaining("no 'counters' part");
  }
}
