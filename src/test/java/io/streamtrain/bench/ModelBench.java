package io.streamtrain.bench;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpecs;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forward + backward throughput of the core models on batches of 256, reported per sample (ops/s = samples/s):
 * logistic regression on 100 dense features; logistic regression on 30 hashed categorical fields into 2^20
 * slots (with and without vectorizing the examples, i.e. hashing, into the batch); an MLP 100-64-64-1 (tanh,
 * logistic head). Run with {@code -prof gc} to see the allocation per batch (expected: 0 after warm-up).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ModelBench {
  static final int B = 256;

  Model logistic;
  Batch denseBatch;
  double[] pLogistic;
  double[] gLogistic;

  Model hashed;
  Batch hashedBatch;
  Example[] hashedExamples;
  double[] pHashed;
  double[] gHashed;

  Model mlp;
  Batch mlpBatch;
  double[] pMlp;
  double[] gMlp;

  @Setup(Level.Trial)
  public void setup() {
    Random rnd = new Random(1);
    logistic = ModelSpecs.fromSpec(new SpecReader("m", Map.of("type", "logistic", "features", Map.of("dense", 100))))
        .newModel(B);
    denseBatch = logistic.newBatch(B);
    double[] x = new double[100];
    for (int i = 0; i < B; i++) {
      for (int j = 0; j < 100; j++) {
        x[j] = rnd.nextGaussian();
      }
      denseBatch.addDense(x, 0, rnd.nextBoolean() ? 1 : 0, 1.0);
    }
    pLogistic = new double[logistic.numParams()];
    logistic.init(pLogistic, 1);
    gLogistic = new double[pLogistic.length];

    hashed = ModelSpecs.fromSpec(new SpecReader("m", Map.of("type", "logistic", "features", Map.of("hash_bits", 20))))
        .newModel(B);
    hashedBatch = hashed.newBatch(B);
    hashedExamples = new Example[B];
    for (int i = 0; i < B; i++) {
      Example e = new Example();
      for (int f = 0; f < 30; f++) {
        e.addCategorical("field" + f, "v" + rnd.nextInt(1000));
      }
      e.setLabel(rnd.nextBoolean() ? 1 : 0);
      hashedExamples[i] = e;
      hashedBatch.add(e);
    }
    pHashed = new double[hashed.numParams()];
    gHashed = new double[pHashed.length];

    mlp = ModelSpecs.fromSpec(new SpecReader("m", Map.of("type", "mlp", "layers", List.of(100, 64, 64, 1),
        "activation", "tanh", "head", "logistic"))).newModel(B);
    mlpBatch = mlp.newBatch(B);
    for (int i = 0; i < B; i++) {
      mlpBatch.addDense(denseBatch.dense(), i * 100, denseBatch.label(i), 1.0);
    }
    pMlp = new double[mlp.numParams()];
    mlp.init(pMlp, 1);
    gMlp = new double[pMlp.length];
  }

  @Benchmark
  @OperationsPerInvocation(B)
  public double logisticDense100() {
    return logistic.lossAndGradient(pLogistic, denseBatch, gLogistic);
  }

  @Benchmark
  @OperationsPerInvocation(B)
  public double logisticHashed30Fields2e20() {
    return hashed.lossAndGradient(pHashed, hashedBatch, gHashed);
  }

  @Benchmark
  @OperationsPerInvocation(B)
  public double logisticHashed30Fields2e20WithHashing() {
    hashedBatch.clear();
    for (Example e : hashedExamples) {
      hashedBatch.add(e);
    }
    return hashed.lossAndGradient(pHashed, hashedBatch, gHashed);
  }

  @Benchmark
  @OperationsPerInvocation(B)
  public double mlp100x64x64x1() {
    return mlp.lossAndGradient(pMlp, mlpBatch, gMlp);
  }
}
