package io.streamtrain.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.random.Xoshiro256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A trainer state written after some steps and read into a fresh state of the same configuration continues
 * bit-identically: parameters, batch-norm buffers, optimizer moments, schedule position, dropout step and all
 * counters, and the bytes written at the end are the same bytes.
 */
class TrainerStateTest {
  static TrainingConfig config(Map<String, Object> spec) {
    return TrainingConfig.fromSpec(new SpecReader("", spec));
  }

  /** An MLP with everything that has state: batch norm buffers, dropout, AdamW moments, clipping, a schedule. */
  static Map<String, Object> richSpec() {
    return Map.of(
        "model", Map.of("type", "mlp", "layers", List.of(3, 8, 1), "activation", "tanh", "head", "logistic",
            "batch_norm", true, "dropout", 0.1, "seed", 5),
        "optimizer", Map.of("type", "adamw", "lr", 0.01, "weight_decay", 0.01, "amsgrad", true),
        "clip", Map.of("type", "norm", "max_norm", 0.5),
        "schedule", Map.of("type", "SequentialLR",
            "schedulers", List.of(Map.of("type", "LinearLR", "start_factor", 0.1, "total_iters", 5),
                Map.of("type", "CosineAnnealingLR", "T_max", 30)),
            "milestones", List.of(5)),
        "batching", Map.of("batch_size", 16));
  }

  /** Random batches of a noisy XOR-like problem, reproducible from the seed. */
  static List<List<Example>> batches(int count, int size, int dims, long seed) {
    Xoshiro256 g = new Xoshiro256(seed);
    List<List<Example>> out = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      List<Example> batch = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        double[] x = new double[dims];
        for (int j = 0; j < dims; j++) {
          x[j] = g.nextGaussian();
        }
        batch.add(Example.dense(x, x[0] * x[1] > 0 ? 1 : 0).setModelId("m"));
      }
      out.add(batch);
    }
    return out;
  }

  static byte[] bytes(TrainerState s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    s.write(new DataOutputStream(out));
    return out.toByteArray();
  }

  static long[] bits(double[] a) {
    long[] b = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = Double.doubleToRawLongBits(a[i]);
    }
    return b;
  }

  @Test
  void writtenMidRunAndReadContinuesBitIdentically() throws IOException {
    TrainingConfig cfg = config(richSpec());
    List<List<Example>> data = batches(40, 16, 3, 99);
    ModelTrainer a = new ModelTrainer(cfg);
    TrainerState sa = a.newState("m");
    int cut = 17;
    byte[] mid = null;
    for (int i = 0; i < data.size(); i++) {
      if (i == cut) {
        mid = bytes(sa);
      }
      a.train(sa, data.get(i));
    }
    // A new trainer (fresh scratch memory) and a fresh state whose initial values the read must overwrite.
    ModelTrainer b = new ModelTrainer(cfg);
    TrainerState sb = b.newState("m");
    sb.read(new DataInputStream(new ByteArrayInputStream(mid)));
    assertThat(sb.step).isEqualTo(cut);
    assertThat(bytes(sb)).isEqualTo(mid);
    for (int i = cut; i < data.size(); i++) {
      b.train(sb, data.get(i));
    }
    assertThat(bits(sb.params)).isEqualTo(bits(sa.params));
    assertThat(bits(sb.buffers)).isEqualTo(bits(sa.buffers));
    assertThat(sb.optimizer.lr()).isEqualTo(sa.optimizer.lr());
    assertThat(sb.smoothedLoss()).isEqualTo(sa.smoothedLoss());
    assertThat(bytes(sb)).isEqualTo(bytes(sa));
    // The run really moved: the learning rate followed the schedule and parameters left their initial values.
    assertThat(sa.step).isEqualTo(40);
    assertThat(bits(sa.params)).isNotEqualTo(bits(a.newState("m").params));
  }

  @Test
  void readRejectsAStateOfAnotherModelOrShape() throws IOException {
    TrainingConfig cfg = config(richSpec());
    ModelTrainer t = new ModelTrainer(cfg);
    byte[] state = bytes(t.newState("tenant-a"));
    assertThatThrownBy(() -> t.newState("tenant-b").read(new DataInputStream(new ByteArrayInputStream(state))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("tenant-a")
        .hasMessageContaining("tenant-b");
    Map<String, Object> wider = new java.util.HashMap<>(richSpec());
    wider.put("model", Map.of("type", "mlp", "layers", List.of(3, 9, 1), "activation", "tanh", "head", "logistic",
        "batch_norm", true, "dropout", 0.1, "seed", 5));
    ModelTrainer w = new ModelTrainer(config(wider));
    assertThatThrownBy(() -> w.newState("tenant-a").read(new DataInputStream(new ByteArrayInputStream(state))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("parameters");
    byte[] bad = state.clone();
    bad[0] = 0;
    assertThatThrownBy(() -> t.newState("tenant-a").read(new DataInputStream(new ByteArrayInputStream(bad))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a trainer state");
    byte[] future = state.clone();
    future[4] = (byte) (TrainerState.FORMAT_VERSION + 1);
    assertThatThrownBy(() -> t.newState("tenant-a").read(new DataInputStream(new ByteArrayInputStream(future))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("version " + (TrainerState.FORMAT_VERSION + 1));
  }
}
