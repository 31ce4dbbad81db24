package io.streamtrain.cli;

import io.streamtrain.avro.TrainingMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The demo's live view: per-model progress from the metrics topic (samples, steps, throughput, smoothed loss, the
 * latest report's accuracy, learning rate, gradient norm), redrawn in place on a terminal twice a second, or
 * printed every five seconds when the output is not a terminal. Runs on a thread of its own until {@link #stop}.
 */
final class DemoLiveView implements Runnable {
  private final String bootstrap;
  private final String topic;
  private final PrintStream o;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Map<String, TrainingMetrics> latest = new TreeMap<>();
  private final Map<String, Double> accuracy = new TreeMap<>();
  private int printedLines;

  DemoLiveView(String bootstrap, String topic, PrintStream o) {
    this.bootstrap = bootstrap;
    this.topic = topic;
    this.o = o;
  }

  void stop() {
    running.set(false);
  }

  @Override
  public void run() {
    SpecificDatumReader<TrainingMetrics> reader = new SpecificDatumReader<>(TrainingMetrics.class);
    boolean tty = System.console() != null;
    long lastPrint = 0;
    try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
      c.subscribe(List.of(topic));
      while (running.get()) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(250))) {
          TrainingMetrics m = reader.read(null, DecoderFactory.get().binaryDecoder(r.value(), null));
          latest.put(m.getModelId(), m);
          Double acc = RunSummary.progressiveAccuracy(m);
          if (acc != null) {
            accuracy.put(m.getModelId(), acc);
          }
        }
        long now = System.nanoTime();
        if (!latest.isEmpty() && now - lastPrint > (tty ? 500_000_000L : 5_000_000_000L)) {
          print(tty);
          lastPrint = now;
        }
      }
      if (!latest.isEmpty()) {
        print(tty);
      }
    } catch (IOException e) {
      o.println("live view stopped: " + e);
    }
  }

  private void print(boolean tty) {
    if (tty && printedLines > 0) {
      o.print("\033[" + printedLines + "A");
    }
    List<String> lines = new ArrayList<>();
    lines.add(String.format("%-14s %10s %8s %11s %9s %9s %9s %10s", "model", "samples", "steps", "samples/s",
        "loss", "last acc", "lr", "|grad|"));
    for (TrainingMetrics m : latest.values()) {
      Double acc = accuracy.get(m.getModelId());
      lines.add(String.format("%-14s %10d %8d %11s %9.4f %9s %9.2e %10.3e", m.getModelId(), m.getSamplesSeen(),
          m.getStep(), Double.isNaN(m.getSamplesPerSecond()) ? "-" : String.format("%.0f", m.getSamplesPerSecond()),
          m.getLossSmoothed(), acc == null ? "-" : String.format("%.3f", acc), m.getLearningRate(),
          m.getGradNorm()));
    }
    for (String l : lines) {
      o.println(tty ? l + "\033[K" : l);
    }
    if (!tty) {
      o.println();
    }
    printedLines = lines.size();
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("isolation.level", "read_committed");
    p.put("auto.offset.reset", "earliest");
    p.put("group.id", "streamtrain-demo-view");
    return new KafkaConsumer<>(p);
  }
}
