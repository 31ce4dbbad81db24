package io.streamtrain.core.parallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.data.ExampleCodec;
import io.streamtrain.core.random.Xoshiro256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Held samples kept as bytes: every sample comes back as it was held, in offset order per partition, across
 * interleaved holds and polls (the buffer's front compacted along the way), state written and read at any point,
 * and the sample-by-sample form of format 1 read into it.
 */
class HeldSamplesTest {
  private static Example sample(Xoshiro256 g, int i) {
    Example e = new Example();
    e.setModelId("m");
    e.setEventTime(1_000L + i);
    e.setLabel(g.nextInt(2));
    e.setWeight(0.5 + g.nextDouble());
    int dense = g.nextInt(4);
    double[] d = e.ensureDenseCapacity(dense);
    for (int j = 0; j < dense; j++) {
      d[j] = g.nextGaussian();
    }
    e.setDenseLength(dense);
    int hashed = g.nextInt(30);
    for (int j = 0; j < hashed; j++) {
      e.addHashed(g.nextInt(1 << 18), g.nextGaussian(), 18);
    }
    return e;
  }

  private static byte[] bytes(Example e) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    ExampleCodec.INSTANCE.write(e, new DataOutputStream(b));
    return b.toByteArray();
  }

  private static HeldSamples restore(HeldSamples h, boolean asRecords, byte[] state) throws IOException {
    HeldSamples r = new HeldSamples(1, 2, h.owned());
    r.read(new DataInputStream(new ByteArrayInputStream(state)), asRecords);
    return r;
  }

  private static byte[] state(HeldSamples h) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    h.write(new DataOutputStream(b));
    return b.toByteArray();
  }

  @Test
  void givesBackEverySampleInOrderAcrossCompactionsAndRestores() throws IOException {
    Xoshiro256 g = new Xoshiro256(7);
    HeldSamples h = new HeldSamples(1, 2, 3); // worker 1 of 2 owns partitions 1, 3, 5
    assertThat(h.indexOf(5)).isEqualTo(2);
    assertThatThrownBy(() -> h.indexOf(4)).hasMessageContaining("partition 4 does not belong to worker 1 of 2");
    List<ArrayDeque<byte[]>> expected = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      expected.add(new ArrayDeque<>());
    }
    HeldSamples cur = h;
    Example out = new Example();
    out.setModelId("m");
    int polled = 0;
    for (int i = 0; i < 40_000; i++) {
      int idx = g.nextInt(3);
      if (g.nextInt(5) < 3) { // holds outnumber polls, so buffers grow past the compaction threshold
        Example e = sample(g, i);
        cur.hold(idx, e);
        expected.get(idx).add(bytes(e));
      } else if (!cur.isEmpty(idx)) {
        cur.poll(idx, out);
        cur.take(idx);
        assertThat(bytes(out)).isEqualTo(expected.get(idx).poll());
        polled++;
      } else {
        assertThat(expected.get(idx)).isEmpty();
      }
      if (i % 9_973 == 0) {
        long[] taken = {cur.taken(0), cur.taken(1), cur.taken(2)};
        cur = restore(cur, false, state(cur));
        assertThat(new long[] {cur.taken(0), cur.taken(1), cur.taken(2)}).containsExactly(taken);
      }
    }
    assertThat(polled).isGreaterThan(10_000);
    for (int idx = 0; idx < 3; idx++) {
      while (!cur.isEmpty(idx)) {
        cur.poll(idx, out);
        assertThat(bytes(out)).isEqualTo(expected.get(idx).poll());
      }
      assertThat(expected.get(idx)).isEmpty();
    }
    assertThat(cur.allEmpty()).isTrue();
  }

  @Test
  void readsTheSampleBySampleFormOfFormatOne() throws IOException {
    Xoshiro256 g = new Xoshiro256(11);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream o = new DataOutputStream(b);
    List<List<byte[]>> expected = List.of(new ArrayList<>(), new ArrayList<>());
    o.writeInt(2);
    for (int idx = 0; idx < 2; idx++) {
      o.writeLong(100 + idx);
      int k = 3 + idx;
      o.writeInt(k);
      for (int j = 0; j < k; j++) {
        Example e = sample(g, j);
        ExampleCodec.INSTANCE.write(e, o);
        expected.get(idx).add(bytes(e));
      }
    }
    HeldSamples h = restore(new HeldSamples(1, 2, 2), true, b.toByteArray());
    Example out = new Example();
    out.setModelId("m");
    for (int idx = 0; idx < 2; idx++) {
      assertThat(h.taken(idx)).isEqualTo(100 + idx);
      for (byte[] want : expected.get(idx)) {
        h.poll(idx, out);
        assertThat(bytes(out)).isEqualTo(want);
      }
      assertThat(h.isEmpty(idx)).isTrue();
    }
  }

  @Test
  void refusesAStateOfAnotherPartitionCount() throws IOException {
    byte[] s = state(new HeldSamples(0, 2, 3));
    assertThatThrownBy(() -> restore(new HeldSamples(1, 2, 2), false, s))
        .hasMessageContaining("worker state owns 3 partitions, this job gives worker 1 2");
  }
}
