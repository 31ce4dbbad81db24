package io.streamtrain.cli;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.EvaluationResult;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.model.Model;
import io.streamtrain.flink.training.SampleDeserializer;
import io.streamtrain.flink.training.WarmStarts;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.JobSpecFiles;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.core.fit.FitListener;
import io.streamtrain.replay.FitRunner;
import io.streamtrain.replay.FitSpec;
import io.streamtrain.replay.ReplayOutcome;
import io.streamtrain.replay.ReplayRunner;
import io.streamtrain.replay.ReplaySpec;
import io.streamtrain.testing.TrainingRuns;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code streamtrain fit} against the in-process broker: samples of two model ids on a topic, a fit spec over the
 * topic range with Newton-CG. The command prints an iteration per line and publishes a snapshot; its parameters
 * are a first-order point of the objective over exactly the fitted model's produced samples (its gradient,
 * computed here from the produced bytes in one batch, is within the tolerance), the training job's warm_start
 * resolves it to the same parameters, and a bounded training job started from it says it warm-started from that
 * version. A second fit publishes the next version. And the README's demo path on a drifting stream: a fit of the
 * first half, then a replay of the second half where the configuration warm-started from the fit has a lower
 * prequential log loss than the same configuration started cold.
 */
class FitCommandIT {
  static final Map<String, Object> MODEL = Map.of("type", "logistic", "features", Map.of("dense", 6), "l2", 0.001);
  @TempDir static Path tmp;
  static KafkaBroker broker;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.startTemporary();
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  static Map<String, Object> job(Map<String, Object> warm) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "fit-job");
    m.put("model", MODEL);
    m.put("optimizer", Map.of("type", "sgd", "lr", 0.05));
    m.put("batching", Map.of("batch_size", 32, "shuffle_capacity", 64, "seed", 7));
    m.put("topics", Map.of("samples", "fit-samples", "metrics", "fit-metrics", "models", "fit-models",
        "rejected", "fit-rejected"));
    m.put("snapshots", Map.of("every_steps", 10));
    m.put("checkpoint", Map.of("interval_ms", 500));
    m.put("parallelism", 1);
    m.put("source", Map.of("bounded", true));
    if (warm != null) {
      m.put("warm_start", warm);
    }
    return m;
  }

  String[] fit(Path spec) {
    CommandLine cl = Main.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute("fit", spec.toString(), "--bootstrap", broker.bootstrapServers());
    return new String[] {Integer.toString(exit), out.toString(), err.toString()};
  }

  @Test
  void fitsTheRangeAndPublishesASnapshotTheJobWarmStartsFrom() throws Exception {
    String bs = broker.bootstrapServers();
    createTopics(bs, 2, "fit-samples", "fit-metrics", "fit-models", "fit-rejected");
    List<byte[]> mine = produce(bs, "fit-samples", "m1", Generators.create("hyperplane", Map.of("dims", 6), 3), 1500);
    produce(bs, "fit-samples", "other", Generators.create("hyperplane", Map.of("dims", 6), 4), 300);
    Path jobFile = tmp.resolve("fit-job.json");
    Files.writeString(jobFile, JobSpecFiles.toJson(JobSpec.fromMap(job(null))));
    Path specFile = tmp.resolve("fit.yaml");
    Files.writeString(specFile, String.join("\n",
        "name: it-fit",
        "mode: fit",
        "source: {topic: fit-samples, start: earliest, end: latest}",
        "job: " + jobFile,
        "model_id: m1",
        "batch_rows: 512",
        "method: {type: newton_cg, tolerance_grad: 1.0e-9}",
        ""));

    String[] r = fit(specFile);
    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
    assertThat(r[1]).contains("data: 1500 rows of m1 in 3 batches (300 of other model ids, 0 rejected)")
        .contains("converged after").contains("published m1 version 1 to fit-models");
    long iterationLines = r[1].lines().filter(l -> l.matches("\\s+\\d+\\s+-?\\d.*")).count();
    assertThat(iterationLines).isGreaterThanOrEqualTo(2);

    List<ModelSnapshot> snaps = decodeAll(readAll(bs, "fit-models"), ModelSnapshot.class);
    assertThat(snaps).hasSize(1);
    double[] published = snaps.get(0).getParameters().stream().mapToDouble(Double::doubleValue).toArray();

    // Independent check: the objective over the produced m1 samples, as one batch.
    JobSpec js = JobSpec.fromMap(job(null));
    Model model = js.configs().get(0).model().newModel(mine.size());
    Batch all = model.newBatch(mine.size());
    SampleCodec codec = new SampleCodec();
    MutableSample m = new MutableSample();
    Example e = new Example();
    for (byte[] v : mine) {
      codec.decode(v, m);
      SampleDeserializer.toExample(m, e);
      all.add(e);
    }
    double[] g = new double[model.numParams()];
    double atFit = model.lossAndGradient(published, all, g);
    double gmax = 0;
    for (double x : g) {
      gmax = Math.max(gmax, Math.abs(x));
    }
    assertThat(gmax).isLessThanOrEqualTo(1e-8);
    double[] init = new double[model.numParams()];
    model.init(init, js.configs().get(0).model().seed());
    assertThat(atFit).isLessThan(model.loss(init, all));

    // The job's warm start resolves the snapshot onto its layout: the same parameters.
    JobSpec warm = JobSpec.fromMap(job(Map.of("topic", "fit-models", "model_id", "m1")));
    WarmStarts ws = WarmStarts.load(warm, KafkaSettings.ofBootstrap(bs));
    assertThat(ws.lookup("m1", 0).params()).containsExactly(published);

    // A second fit publishes the next version; a bounded job warm-starts from it.
    String[] again = fit(specFile);
    assertThat(again[0]).as(again[2]).isEqualTo("0");
    assertThat(again[1]).contains("published m1 version 2 to fit-models");
    Map<String, Object> trainSpec = new LinkedHashMap<>(job(Map.of("topic", "fit-models", "model_id", "m1")));
    trainSpec.put("topics", Map.of("samples", "fit-samples", "metrics", "fit-metrics", "models", "fit-trained",
        "rejected", "fit-rejected"));
    TrainingRuns.runBounded(JobSpec.fromMap(trainSpec), bs, "warm");
    List<String> events = new ArrayList<>();
    for (TrainingMetrics tm : decodeAll(readAll(bs, "fit-metrics"), TrainingMetrics.class)) {
      for (TrainingEvent ev : tm.getEvents()) {
        if (tm.getModelId().equals("m1") && ev.getType().equals("warm_started")) {
          events.add(ev.getMessage());
        }
      }
    }
    assertThat(events).singleElement().asString().contains("snapshot m1 version 2");
  }

  @Test
  void warmStartFromAFitOfTheFirstHalfBeatsAColdStartOnTheSecondHalf() throws Exception {
    String bs = broker.bootstrapServers();
    createTopics(bs, 1, "half-samples");
    produce(bs, "half-samples", "h", Generators.create("hyperplane", Map.of("dims", 6, "speed", 0.001), 11), 6000);
    Map<String, Object> jobMap = new LinkedHashMap<>(job(null));
    jobMap.put("model", Map.of("type", "logistic", "features", Map.of("dense", 6)));
    Path jobFile = tmp.resolve("half-job.json");
    Files.writeString(jobFile, JobSpecFiles.toJson(JobSpec.fromMap(jobMap)));
    KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);

    Map<String, Object> fit = new LinkedHashMap<>();
    fit.put("name", "half-fit");
    fit.put("mode", "fit");
    fit.put("source", Map.of("topic", "half-samples", "end", Map.of("offsets", Map.of("0", 3000))));
    fit.put("job", jobFile.toString());
    fit.put("model_id", "h");
    fit.put("method", Map.of("type", "newton_cg", "tolerance_grad", 1e-8));
    fit.put("publish", Map.of("topic", "half-fitted"));
    FitRunner.Outcome o = FitRunner.run(new FitSpec(fit, Path.of(".")), kafka, FitListener.NONE);
    assertThat(o.rows()).isEqualTo(3000);
    assertThat(o.result().converged()).as(o.result().reason()).isTrue();

    Map<String, Object> replay = new LinkedHashMap<>();
    replay.put("name", "half-replay");
    replay.put("source", Map.of("topic", "half-samples", "start", Map.of("offsets", Map.of("0", 3000))));
    replay.put("configs", List.of(Map.of("name", "cold", "job", jobFile.toString()),
        Map.of("name", "warm", "job", jobFile.toString(), "warm_start", Map.of("topic", "half-fitted"))));
    replay.put("metrics", Map.of("report_every", 1000));
    replay.put("parallelism", 1);
    replay.put("output", Map.of("report", tmp.resolve("half.json").toString(), "charts", tmp.toString()));
    ReplayOutcome out = ReplayRunner.run(new ReplaySpec(replay, Path.of(".")), kafka, msg -> { });
    Map<String, EvaluationResult> last = new LinkedHashMap<>();
    for (EvaluationResult r : out.results()) {
      if (r.getCumulative() && r.getModelId().equals("h")) {
        last.merge(r.getConfigName(), r, (a, b) -> b.getSamples() >= a.getSamples() ? b : a);
      }
    }
    assertThat(last.get("cold").getSamples()).isEqualTo(3000);
    assertThat(last.get("warm").getSamples()).isEqualTo(3000);
    assertThat(last.get("warm").getMeanLoss()).isLessThan(last.get("cold").getMeanLoss());
  }
}
