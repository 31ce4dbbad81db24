package io.streamtrain.replay;

import io.streamtrain.core.metric.ConfusionMatrix;
import io.streamtrain.replay.ReplayReport.Rank;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link ReplayReport} for the terminal: the ranking as a fixed-width table with up to four headline figures
 * beside the ranking metric, the baseline below it with the configurations that beat it, and for a classifier the
 * per-class figures and confusion matrix of the best configuration.
 */
final class ReportTable {
  private ReportTable() {}

  static String of(ReplayReport report) {
    String rankBy = report.rankBy();
    List<Rank> ranking = report.ranking();
    Rank baseline = report.baseline();
    StringBuilder sb = new StringBuilder();
    List<String> cols = shownColumns(rankBy, report.metricNames());
    sb.append(String.format(Locale.ROOT, "%-4s %-24s %14s", "rank", "config", rankBy));
    cols.forEach(c -> sb.append(String.format(Locale.ROOT, " %" + Math.max(12, c.length()) + "s", c)));
    sb.append(String.format(Locale.ROOT, " %12s %10s %14s%n", "samples", "steps", "samples/s"));
    for (Rank r : report.rankingAndBaseline()) {
      sb.append(String.format(Locale.ROOT, "%-4s %-24s %14.6f", r == baseline ? "-" : String.valueOf(r.rank()),
          r.config(), r.value()));
      cols.forEach(c -> sb.append(String.format(Locale.ROOT, " %" + Math.max(12, c.length()) + ".6f",
          r.finals().getOrDefault(c, Double.NaN))));
      sb.append(String.format(Locale.ROOT, " %12d %10d %14.0f%n", r.samples(), r.steps(), r.samplesPerSecond()));
    }
    if (baseline != null) {
      List<String> beat = ranking.stream().filter(report::beatsBaseline).map(Rank::config).toList();
      sb.append(String.format(Locale.ROOT, "baseline: %s on %s; %d of %d configurations beat it%s%n",
          report.baselineKind(), rankBy, beat.size(), ranking.size(), beat.isEmpty() ? "" : " ("
              + String.join(", ", beat) + ")"));
    }
    if (!ranking.isEmpty()) {
      ConfusionMatrix cm = report.confusion(ranking.get(0).config());
      if (cm != null) {
        perClass(sb, report, ranking.get(0).config(), cm);
      }
    }
    return sb.toString();
  }

  /** Figures shown beside the ranking metric: the classifier's or regressor's headline figures. */
  private static List<String> shownColumns(String rankBy, List<String> metricNames) {
    String prefix = rankBy.startsWith("test_") ? "test_" : "";
    List<String> cols = new ArrayList<>();
    for (String m : List.of("log_loss", "mse", "accuracy", "macro_f1", "balanced_accuracy", "rmse", "mae")) {
      String name = prefix + m;
      if (!name.equals(rankBy) && metricNames.contains(name) && cols.size() < 4) {
        cols.add(name);
      }
    }
    return cols;
  }

  private static void perClass(StringBuilder sb, ReplayReport report, String config, ConfusionMatrix cm) {
    sb.append(String.format(Locale.ROOT, "per class (%s, %s):%n", config, report.confusionOf()));
    sb.append(String.format(Locale.ROOT, "  %-18s %10s %10s %10s %10s%n", "class", "precision", "recall", "f1",
        "support"));
    for (int c = 0; c < cm.classes(); c++) {
      String name = report.className(c);
      String label = name.isEmpty() ? Integer.toString(c) : c + " " + name;
      sb.append(String.format(Locale.ROOT, "  %-18s %10.4f %10.4f %10.4f %10d%n",
          label.length() > 18 ? label.substring(0, 18) : label, cm.precision(c), cm.recall(c), cm.f1(c),
          cm.support(c)));
    }
    sb.append(String.format(Locale.ROOT, "  macro-F1 %.4f, balanced accuracy %.4f; confusion (rows true, columns"
        + " predicted):%n", cm.macroF1(), cm.balancedAccuracy()));
    for (int i = 0; i < cm.classes(); i++) {
      sb.append("   ");
      for (int j = 0; j < cm.classes(); j++) {
        sb.append(String.format(Locale.ROOT, " %7d", cm.count(i, j)));
      }
      sb.append('\n');
    }
  }
}
