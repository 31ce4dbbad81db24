package io.streamtrain.replay;

import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.flink.replay.EvaluationRecords;
import io.streamtrain.local.LossChart;
import io.streamtrain.replay.ReplayReport.Rank;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link ReplayReport}'s charts: one PNG per cumulative and window metric ({@code <metric>.png}), the metric
 * against samples seen, one line per configuration (per configuration and model id when a run has several ids),
 * the baseline's last. Test figures exist only at the end, so they are in the JSON report and the table instead.
 */
final class ReportCharts {
  private ReportCharts() {}

  static List<Path> write(ReplayReport report, Path dir) throws IOException {
    List<EvaluationResult> results = report.outcome().results();
    boolean manyIds = results.stream().map(EvaluationResult::getModelId).distinct().count() > 1;
    List<Path> written = new ArrayList<>();
    for (String metric : report.metricNames()) {
      if (metric.startsWith("fading_") || metric.startsWith("test_")) {
        continue; // test figures exist only at the end: the JSON report and the table hold them
      }
      Map<String, List<double[]>> series = new LinkedHashMap<>();
      for (Rank r : report.rankingAndBaseline()) {
        for (EvaluationResult e : results) {
          if (!e.getConfigName().equals(r.config())) {
            continue;
          }
          String label = manyIds ? r.config() + " / " + e.getModelId() : r.config();
          series.computeIfAbsent(label, k -> new ArrayList<>())
              .add(new double[] {e.getSamples(), EvaluationRecords.metric(e, metric)});
        }
      }
      series.values().forEach(l -> l.sort(Comparator.comparingDouble(p -> p[0])));
      Path png = dir.resolve(metric + ".png");
      ReplaySpec spec = report.spec();
      LossChart.write(png, spec.name() + ": " + metric + " (" + spec.mode() + ")", metric, series, false);
      written.add(png);
    }
    return written;
  }
}
