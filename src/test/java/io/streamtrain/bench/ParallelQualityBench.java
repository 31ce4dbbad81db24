package io.streamtrain.bench;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.parallel.InProcessRounds;
import io.streamtrain.core.parallel.LocalRounds;
import io.streamtrain.core.parallel.ParallelConfig;
import io.streamtrain.core.parallel.RoundStats;
import io.streamtrain.job.JobSpecFiles;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Progressive log loss of data-parallel training against the single trainer over the same rows (issue 13's
 * quality criterion), in one JVM with the core's workers, combiners and global model (no Kafka, no Flink: the
 * result is the job's, which is deterministic). Rows go to {@code partitions} partitions round robin, in file
 * order; N = 1 is one worker owning every partition in a single round: exactly the single trainer with its shuffle
 * buffer. A scripted benchmark, not a test.
 *
 * <p>Arguments: {@code csv=PATH spec=YAML [kind=dense|categorical] [partitions=4] [workers=1,2,4]
 * [rounds=1000,10000] [staleness=0,1] [rows=0] [merge=average|delta_sum|touched_average|sum_over_sqrt_n]}.
 */
public final class ParallelQualityBench {
  private ParallelQualityBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = BenchArgs.parse(args, Map.of("csv", "", "spec", "", "kind", "dense", "partitions", "4",
        "workers", "1,2,4", "rounds", "1000,10000", "staleness", "0,1", "rows", "0", "merge", "average"));
    var spec = JobSpecFiles.load(Path.of(a.get("spec")));
    @SuppressWarnings("unchecked")
    Map<String, Object> cfg = spec.configMap(0);
    boolean dense = a.get("kind").equals("dense");
    long max = Long.parseLong(a.get("rows"));
    List<Example> rows = dense ? readDense(Path.of(a.get("csv")), max)
        : CoreSparseBench.read(Path.of(a.get("csv")), "y", max);
    if (!dense) {
      var hasher = new io.streamtrain.core.feature.MurmurHash3.Utf8Hasher();
      for (Example e : rows) {
        e.hashNamedFields(spec.configs().get(0).model().features(), hasher);
      }
    }
    for (Example e : rows) {
      e.setModelId("m");
    }
    int partitions = Integer.parseInt(a.get("partitions"));
    double single = run(cfg, rows, 1, new ParallelConfig(2, rows.size(), 0, ParallelConfig.Merge.AVERAGE, 65_536),
        true);
    System.out.printf("N=1 (single trainer): progressive log loss %.5f over %d rows%n", single, rows.size());
    for (String w : a.get("workers").split(",")) {
      int workers = Integer.parseInt(w);
      if (workers == 1) {
        continue;
      }
      for (String h : a.get("rounds").split(",")) {
        for (String d : a.get("staleness").split(",")) {
          ParallelConfig par = new ParallelConfig(workers, Long.parseLong(h), Integer.parseInt(d),
              ParallelConfig.Merge.valueOf(a.get("merge").toUpperCase(java.util.Locale.ROOT)), 65_536);
          long t0 = System.nanoTime();
          double loss = run(cfg, rows, partitions, par, false);
          System.out.printf("N=%d H=%s D=%s " + a.get("merge") + ": progressive log loss %.5f (%+.2f%% of N=1) [%.1f s]%n", workers, h, d,
              loss, 100 * (loss / single - 1), (System.nanoTime() - t0) / 1e9);
        }
      }
    }
  }

  /** Progressive loss of one run; {@code single}: one worker owning one partition with everything in one round. */
  static double run(Map<String, Object> cfg, List<Example> rows, int partitions, ParallelConfig par,
      boolean single) {
    ParallelConfig p = single ? new ParallelConfig(1, rows.size(), 0, ParallelConfig.Merge.AVERAGE, 65_536) : par;
    InProcessRounds job = LocalRounds.of(p, single ? 1 : partitions, cfg, 1);
    for (int i = 0; i < rows.size(); i++) {
      job.sample(single ? 0 : i % partitions, rows.get(i));
    }
    job.endOfInput();
    double loss = 0;
    long n = 0;
    for (RoundStats s : job.applied()) {
      loss += s.lossSum();
      n += s.samples();
    }
    return loss / n;
  }

  static List<Example> readDense(Path csv, long max) throws Exception {
    List<Example> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(csv)) {
      String[] header = r.readLine().split(",");
      int label = List.of(header).indexOf("y");
      String line;
      while ((line = r.readLine()) != null && (max <= 0 || out.size() < max)) {
        String[] f = line.split(",");
        Example e = new Example();
        for (int i = 0; i < f.length; i++) {
          if (i == label) {
            e.setLabel(Double.parseDouble(f[i]));
          } else {
            e.addDense(Double.parseDouble(f[i]));
          }
        }
        out.add(e);
      }
    }
    return out;
  }
}
