package io.streamtrain.cli;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.client.ModelClient;
import io.streamtrain.core.data.Example;
import io.streamtrain.flink.training.SampleDeserializer;
import io.streamtrain.io.CsvSampleReader;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.ReaderOptions;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The serving part of the demo: a service beside the training job that scores fresh hyperplane requests all along
 * with whatever version the embeddable {@link ModelClient} holds (run it on a thread of its own, then
 * {@link #stop}); at the end, what it did during training and every breast-cancer row scored with the final
 * published version ({@link #report}).
 */
final class DemoServing implements Runnable {
  private final ModelClient client;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final TreeSet<Long> versions = new TreeSet<>();
  private long predictions;

  DemoServing(ModelClient client) {
    this.client = client;
  }

  void stop() {
    running.set(false);
  }

  @Override
  public void run() {
    SampleGenerator gen = Generators.create("hyperplane", Map.of("dims", 10, "speed", 0.001, "noise", 0.05), 7);
    MutableSample s = new MutableSample();
    Example e = new Example();
    ModelClient.Predictor p = client.predictor("hyperplane");
    double[] out = new double[1];
    while (running.get()) {
      if (client.current("hyperplane") == null) {
        sleep(5);
        continue;
      }
      gen.next(s);
      SampleDeserializer.toExample(s, e);
      long v = p.predict(e, out);
      synchronized (versions) {
        versions.add(v);
        predictions++;
      }
      if (predictions % 8 == 0) {
        sleep(1); // a service's pace, not a benchmark: leave the cores to the job
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * What the scoring thread did during training, then every breast-cancer row of {@code csv} scored with the final
   * published version ({@code snaps} are the model topic's records).
   */
  void report(PrintStream o, List<ModelSnapshot> snaps, String modelTopic, Path csv) throws Exception {
    long last = snaps.stream().filter(x -> x.getModelId().equals("breast-cancer"))
        .mapToLong(ModelSnapshot::getVersion).max().orElse(0);
    o.println();
    synchronized (versions) {
      o.printf("serving (io.streamtrain.client.ModelClient, following topic '%s'): %d hyperplane predictions"
          + " during training used versions %s%n", modelTopic, predictions,
          versions.isEmpty() ? "none yet" : versions.first() + " to " + versions.last());
    }
    if (last == 0 || client.awaitVersion("breast-cancer", last, Duration.ofSeconds(30)) == null) {
      o.println("serving: no breast-cancer version to score with");
      return;
    }
    ModelClient.Predictor p = client.predictor("breast-cancer");
    double[] out = new double[1];
    MutableSample s = new MutableSample();
    Example e = new Example();
    int n = 0;
    int right = 0;
    long version = 0;
    try (CsvSampleReader r = new CsvSampleReader(csv, CsvSampleReader.Columns.defaults().withLabel("target"),
        ReaderOptions.defaults().withModelId("breast-cancer"), (line, why) -> { })) {
      while (r.next(s)) {
        SampleDeserializer.toExample(s, e);
        version = p.predict(e, out);
        right += (out[0] >= 0.5 ? 1 : 0) == (int) s.label ? 1 : 0;
        n++;
      }
    }
    o.printf("serving: %d breast-cancer rows scored with version %d: accuracy %.3f (rows it trained on)%n", n,
        version, (double) right / n);
  }
}
