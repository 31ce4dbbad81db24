package io.streamtrain.bench;

import io.streamtrain.client.ModelClient;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpec;
import io.streamtrain.core.model.ModelSpecs;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Latency of one {@link ModelClient.Predictor#predict} (sample time: JMH reports p50, p90, p99 and the
 * allocation rate with -prof gc): a logistic model on 50 dense features, an MLP [50, 64, 32, 1] with batch norm (layers [64, 32, 1]),
 * and a hashed logistic model of 2^18 slots scoring 20 categorical fields (hashing included). Parameters are
 * random (initialized); a request is one of 1024 pre-built examples.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@Fork(1)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ModelClientBench {
  ModelClient.Predictor logistic;
  ModelClient.Predictor mlp;
  ModelClient.Predictor hashed;
  Example[] dense = new Example[1024];
  Example[] named = new Example[1024];
  double[] out = new double[1];
  int i;

  static ModelClient.Version version(String id, Map<String, Object> model) {
    ModelSpec spec = ModelSpecs.fromSpec(new SpecReader("model", model));
    Model m = spec.newModel(1);
    double[] params = new double[m.numParams()];
    m.init(params, 1);
    double[] buffers = new double[m.numBuffers()];
    m.initBuffers(buffers);
    return new ModelClient.Version(id, 1, 0, spec, model.toString(), params, buffers);
  }

  @Setup
  public void setup() {
    ModelClient c = ModelClient.of(
        version("logistic", Map.of("type", "logistic", "features", Map.of("dense", 50), "init", "normal")),
        version("mlp", Map.of("type", "mlp", "features", Map.of("dense", 50), "layers", List.of(50, 64, 32, 1),
            "activation", "relu", "batch_norm", true, "head", "logistic")),
        version("hashed", Map.of("type", "logistic", "features", Map.of("hash_bits", 18), "init", "normal")));
    logistic = c.predictor("logistic");
    mlp = c.predictor("mlp");
    hashed = c.predictor("hashed");
    SplittableRandom r = new SplittableRandom(3);
    for (int k = 0; k < dense.length; k++) {
      double[] x = new double[50];
      for (int j = 0; j < 50; j++) {
        x[j] = r.nextGaussian();
      }
      dense[k] = Example.dense(x, 0);
      Example e = new Example();
      for (int j = 0; j < 20; j++) {
        e.addCategorical("f" + j, "v" + r.nextInt(10_000));
      }
      named[k] = e;
    }
  }

  @Benchmark
  public double logistic50() {
    logistic.predict(dense[i++ & 1023], out);
    return out[0];
  }

  @Benchmark
  public double mlp50x64x32BatchNorm() {
    mlp.predict(dense[i++ & 1023], out);
    return out[0];
  }

  @Benchmark
  public double hashedLogistic20Fields() {
    hashed.predict(named[i++ & 1023], out);
    return out[0];
  }
}
