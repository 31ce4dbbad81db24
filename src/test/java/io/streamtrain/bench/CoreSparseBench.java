package io.streamtrain.bench;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.job.JobSpec;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The core's training step alone on a CSV of categorical columns (the comparison kit's sparse20): no Kafka, no
 * Flink. Reads the rows into examples first (not timed), then trains one pass in file order with the job spec's
 * first configuration and prints samples/s of the training loop and the progressive log loss (each batch's loss at
 * the parameters before its update, weighted by batch size). A scripted benchmark, not a test.
 *
 * <p>Arguments: {@code csv=PATH spec=jobs/X.yaml [label=y] [rows=N] [prehash=true] [dense=false] [spread=false]
 * [reps=3]}; {@code dense=true} reads the columns as dense numbers (dense50) instead of categorical values, and
 * {@code spread=true} multiplies dense column j by 1e-3, 1 or 1e3 (j mod 3), the scale-invariance check; with
 * {@code prehash} (the default) the named fields are hashed before the timed loop, as the job's source does
 * before the trainer thread sees them; {@code prehash=false} times the hashing in the loop too.
 */
public final class CoreSparseBench {
  private static final double[] SPREAD = {1e-3, 1.0, 1e3};

  private CoreSparseBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = BenchArgs.parse(args, Map.of("csv", "", "spec", "", "label", "y", "rows", "0", "prehash", "true",
        "dense", "false", "reps", "3", "spread", "false"));
    JobSpec spec = io.streamtrain.job.JobSpecFiles.load(Path.of(a.get("spec")));
    TrainingConfig cfg = spec.configs().get(0);
    List<Example> rows = read(Path.of(a.get("csv")), a.get("label"), Long.parseLong(a.get("rows")),
        Boolean.parseBoolean(a.get("dense")));
    if (Boolean.parseBoolean(a.get("spread"))) {
      for (Example e : rows) {
        double[] x = e.denseValues();
        for (int j = 0; j < e.denseLength(); j++) {
          x[j] *= SPREAD[j % 3];
        }
      }
    }
    if (Boolean.parseBoolean(a.get("prehash"))) {
      // As the training job does: the source hashes the named fields, the trainer thread gets slots and signs.
      var hasher = new io.streamtrain.core.feature.MurmurHash3.Utf8Hasher();
      for (Example e : rows) {
        e.hashNamedFields(cfg.model().features(), hasher);
      }
    }
    for (int rep = 0, reps = Integer.parseInt(a.get("reps")); rep < reps; rep++) {
      ModelTrainer t = new ModelTrainer(cfg).enableDiagnostics(spec.diagnostics(0));
      TrainerState s = t.newState("m");
      Batch b = t.batch();
      int bs = cfg.batching().batchSize();
      double lossSum = 0;
      long n = 0;
      long t0 = System.nanoTime();
      for (int i = 0; i < rows.size(); i += bs) {
        b.clear();
        int end = Math.min(rows.size(), i + bs);
        for (int j = i; j < end; j++) {
          b.add(rows.get(j));
        }
        ModelTrainer.StepResult r = t.train(s, b);
        lossSum += r.loss * b.size();
        n += b.size();
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf("path %s: %d samples in %.2f s = %.0f samples/s, progressive log loss %.5f%n",
          t.path().name(), n, secs, n / secs, lossSum / n);
    }
  }

  public static List<Example> read(Path csv, String label, long max) throws Exception {
    return read(csv, label, max, false);
  }

  /** The rows of {@code csv}; with {@code dense} every column but the label is a dense number, in column order. */
  public static List<Example> read(Path csv, String label, long max, boolean dense) throws Exception {
    List<Example> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(csv)) {
      String[] header = r.readLine().split(",");
      String line;
      while ((line = r.readLine()) != null && (max <= 0 || out.size() < max)) {
        String[] f = line.split(",");
        Example e = new Example();
        for (int i = 0; i < f.length; i++) {
          if (header[i].equals(label)) {
            e.setLabel(Double.parseDouble(f[i]));
          } else if (dense) {
            e.addDense(Double.parseDouble(f[i]));
          } else {
            e.addCategorical(header[i], f[i]);
          }
        }
        e.setWeight(1);
        out.add(e);
      }
    }
    return out;
  }
}
