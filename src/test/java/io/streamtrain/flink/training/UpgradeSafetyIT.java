package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.produce;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.TrainingRuns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upgrade safety: savepoints written by earlier builds (committed under src/test/resources/savepoints/vN, made by
 * {@link #main}) are restored by the current build, which drains the rest of the stream; the final parameters
 * must equal, bit for bit, those of the current build training the whole stream from scratch. v1: the first
 * release's formats (trainer state format 1). v2: trainer state format 2, with the loss-spike guard's section (a
 * last good copy of parameters, buffers, optimizer and schedule) in the state. v3: trainer state format 3, with
 * the diagnostics' own section (its savepoint holds a curvature probe in progress: reservoir, frozen parameters
 * and samples, Lanczos basis, budget credit; the saddle escape is on). v4: trainer state format 4, the state as
 * tagged, versioned parts with named scalars (the same job as v3, its savepoint again holding a probe in progress).
 * A change that breaks the state formats, the serializer snapshots or the operator uids fails here; a change of
 * format adds the next fixture.
 */
class UpgradeSafetyIT {
  static final Path FIXTURES = Path.of("src/test/resources/savepoints");
  static final int FIRST = 4_000;
  static final int SECOND = 2_000;

  @ParameterizedTest(name = "savepoint {0}")
  @ValueSource(strings = {"v1", "v2", "v3", "v4"})
  void savepointOfAnEarlierVersionRestoresAndContinuesExactly(String version, @TempDir Path dir) throws Exception {
    Path savepoint;
    try (Stream<Path> s = Files.list(FIXTURES.resolve(version))) {
      savepoint = s.filter(Files::isDirectory).findFirst().orElseThrow();
    }
    if (version.equals("v4")) {
      // The fixture holds what its name says: the trainer state's header (magic "STTS", format byte) in _metadata.
      assertThat(trainerStateFormat(savepoint.resolve("_metadata"))).isEqualTo(4);
    }
    Path copy = dir.resolve(savepoint.getFileName());
    copyTree(savepoint, copy);
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      setUpTopics(bs);
      SampleGenerator gen = generator();
      produce(bs, "up-samples", "tenant-u", gen, FIRST);
      produce(bs, "up-samples", "tenant-u", gen, SECOND);

      JobSpec resumed = spec("up-job", "up-", false, version);
      StreamExecutionEnvironment env = TrainingRuns.env(resumed, copy.toUri().toString());
      KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
      KafkaTrainingIo.job(resumed, kafka).build(env);
      JobClient job = env.executeAsync("upgrade-restore");
      Awaitility.await("all samples consumed").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .until(() -> TrainingRuns.committedToEnd(bs, "streamtrain-up-job", "up-samples"));
      job.stopWithSavepoint(true, dir.resolve("sp2").toUri().toString(), SavepointFormatType.CANONICAL).get();

      JobSpec fresh = spec("fresh-job", "fresh-", true, version);
      StreamExecutionEnvironment env2 = TrainingRuns.env(fresh, null);
      KafkaTrainingIo.job(fresh, kafka).build(env2);
      env2.execute("fresh");

      ModelSnapshot a = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, "up-models"), ModelSnapshot.class), null);
      ModelSnapshot b = TrainingRuns.lastSnapshot(decodeAll(readAll(bs, "fresh-models"), ModelSnapshot.class), null);
      assertThat(a.getStep()).isEqualTo(b.getStep()).isEqualTo((FIRST + SECOND + 15) / 16);
      assertThat(TrainingRuns.bits(a.getParameters()))
          .isEqualTo(TrainingRuns.bits(b.getParameters()));
      // The restored counters continue: versions go on from the fixture's, samples seen covers both parts.
      assertThat(a.getSamplesSeen()).isEqualTo(FIRST + SECOND);
      if (version.equals("v3") || version.equals("v4")) {
        // Formats 3 and 4 restore the diagnostics' working state (here a probe in progress): every regular report after
        // the fixture's step equals the fresh run's, diagnostics figures and states included.
        List<String> up = regularReports(decodeAll(readAll(bs, "up-metrics"), TrainingMetrics.class));
        List<String> fr = regularReports(decodeAll(readAll(bs, "fresh-metrics"), TrainingMetrics.class));
        assertThat(up).hasSize(6).isEqualTo(fr);
        assertThat(up.get(up.size() - 1)).contains("\"probes\", \"value\": 1.0");
      }
    }
  }

  /** The format byte after the first trainer state magic in a savepoint's metadata (heap state is inline there). */
  static int trainerStateFormat(Path metadata) throws IOException {
    byte[] b = Files.readAllBytes(metadata);
    byte[] magic = {'S', 'T', 'T', 'S'};
    for (int i = 0; i + magic.length < b.length; i++) {
      if (java.util.Arrays.equals(b, i, i + magic.length, magic, 0, magic.length)) {
        return b[i + magic.length];
      }
    }
    throw new IllegalStateException("no trainer state in " + metadata);
  }

  /** Reports at multiples of 20 steps after step 250, without their wall-clock figures, in JSON rendering. */
  static List<String> regularReports(List<TrainingMetrics> metrics) {
    return metrics.stream().filter(m -> m.getStep() > 250 && m.getStep() % 20 == 0)
        .sorted(java.util.Comparator.comparingLong(TrainingMetrics::getStep))
        .map(m -> TrainingMetrics.newBuilder(m).setSamplesPerSecond(Double.NaN).setConsumerLag(null).build()
            .toString())
        .toList();
  }

  static void setUpTopics(String bs) throws Exception {
    createTopics(bs, 2, "up-samples", "up-metrics", "up-models", "up-rejected", "fresh-metrics", "fresh-models",
        "fresh-rejected");
  }

  static SampleGenerator generator() {
    return Generators.create("circles", Map.of("noise", 0.05), 77);
  }

  /**
   * An MLP with batch norm and Adam with a schedule, so every kind of state is in the savepoint; from v2 on with
   * the loss-spike guard (a restore with another configuration would restart the optimizer, so each fixture is
   * restored with the spec that wrote it).
   */
  static JobSpec spec(String name, String prefix, boolean bounded, String version) {
    Map<String, Object> raw = TrainingJobIT.spec(name, prefix,
        Map.of("type", "mlp", "layers", List.of(2, 8, 1), "activation", "tanh", "head", "logistic",
            "batch_norm", true, "seed", 3),
        Map.of("type", "adam", "lr", 0.02));
    raw.put("schedule", Map.of("type", "StepLR", "step_size", 100, "gamma", 0.5));
    raw.put("batching", Map.of("batch_size", 16, "shuffle_capacity", 128, "seed", 5));
    Map<String, Object> topics = new LinkedHashMap<>((Map<String, Object>) raw.get("topics"));
    topics.put("samples", "up-samples");
    raw.put("topics", topics);
    raw.put("source", Map.of("bounded", bounded));
    if (!version.equals("v1")) {
      raw.put("guard", Map.of("loss_spike_factor", 4, "min_excess", 0.2, "warmup_steps", 10,
          "good_state_every", 20));
    }
    if (!version.equals("v1") && !version.equals("v2")) {
      // The first probe starts at step 20; 20 products over 256 samples (10,240 units) at 16 x 0.7 / 0.3 units of
      // credit a step end at step 275: the savepoint (step 250) holds it in progress, the resumed run finishes it.
      raw.put("diagnostics", Map.of("probe_warmup", 20, "budget_share", 0.7,
          "saddle_escape", Map.of("enabled", true)));
    }
    return JobSpec.fromMap(raw);
  }



  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /**
   * Writes a fixture: trains on the first part of the stream and stops with a savepoint into
   * src/test/resources/savepoints/VERSION (the argument). Run once per state format version, from the project
   * root: {@code java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) ... UpgradeSafetyIT v2}.
   */
  public static void main(String[] args) throws Exception {
    String version = args.length > 0 ? args[0] : "v4";
    Path fixture = FIXTURES.resolve(version);
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      setUpTopics(bs);
      produce(bs, "up-samples", "tenant-u", generator(), FIRST);
      JobSpec live = spec("up-job", "up-", false, version);
      StreamExecutionEnvironment env = TrainingRuns.env(live, null);
      KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
      KafkaTrainingIo.job(live, kafka).build(env);
      JobClient job = env.executeAsync("upgrade-fixture");
      Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
          .until(() -> TrainingRuns.committedToEnd(bs, "streamtrain-up-job", "up-samples"));
      Files.createDirectories(fixture);
      String path = job.stopWithSavepoint(false, fixture.toAbsolutePath().toUri().toString(),
          SavepointFormatType.CANONICAL).get();
      long steps = decodeAll(readAll(bs, "up-metrics"), TrainingMetrics.class).stream()
          .mapToLong(TrainingMetrics::getStep).max().orElse(0);
      System.out.println("fixture savepoint written to " + path + " after " + steps + " steps reported");
    }
    System.exit(0);
  }
}
