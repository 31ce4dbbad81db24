package io.streamtrain.cli;

import io.streamtrain.io.KafkaSettings;
import io.streamtrain.replay.ReplayOutcome;
import io.streamtrain.replay.ReplayReport;
import io.streamtrain.replay.ReplayRunner;
import io.streamtrain.replay.ReplaySpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code streamtrain replay jobs/R.yaml}: validates the replay spec, runs the bounded replay job (prequential
 * comparison of several training configurations, or holdout scoring of a published model or of a model in a
 * training job's savepoint) in an embedded Flink
 * MiniCluster over a recorded topic range or a file, then writes the JSON report and PNG charts and prints the
 * ranking table. Evaluation records go to the spec's evaluation topic when one is set.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay a recorded topic range or a file: compare training configurations (prequential) or "
        + "score a published model or a savepoint's (holdout); JSON report, PNG charts, ranking table.")
public final class ReplayCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SPEC", description = "Replay spec (YAML), e.g. jobs/replay/breast-cancer-file.yaml")
  Path specFile;


  @Mixin KafkaOptions kafkaOptions;

  @Option(names = "--report", description = "JSON report path (overrides output.report)")
  Path report;

  @Option(names = "--charts", description = "Chart directory (overrides output.charts)")
  Path charts;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() throws Exception {
    java.io.PrintWriter out = command.commandLine().getOut();
    java.io.PrintWriter err = command.commandLine().getErr();
    ReplaySpec spec = ReplaySpec.load(specFile);
    boolean needsKafka = spec.source().topic() != null || spec.outputTopic() != null
        || (spec.holdoutMode() && spec.holdout().topic() != null)
        || (!spec.holdoutMode() && spec.configs().stream().anyMatch(c -> c.job().warmStart() != null));
    KafkaSettings kafka = needsKafka ? kafkaOptions.settings() : null;
    if (kafka != null) {
      BrokerCheck.require(kafka);
    }
    if (spec.source().topic() != null) {
      checkTopic(spec.source(), kafka);
    }
    err.println("streamtrain: replaying " + (spec.source().topic() != null ? "topic " + spec.source().topic()
        : spec.source().file()) + " (" + spec.mode() + ", " + (spec.holdoutMode() ? "1 model"
        : spec.configs().size() + " configurations") + ", embedded Flink, parallelism " + spec.parallelism() + ")");
    if (spec.outputTopic() != null) {
      // Brokers that do not auto-create topics need the evaluation topic; an existing one is used as it is.
      try (org.apache.kafka.clients.admin.Admin admin =
          org.apache.kafka.clients.admin.Admin.create(kafka.toProperties(java.util.Map.of()))) {
        if (io.streamtrain.io.Topics.describe(admin, spec.outputTopic()).isEmpty()) {
          io.streamtrain.io.Topics.ensure(admin, io.streamtrain.io.Topics.TopicSpec.of(spec.outputTopic(), 1));
        }
      }
    }
    ReplayOutcome outcome = ReplayRunner.run(spec, kafka, m -> {
      err.println("streamtrain: " + m);
      err.flush();
    });
    ReplayReport rep = new ReplayReport(spec, outcome);
    Path reportFile = report != null ? report : spec.report();
    Path chartDir = charts != null ? charts : spec.charts();
    rep.writeJson(reportFile);
    List<Path> pngs = rep.writeCharts(chartDir);
    out.print(rep.table());
    out.printf(Locale.ROOT, "%d evaluation points in %.1f s%s%n", outcome.results().size(),
        outcome.elapsedNanos() / 1e9, spec.outputTopic() != null ? ", published to " + spec.outputTopic() : "");
    out.println("report: " + reportFile);
    out.println("charts: " + pngs.size() + " PNG files in " + chartDir);
    out.flush();
    return 0;
  }

  /**
   * The replayed topic must exist and have every partition the range names: Flink's source would otherwise fail
   * deep inside the job (a missing topic) or silently replay the whole topic (an unknown partition).
   */
  static void checkTopic(ReplaySpec.Source source, KafkaSettings kafka) {
    int partitions;
    try (org.apache.kafka.clients.admin.Admin admin =
        org.apache.kafka.clients.admin.Admin.create(kafka.toProperties(java.util.Map.of()))) {
      partitions = io.streamtrain.io.Topics.describe(admin, source.topic())
          .orElseThrow(() -> new CliException("topic " + source.topic() + " does not exist on "
              + kafka.bootstrapServers() + " (source.topic of the replay spec names a recorded topic)"))
          .partitions().size();
    }
    for (var bound : List.of(java.util.Map.entry("start", source.start()), java.util.Map.entry("end", source.end()))) {
      for (int p : bound.getValue().offsets().keySet()) {
        if (p >= partitions) {
          throw new io.streamtrain.core.SpecException("source." + bound.getKey() + "."
              + io.streamtrain.core.config.Types.name(bound.getValue().kind())
              + "." + p, "topic " + source.topic() + " has no partition " + p + "; allowed: partitions 0 to "
              + (partitions - 1));
        }
      }
    }
  }
}
