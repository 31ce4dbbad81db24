package io.streamtrain.flink.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.junit.jupiter.api.Test;

class DataSerializerTest {
  /** A length-prefixed array of doubles: the shape of model state. */
  static final class Values extends DataSerializer<double[]> {
    private static final long serialVersionUID = 1L;

    @Override
    public double[] createInstance() {
      return new double[0];
    }

    @Override
    public void serialize(double[] v, DataOutputView out) throws IOException {
      out.writeInt(v.length);
      for (double d : v) {
        out.writeDouble(d);
      }
    }

    @Override
    public double[] deserialize(DataInputView in) throws IOException {
      double[] v = new double[in.readInt()];
      for (int i = 0; i < v.length; i++) {
        v[i] = in.readDouble();
      }
      return v;
    }

    @Override
    public TypeSerializerSnapshot<double[]> snapshotConfiguration() {
      throw new UnsupportedOperationException();
    }
  }

  static double[] ramp(int n, double start) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = start + i * 0.5;
    }
    return v;
  }

  @Test
  void copiesThroughTheKeptBufferAreEqualAndIndependentWhateverTheirSizes() {
    Values s = new Values();
    for (int n : new int[] {100_000, 3, 0, 70_000, 1}) { // a long copy, then shorter ones through the same buffer
      double[] from = ramp(n, n);
      double[] copy = s.copy(from);
      assertThat(copy).isNotSameAs(from).containsExactly(ramp(n, n));
      if (n > 0) {
        from[0] = -1;
        assertThat(copy).containsExactly(ramp(n, n)); // the copy does not share the source's array
      }
    }
  }

  @Test
  void threadsCopyingWithOneSerializerGetTheirOwnValues() throws Exception {
    Values s = new Values(); // duplicate() returns the same instance, so tasks may share it
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int n = 1_000 + t * 777;
        results.add(pool.submit(() -> {
          for (int i = 0; i < 200; i++) {
            if (!java.util.Arrays.equals(s.copy(ramp(n, i)), ramp(n, i))) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> r : results) {
        assertThat(r.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
