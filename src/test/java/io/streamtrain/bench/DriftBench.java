package io.streamtrain.bench;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.drift.DriftConfig;
import io.streamtrain.core.eval.DriftTrack;
import io.streamtrain.core.eval.LabelDelay;
import io.streamtrain.core.eval.Prequential;
import io.streamtrain.core.metric.MetricsSpec;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.flink.training.SampleDeserializer;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Drift detectors and reactions on streams with known change points, through the replay's prequential path
 * (core {@link Prequential} with {@link Prequential#withDrift}: the training job's batching, step and drift watch):
 * per detector the detected changes, mean detection delay and false alarms (a detection before the first change or
 * a second one for the same change), and the prequential error (1 - cumulative progressive accuracy) with each
 * reaction against the same configuration without drift detection. Deterministic: seeded generators, no clock.
 *
 * <pre>
 * mvn -o -q test-compile &amp;&amp; java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) \
 *   io.streamtrain.bench.DriftBench            # tables; -Dlr=0.02 for another Adam learning rate
 *   io.streamtrain.bench.DriftBench --csv DIR  # the two streams as CSV files for jobs/replay/drift-*.yaml
 * </pre>
 */
public final class DriftBench {
  private DriftBench() {}

  /** A generator stream with its change points (stream positions where a new concept starts). */
  public record Stream(String name, String generator, Map<String, Object> params, long seed, int n, int dims,
      long[] changes) {}

  public record Result(String stream, String config, double error, long[] detections, double[] score,
      long warnings) {}

  /** SEA: 4 concepts (thresholds 8, 9, 7, 9.5) cycling every 5,000 samples, 10% label noise, 40,000 samples. */
  public static Stream sea() {
    return new Stream("sea", "sea", Map.of("period", 5000, "noise", 0.1), 7, 40_000, 3, every(5000, 40_000));
  }

  /** Hyperplane in 10 dimensions, 5 weights change sign every 5,000 samples (speed 0), 5% noise, 40,000 samples. */
  public static Stream hyperplane() {
    return new Stream("hyperplane", "hyperplane", Map.of("dims", 10, "drift_attributes", 5, "speed", 0.0,
        "noise", 0.05, "jump_every", 5000), 11, 40_000, 10, every(5000, 40_000));
  }

  static long[] every(long period, long n) {
    long[] c = new long[(int) ((n - 1) / period)];
    for (int i = 0; i < c.length; i++) {
      c[i] = (i + 1) * period;
    }
    return c;
  }

  /** The training configuration the comparison uses: logistic regression, Adam, batches of 8, no shuffling. */
  public static TrainingConfig training(int dims) {
    return TrainingConfig.fromSpec(new SpecReader("", Map.of(
        "model", Map.of("type", "logistic", "features", Map.of("dense", dims)),
        "optimizer", Map.of("type", System.getProperty("optimizer", "adam"),
            "lr", Double.parseDouble(System.getProperty("lr", "0.05"))),
        "batching", Map.of("batch_size", 8, "shuffle_capacity", 8, "seed", 1))));
  }

  /** Test-then-train over the stream with {@code drift} (null: none). */
  public static Result run(Stream s, String name, Map<String, Object> drift) {
    DriftConfig dc = drift == null ? null : DriftConfig.fromSpec(new SpecReader("drift", drift));
    Prequential p = Prequential.prequential(name, "m", training(s.dims()), new MetricsSpec(1000, 0.999, 0.5,
        1_000_000), LabelDelay.NONE, null).withDrift(dc);
    SampleGenerator g = Generators.create(s.generator(), s.params(), s.seed());
    MutableSample ms = new MutableSample();
    Example e = new Example();
    for (int i = 0; i < s.n(); i++) {
      ms.clear();
      g.next(ms);
      ms.modelId = "m";
      SampleDeserializer.toExample(ms, e);
      p.accept(e);
    }
    p.finish();
    double error = 1.0 - p.evaluation().cumulative().accuracy();
    DriftTrack t = p.drift();
    long[] det = t == null ? new long[0] : t.detections();
    return new Result(s.name(), name, error, det, DriftTrack.score(det, s.changes()),
        t == null ? 0 : t.monitor().warnings);
  }

  static Map<String, Object> drift(Object detector, Object reaction) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("detector", detector);
    m.put("reaction", reaction);
    return m;
  }

  public static final List<String> DETECTORS = List.of("adwin", "page_hinkley", "ddm", "eddm");

  /** Writes the stream as CSV (x0..x(d-1), label) for the replay command's file source. */
  static void writeCsv(Stream s, java.nio.file.Path to) throws java.io.IOException {
    SampleGenerator g = Generators.create(s.generator(), s.params(), s.seed());
    MutableSample ms = new MutableSample();
    try (java.io.BufferedWriter w = java.nio.file.Files.newBufferedWriter(to)) {
      StringBuilder b = new StringBuilder();
      for (int j = 0; j < s.dims(); j++) {
        b.append('x').append(j).append(',');
      }
      w.write(b.append("label\n").toString());
      for (int i = 0; i < s.n(); i++) {
        ms.clear();
        g.next(ms);
        b.setLength(0);
        for (int j = 0; j < s.dims(); j++) {
          b.append(ms.dense[j]).append(',');
        }
        w.write(b.append((int) ms.label).append('\n').toString());
      }
    }
  }

  public static void main(String[] args) throws java.io.IOException {
    if (args.length == 2 && args[0].equals("--csv")) {
      java.nio.file.Path dir = java.nio.file.Path.of(args[1]);
      java.nio.file.Files.createDirectories(dir);
      writeCsv(sea(), dir.resolve("sea.csv"));
      writeCsv(hyperplane(), dir.resolve("hyperplane.csv"));
      return;
    }
    List<Object> reactions = List.of("none", "reset_optimizer",
        Map.of("type", "boost_lr", "factor", 5.0, "steps", 100));
    for (Stream s : System.getProperty("streams", "sea,hyperplane").contains("hyperplane")
        ? (System.getProperty("streams", "sea,hyperplane").contains("sea") ? List.of(sea(), hyperplane())
        : List.of(hyperplane())) : List.of(sea())) {
      Result base = run(s, "no drift watch", null);
      System.out.printf(Locale.ROOT, "%n%s (%d samples, changes every %d): without detection error %.4f%n",
          s.name(), s.n(), s.changes()[0], base.error());
      System.out.println("| detector | detected / changes | mean delay (samples) | false alarms | warnings |"
          + " error, none | error, reset_optimizer | error, boost_lr x5 for 100 steps | error, background |");
      System.out.println("|---|---|---|---|---|---|---|---|---|");
      Map<String, Object> rows = new LinkedHashMap<>();
      for (String d : DETECTORS) {
        rows.put(d, d);
        if (d.equals("adwin")) {
          rows.put("adwin, direction up", Map.of("type", "adwin", "direction", "up"));
        }
      }
      for (Map.Entry<String, Object> row : rows.entrySet()) {
        String d = row.getKey();
        Object spec = row.getValue();
        List<Result> rs = new ArrayList<>();
        for (Object r : reactions) {
          rs.add(run(s, d, drift(spec, r)));
        }
        Result none = rs.get(0);
        // the background reaction needs a warning zone (DDM, EDDM)
        boolean warns = d.equals("ddm") || d.equals("eddm");
        String bg = warns ? String.format(Locale.ROOT, "%.4f", run(s, d, drift(spec, "background")).error()) : "-";
        System.out.printf(Locale.ROOT, "| %s | %d / %d | %.0f | %d | %d | %.4f | %.4f | %.4f | %s |%n", d,
            (int) none.score()[0], s.changes().length, none.score()[1], (int) none.score()[2], none.warnings(),
            none.error(), rs.get(1).error(), rs.get(2).error(), bg);
      }
    }
  }
}
