package io.streamtrain.cli;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.CliProcess;
import io.streamtrain.testing.KafkaTestSupport;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C on `train --savepoint-dir` as a user meets it: the command in its own JVM, stopped by SIGTERM (the JVM runs
 * its shutdown hooks as for Ctrl-C's SIGINT), prints the savepoint and the resume command; the resume command
 * restores it (its reports count on from the stopped run's) and can itself be stopped the same way; and a stop while
 * the job is still starting says that nothing was trained and no savepoint taken, never silence or a bare failure.
 */
class StopWithSavepointIT {
  @TempDir Path dir;

  @Test
  void sigtermSavesAndTheResumeCommandRestores() throws Exception {
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      createTopics(bs, 2, "ss-samples");
      KafkaTestSupport.produce(bs, "ss-samples", "m", Generators.create("hyperplane", Map.of("dims", 8), 3), 50_000);
      Path spec = spec("job.yaml", "checkpoints");
      Path saves = dir.resolve("savepoints");

      // 1. A running job: SIGTERM stops it with a savepoint and prints the command that resumes it.
      Process first = train(List.of("train", spec.toString(), "--bootstrap", bs, "--savepoint-dir", saves.toString()),
          "first");
      await(() -> reports(bs).size() >= 2, first, "first");
      String resume = stop(first, "first");
      long seenBefore = reports(bs).stream().mapToLong(TrainingMetrics::getSamplesSeen).max().orElseThrow();

      // 2. The resume command restores the savepoint: new samples train on, and its reports count on from there.
      KafkaTestSupport.produce(bs, "ss-samples", "m", Generators.create("hyperplane", Map.of("dims", 8), 4), 20_000);
      int before = reports(bs).size();
      List<String> args = Arrays.asList(resume.substring(resume.indexOf(" train ") + 1).split(" "));
      assertThat(args).contains("--from-savepoint", "--savepoint-dir", "--bootstrap");
      Process second = train(args, "second");
      await(() -> reports(bs).size() > before, second, "second");
      TrainingMetrics firstAfter = reports(bs).get(before);
      assertThat(firstAfter.getSamplesSeen()).as("the resumed run's first report").isGreaterThan(seenBefore);
      stop(second, "second");

      // 3. Stopped as soon as the job is scheduled (its checkpoint directory appears before its tasks run): the run
      // says it was not running yet and trained nothing (or saved, if the tasks were running by then), never a bare
      // failure.
      Path storage3 = dir.resolve("checkpoints3");
      Path spec3 = spec("job3.yaml", "checkpoints3");
      Process third = train(List.of("train", spec3.toString(), "--bootstrap", bs, "--savepoint-dir",
          saves.toString()), "third");
      await(() -> Files.isDirectory(storage3) && list(storage3) > 0, third, "third");
      third.destroy();
      assertThat(third.waitFor(3, TimeUnit.MINUTES)).isTrue();
      String out = read(dir.resolve("third.out")) + read(dir.resolve("third.err"));
      out.lines().filter(l -> l.contains("savepoint") || l.contains("stopped")).forEach(System.out::println);
      assertThat(out).doesNotContain("stop with savepoint failed");
      assertThat(out.contains("stopped with savepoint ") || out.contains("stopped before the job was running")
          || out.contains("stopped while the job was not running yet")).as(out).isTrue();
    }
  }

  /** The job's spec, checkpoints under {@code storage} in the test directory. */
  private Path spec(String name, String storage) throws java.io.IOException {
    Path spec = dir.resolve(name);
    Files.writeString(spec, String.join("\n",
        "name: ss-job",
        "model: {type: logistic, features: {dense: 8}}",
        "optimizer: {type: adam, lr: 0.01}",
        "batching: {batch_size: 32, seed: 5}",
        "topics: {samples: ss-samples, metrics: ss-metrics, models: ss-models, rejected: ss-rejected}",
        "metrics: {every_batches: 50}",
        "checkpoint: {interval_ms: 500, storage: '" + dir.resolve(storage).toUri() + "'}",
        "parallelism: 1", ""));
    return spec;
  }

  private Process train(List<String> args, String name) throws Exception {
    return CliProcess.start(List.of("-Xmx1g"), args, dir.resolve(name + ".out"), dir.resolve(name + ".err"));
  }

  /** SIGTERM, then the savepoint line and the resume command the run printed (the savepoint exists on disk). */
  private String stop(Process p, String name) throws Exception {
    p.destroy();
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).as(name + " exits").isTrue();
    String out = read(dir.resolve(name + ".out"));
    String err = read(dir.resolve(name + ".err"));
    assertThat(out).as(err).contains("stopped with savepoint ");
    String path = out.lines().filter(l -> l.startsWith("stopped with savepoint ")).findFirst().orElseThrow()
        .substring("stopped with savepoint ".length()).trim();
    assertThat(Path.of(URI.create(path)).resolve("_metadata")).exists();
    String resume = out.lines().filter(l -> l.startsWith("resume with: ")).findFirst().orElseThrow();
    assertThat(resume).contains("--from-savepoint " + path);
    return resume;
  }

  private static List<TrainingMetrics> reports(String bs) {
    try {
      return decodeAll(readAll(bs, "ss-metrics"), TrainingMetrics.class);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static long list(Path d) {
    try (java.util.stream.Stream<Path> s = Files.list(d)) {
      return s.count();
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void await(BooleanSupplier done, Process p, String name) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 180_000;
    while (!done.getAsBoolean()) {
      assertThat(p.isAlive()).as(name + " ended early: " + read(dir.resolve(name + ".err"))).isTrue();
      assertThat(System.currentTimeMillis()).as(name + " timed out").isLessThan(deadline);
      Thread.sleep(250);
    }
  }
}
