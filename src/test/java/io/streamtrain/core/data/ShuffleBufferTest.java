package io.streamtrain.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shuffle buffer's contract: draws are uniform (Pearson chi-square against the exact uniform expectation),
 * every sample added is drawn exactly once, and a buffer written in the middle of filling and read into a fresh
 * instance draws exactly what the original would have drawn.
 */
class ShuffleBufferTest {
  /** A one-long mutable sample: its id. */
  static final class Id {
    long v;
  }

  static final ShuffleBuffer.SlotCodec<Id> CODEC = new ShuffleBuffer.SlotCodec<>() {
    @Override
    public Id newSlot() {
      return new Id();
    }

    @Override
    public void copy(Id from, Id to) {
      to.v = from.v;
    }

    @Override
    public void write(Id sample, DataOutput out) throws IOException {
      out.writeLong(sample.v);
    }

    @Override
    public void read(DataInput in, Id into) throws IOException {
      into.v = in.readLong();
    }
  };

  static Id id(long v) {
    Id i = new Id();
    i.v = v;
    return i;
  }

  static List<Long> drawn(ShuffleBuffer<Id> b, int n) {
    int k = b.draw(n);
    List<Long> out = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      out.add(b.slot(b.size() + i).v);
    }
    return out;
  }

  /**
   * A full draw of K is a uniformly random permutation: the position of every sample in the draw order is uniform.
   * K x K table of (sample, position) counts; margins are fixed, so (K-1)^2 = 49 degrees of freedom, and
   * P(chi2 > 85.35) = 0.001.
   */
  @Test
  void fullDrawIsAUniformPermutation() {
    int k = 8;
    int trials = 16_000;
    ShuffleBuffer<Id> b = new ShuffleBuffer<>(k, 11, CODEC);
    long[][] counts = new long[k][k];
    Id scratch = new Id();
    for (int t = 0; t < trials; t++) {
      for (int i = 0; i < k; i++) {
        scratch.v = i;
        b.add(scratch);
      }
      assertThat(b.isFull()).isTrue();
      List<Long> order = drawn(b, k);
      assertThat(order).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
      for (int pos = 0; pos < k; pos++) {
        counts[order.get(pos).intValue()][pos]++;
      }
      assertThat(b.isEmpty()).isTrue();
    }
    double expected = (double) trials / k;
    double chi = 0;
    for (long[] row : counts) {
      for (long c : row) {
        chi += (c - expected) * (c - expected) / expected;
      }
    }
    assertThat(chi).isLessThan(85.35);
  }

  /**
   * A batch of B from K buffered samples contains each with probability B/K; 16 cells, and because a batch has
   * no repeats the counts vary less than multinomial ones, so the chi-square bound (15 df, 0.001: 37.70) is
   * conservative.
   */
  @Test
  void partialDrawPicksEachBufferedSampleWithEqualProbability() {
    int k = 16;
    int batch = 5;
    int trials = 20_000;
    ShuffleBuffer<Id> b = new ShuffleBuffer<>(k, 7, CODEC);
    long[] counts = new long[k];
    for (int t = 0; t < trials; t++) {
      for (int i = b.size(); i < k; i++) {
        b.add(id(i));
      }
      List<Long> got = drawn(b, batch);
      assertThat(got).hasSize(batch).doesNotHaveDuplicates();
      for (long v : got) {
        counts[(int) v]++;
      }
      drawn(b, b.size()); // empty it, so every trial starts from the same contents
    }
    double expected = (double) trials * batch / k;
    double chi = 0;
    for (long c : counts) {
      chi += (c - expected) * (c - expected) / expected;
    }
    assertThat(chi).isLessThan(37.70);
  }

  @Test
  void everySampleIsDrawnExactlyOnceAndOrderIsShuffled() {
    int k = 64;
    int batch = 16;
    int n = 10_000;
    ShuffleBuffer<Id> b = new ShuffleBuffer<>(k, 3, CODEC);
    List<Long> out = new ArrayList<>();
    Id s = new Id();
    for (long i = 0; i < n; i++) {
      s.v = i;
      b.add(s);
      if (b.isFull()) {
        List<Long> got = drawn(b, batch);
        assertThat(got).hasSize(batch);
        out.addAll(got);
      }
    }
    while (!b.isEmpty()) {
      out.addAll(drawn(b, batch));
    }
    assertThat(out).hasSize(n);
    boolean[] seen = new boolean[n];
    for (long v : out) {
      assertThat(seen[(int) v]).as("sample %d drawn twice", v).isFalse();
      seen[(int) v] = true;
    }
    // Not arrival order: a shuffle of 10^4 items that leaves more than a few in place would be broken.
    int inPlace = 0;
    for (int i = 0; i < n; i++) {
      if (out.get(i) == i) {
        inPlace++;
      }
    }
    assertThat(inPlace).isLessThan(n / 20);
    assertThat(b.draw(batch)).isZero();
  }

  @Test
  void writeAndReadInTheMiddleOfFillingContinuesIdentically() throws IOException {
    int k = 50;
    int batch = 8;
    int n = 2_000;
    List<Long> uninterrupted = run(new ShuffleBuffer<>(k, 42, CODEC), 0, n, batch);

    for (int cut : new int[] {1, 37, 50, 51, 333, 1999}) {
      ShuffleBuffer<Id> first = new ShuffleBuffer<>(k, 42, CODEC);
      List<Long> out = run(first, 0, cut, batch, false);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      first.write(new DataOutputStream(bytes));
      // A different seed in the new instance: the state read must replace it.
      ShuffleBuffer<Id> restored = new ShuffleBuffer<>(k, -1, CODEC);
      restored.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      assertThat(restored.size()).isEqualTo(first.size());
      assertThat(restored.rng()).isEqualTo(first.rng());
      out.addAll(run(restored, cut, n, batch));
      assertThat(out).as("cut at %d", cut).isEqualTo(uninterrupted);
    }
  }

  @Test
  void stateErrorsSayWhatIsWrong() throws IOException {
    ShuffleBuffer<Id> b = new ShuffleBuffer<>(10, 1, CODEC);
    b.add(id(1));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    b.write(new DataOutputStream(bytes));
    ShuffleBuffer<Id> other = new ShuffleBuffer<>(20, 1, CODEC);
    assertThatThrownBy(() -> other.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("capacity mismatch")
        .hasMessageContaining("10")
        .hasMessageContaining("20");
    byte[] bad = bytes.toByteArray();
    bad[0] = 9;
    assertThatThrownBy(() -> b.read(new DataInputStream(new ByteArrayInputStream(bad))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("version 9");
    assertThatThrownBy(() -> new ShuffleBuffer<>(0, 1, CODEC)).hasMessageContaining("capacity");
    ShuffleBuffer<Id> full = new ShuffleBuffer<>(1, 1, CODEC);
    full.add(id(0));
    assertThatThrownBy(() -> full.add(id(1))).isInstanceOf(IllegalStateException.class).hasMessageContaining("full");
  }

  static List<Long> run(ShuffleBuffer<Id> b, long from, long to, int batch) {
    return run(b, from, to, batch, true);
  }

  /** Feeds ids [from, to), drawing a batch whenever the buffer is full; flushes at the end when asked. */
  static List<Long> run(ShuffleBuffer<Id> b, long from, long to, int batch, boolean flush) {
    List<Long> out = new ArrayList<>();
    Id s = new Id();
    for (long i = from; i < to; i++) {
      s.v = i;
      b.add(s);
      if (b.isFull()) {
        out.addAll(drawn(b, batch));
      }
    }
    while (flush && !b.isEmpty()) {
      out.addAll(drawn(b, batch));
    }
    return out;
  }
}
