package io.streamtrain.bench;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of the loss-spike guard per optimizer step on the model where its copies weigh most: logistic regression
 * over 30 hashed fields into 2^20 slots (1,048,577 parameters), Adam, batches of 256. Guard off; on with the
 * default copy cadence (a good state every 50 steps: parameters, Adam's two moment vectors and the schedule through
 * the versioned state format); and on with a copy every step (the worst case). The guard never fires here (factor
 * 1e9): what is measured is the bookkeeping a healthy run pays.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class GuardBench {
  static final int B = 256;

  @Param({"off", "every_50", "every_1"})
  public String guard;

  ModelTrainer trainer;
  TrainerState state;
  Batch[] batches;
  int next;

  @Setup(Level.Trial)
  public void setup() {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("model", Map.of("type", "logistic", "features", Map.of("hash_bits", 20), "init", "zeros"));
    spec.put("optimizer", Map.of("type", "adam", "lr", 1e-3));
    spec.put("batching", Map.of("batch_size", B, "shuffle_capacity", B));
    switch (guard) {
      case "off" -> { }
      case "every_50" -> spec.put("guard", Map.of("loss_spike_factor", 1e9, "good_state_every", 50));
      case "every_1" -> spec.put("guard", Map.of("loss_spike_factor", 1e9, "good_state_every", 1));
      default -> throw new IllegalArgumentException(guard);
    }
    trainer = new ModelTrainer(TrainingConfig.fromSpec(new SpecReader("", spec)));
    state = trainer.newState("bench");
    Random rnd = new Random(3);
    batches = new Batch[16];
    for (int b = 0; b < batches.length; b++) {
      batches[b] = trainer.model().newBatch(B);
      for (int i = 0; i < B; i++) {
        Example e = new Example();
        for (int f = 0; f < 30; f++) {
          e.addCategorical("f" + f, "v" + rnd.nextInt(1000));
        }
        e.setLabel(rnd.nextInt(2));
        batches[b].add(e);
      }
    }
  }

  @Benchmark
  public double step() {
    Batch b = batches[next++ & 15];
    return trainer.train(state, b).loss;
  }
}
