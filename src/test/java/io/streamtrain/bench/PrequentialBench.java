package io.streamtrain.bench;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.eval.LabelDelay;
import io.streamtrain.core.eval.Prequential;
import io.streamtrain.core.metric.MetricsSpec;
import io.streamtrain.core.train.TrainingConfig;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Core prequential evaluation per sample (the replay job's work per key without Flink): predict, score into the
 * cumulative, window and fading metrics, shuffle-buffer and train with Adam (logistic regression, 10 dense
 * features, B=256, K=4096), a point every 10000 samples. Ops are samples.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class PrequentialBench {
  static final int N = 8192;

  @Param({"0", "100"})
  public int delay;

  private Prequential prequential;
  private Example[] samples;

  @Setup
  public void setup() {
    TrainingConfig cfg = TrainingConfig.fromSpec(new SpecReader("", Map.of(
        "model", Map.of("type", "logistic", "features", Map.of("dense", 10)),
        "optimizer", Map.of("type", "adam", "lr", 0.01),
        "batching", Map.of("batch_size", 256, "shuffle_capacity", 4096, "seed", 1))));
    prequential = Prequential.prequential("adam", "m", cfg, new MetricsSpec(1000, 0.999, 0.5, 10_000),
        new LabelDelay(delay, 0), p -> { });
    SplittableRandom r = new SplittableRandom(1);
    samples = new Example[N];
    for (int i = 0; i < N; i++) {
      double[] x = new double[10];
      double z = 0;
      for (int j = 0; j < 10; j++) {
        x[j] = r.nextGaussian();
        z += x[j] * (j % 2 == 0 ? 1 : -1);
      }
      samples[i] = Example.dense(x, z > 0 ? 1 : 0).setModelId("m").setEventTime(i);
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public Prequential accept() {
    for (Example e : samples) {
      prequential.accept(e);
    }
    return prequential;
  }
}
