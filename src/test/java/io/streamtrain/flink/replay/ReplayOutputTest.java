package io.streamtrain.flink.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/**
 * A final model travels back to the replay client in parts, each far below the collect sink's 2 MB default
 * result limit (a 2^18 + 1 parameter model in one piece is 2,097,226 bytes, just above it), and is put back
 * together bit for bit, also when it has no parameters.
 */
class ReplayOutputTest {
  static List<ReplayOutput> split(FinalModel m) {
    List<ReplayOutput> out = new ArrayList<>();
    ReplayOutput.split(m, new Collector<>() {
      @Override
      public void collect(ReplayOutput o) {
        out.add(o);
      }

      @Override
      public void close() {}
    });
    return out;
  }

  static FinalModel model(int n) {
    FinalModel m = new FinalModel();
    m.config = "adam";
    m.modelId = "m";
    m.steps = 12;
    m.samplesTrained = 384;
    m.rejected = 1;
    SplittableRandom r = new SplittableRandom(n);
    m.params = new double[n];
    for (int i = 0; i < n; i++) {
      m.params[i] = r.nextGaussian();
    }
    return m;
  }

  @Test
  void aBigFinalModelComesBackWholeThroughBoundedResults() throws Exception {
    FinalModel m = model((1 << 18) + 1);
    List<ReplayOutput> parts = split(m);
    assertThat(parts).hasSize(5);
    ReplayOutput.Serializer ser = new ReplayOutput.Serializer();
    ReplayOutput.FinalAssembler a = new ReplayOutput.FinalAssembler();
    FinalModel back = null;
    for (ReplayOutput p : parts) {
      DataOutputSerializer out = new DataOutputSerializer(1024);
      ser.serialize(p, out);
      assertThat(out.length()).isLessThan(600_000);
      FinalModel done = a.add(ser.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())));
      if (done != null) {
        back = done;
      }
    }
    assertThat(back).isNotNull();
    assertThat(back.params).isEqualTo(m.params);
    assertThat(back.steps).isEqualTo(12);
    assertThat(back.samplesTrained).isEqualTo(384);
    assertThat(back.rejected).isEqualTo(1);
    assertThat(a.incomplete()).isEmpty();
  }

  @Test
  void anEmptyModelIsOnePartAndAMissingPartLeavesTheModelIncomplete() {
    ReplayOutput.FinalAssembler a = new ReplayOutput.FinalAssembler();
    assertThat(a.add(split(model(0)).get(0)).params).isEmpty();
    List<ReplayOutput> parts = split(model(ReplayOutput.PART_PARAMETERS + 1));
    assertThat(a.add(parts.get(1))).isNull();
    assertThat(a.incomplete()).hasSize(1);
  }
}
