package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.SpecException;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.replay.ReplayOutcome;
import io.streamtrain.replay.ReplayRunner;
import io.streamtrain.replay.ReplaySpec;
import io.streamtrain.testing.TrainingRuns;
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

/**
 * Warm start from published snapshots, with a real broker and MiniCluster. Job A trains tenant-1 and publishes
 * snapshots. Job B (warm_start from A's model topic, each model from its own id) trains tenant-1 and a new
 * tenant-3 on new samples: tenant-1's parameters equal, bit for bit, the core trainer started from A's last
 * snapshot and fed the same draws; tenant-3 starts from its initializer; a warm_started event says so. Job C
 * (a template: every model from tenant-1's snapshot) starts tenant-3 from it. Job D warm-starts on its own model
 * topic, so versions go on from the snapshot's. A replay of job B's spec reproduces B's parameters. A missing
 * template id and a snapshot of another shape stop a job before it starts, naming the problem.
 */
class WarmStartIT {
  static final Map<String, Object> MODEL = Map.of("type", "logistic", "features", Map.of("dense", 6));
  static final Map<String, Object> SGD = Map.of("type", "sgd", "lr", 0.2, "momentum", 0.5);

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

  static Map<String, Object> spec(String name, String prefix, String samples, Map<String, Object> model,
      Map<String, Object> warm) {
    Map<String, Object> m = TrainingJobIT.spec(name, prefix, model, SGD);
    Map<String, Object> topics = new LinkedHashMap<>((Map<String, Object>) m.get("topics"));
    topics.put("samples", samples);
    m.put("topics", topics);
    m.put("snapshots", Map.of("every_steps", 10));
    if (warm != null) {
      m.put("warm_start", warm);
    }
    return m;
  }

  static List<ModelSnapshot> snapshots(String topic, String id) throws Exception {
    return decodeAll(readAll(broker.bootstrapServers(), topic), ModelSnapshot.class).stream()
        .filter(s -> s.getModelId().equals(id)).toList();
  }

  static List<String> events(String topic, String id) throws Exception {
    List<String> out = new ArrayList<>();
    for (TrainingMetrics m : decodeAll(readAll(broker.bootstrapServers(), topic), TrainingMetrics.class)) {
      if (m.getModelId().equals(id)) {
        for (TrainingEvent e : m.getEvents()) {
          if (e.getType().equals("training_path")) {
            continue; // every model's first report says which path it trains on
          }
          out.add(e.getType() + ": " + e.getMessage());
        }
      }
    }
    return out;
  }

  static double[] doubles(List<Double> l) {
    return l.stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Test
  void newModelsStartFromPublishedSnapshots() throws Exception {
    String bs = broker.bootstrapServers();
    createTopics(bs, 2, "ws-s1", "ws-s2", "wsa-metrics", "wsa-models", "wsa-rejected", "wsb-metrics", "wsb-models",
        "wsb-rejected", "wsc-metrics", "wsc-models", "wsc-rejected", "wsd-metrics", "wsd-rejected");
    SampleGenerator g1 = Generators.create("hyperplane", Map.of("dims", 6), 5);
    produce(bs, "ws-s1", "tenant-1", g1, 1_600);
    TrainingRuns.runBounded(JobSpec.fromMap(spec("ws-a", "wsa-", "ws-s1", MODEL, null)), bs, "a");
    ModelSnapshot a = TrainingRuns.lastSnapshot(snapshots("wsa-models", "tenant-1"), "tenant-1");
    double[] fromA = doubles(a.getParameters());

    List<byte[]> t1 = produce(bs, "ws-s2", "tenant-1", g1, 800);
    List<byte[]> t3 = produce(bs, "ws-s2", "tenant-3", Generators.create("hyperplane", Map.of("dims", 6), 9), 800);

    // B: each model from its own id's snapshot on A's topic.
    Map<String, Object> b = spec("ws-b", "wsb-", "ws-s2", MODEL, Map.of("topic", "wsa-models"));
    TrainingRuns.runBounded(JobSpec.fromMap(b), bs, "b");
    var cfg = JobSpec.fromMap(b).configs().get(0);
    Map<Long, long[]> core1 = TrainingJobLearningIT.replayThroughTheCore("tenant-1", cfg, t1, fromA);
    Map<Long, long[]> core3 = TrainingJobLearningIT.replayThroughTheCore("tenant-3", cfg, t3, null);
    ModelSnapshot b1 = TrainingRuns.lastSnapshot(snapshots("wsb-models", "tenant-1"), "tenant-1");
    ModelSnapshot b3 = TrainingRuns.lastSnapshot(snapshots("wsb-models", "tenant-3"), "tenant-3");
    assertThat(TrainingRuns.bits(b1.getParameters())).isEqualTo(core1.get(b1.getStep()));
    assertThat(TrainingRuns.bits(b3.getParameters())).isEqualTo(core3.get(b3.getStep()));
    // Another topic: B numbers its own versions from 1.
    assertThat(snapshots("wsb-models", "tenant-1").get(0).getVersion()).isEqualTo(1);
    assertThat(events("wsb-metrics", "tenant-1")).singleElement().asString()
        .startsWith("warm_started: parameters and buffers from snapshot tenant-1 version " + a.getVersion());
    assertThat(events("wsb-metrics", "tenant-3")).isEmpty();

    // A replay of B's spec starts tenant-1 where B did and reproduces its parameters.
    Path jobFile = tmp.resolve("ws-b.json");
    Files.writeString(jobFile, io.streamtrain.job.JobSpecFiles.toJson(JobSpec.fromMap(b)));
    Map<String, Object> replay = new LinkedHashMap<>();
    replay.put("name", "ws-replay");
    replay.put("source", Map.of("topic", "ws-s2"));
    replay.put("configs", List.of(Map.of("name", "b", "job", jobFile.toString())));
    replay.put("output", Map.of("report", tmp.resolve("r.json").toString(), "charts", tmp.toString()));
    ReplayOutcome out = ReplayRunner.run(new ReplaySpec(replay, Path.of(".")), KafkaSettings.ofBootstrap(bs),
        m -> { });
    assertThat(out.finalModel("b", "tenant-1").params).isEqualTo(doubles(b1.getParameters()));

    // C: a template; tenant-3 starts from tenant-1's snapshot.
    Map<String, Object> c = spec("ws-c", "wsc-", "ws-s2", MODEL,
        Map.of("topic", "wsa-models", "model_id", "tenant-1", "version", a.getVersion()));
    TrainingRuns.runBounded(JobSpec.fromMap(c), bs, "c");
    ModelSnapshot c3 = TrainingRuns.lastSnapshot(snapshots("wsc-models", "tenant-3"), "tenant-3");
    assertThat(TrainingRuns.bits(c3.getParameters()))
        .isEqualTo(TrainingJobLearningIT.replayThroughTheCore("tenant-3", cfg, t3, fromA).get(c3.getStep()));

    // D: warm start on the job's own model topic (A's): versions go on from A's last one.
    Map<String, Object> d = spec("ws-d", "wsd-", "ws-s2", MODEL, Map.of());
    Map<String, Object> topics = new LinkedHashMap<>((Map<String, Object>) d.get("topics"));
    topics.put("models", "wsa-models");
    d.put("topics", topics);
    TrainingRuns.runBounded(JobSpec.fromMap(d), bs, "d");
    List<Long> versions = snapshots("wsa-models", "tenant-1").stream().map(ModelSnapshot::getVersion).toList();
    assertThat(versions).isSorted().doesNotHaveDuplicates();
    assertThat(versions.get(versions.size() - 1)).isGreaterThan(a.getVersion());

    // Errors before anything starts.
    KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
    JobSpec missing = JobSpec.fromMap(spec("ws-e", "wse-", "ws-s2", MODEL,
        Map.of("topic", "wsa-models", "model_id", "tenant-9")));
    assertThatThrownBy(() -> KafkaTrainingIo.job(missing, kafka)).isInstanceOf(SpecException.class)
        .hasMessageContaining("warm_start.model_id").hasMessageContaining("tenant-9");
    JobSpec wider = JobSpec.fromMap(spec("ws-f", "wsf-", "ws-s2",
        Map.of("type", "logistic", "features", Map.of("dense", 7)), Map.of("topic", "wsa-models")));
    assertThatThrownBy(() -> KafkaTrainingIo.job(wider, kafka)).isInstanceOf(SpecException.class)
        .hasMessageContaining("tenant-1").hasMessageContaining("shape");
  }
}
