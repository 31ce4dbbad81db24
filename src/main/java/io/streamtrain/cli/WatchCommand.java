package io.streamtrain.cli;

import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.core.SpecException;
import io.streamtrain.io.KafkaSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code streamtrain watch}: the operator's live view of a metrics topic. Reads the topic from the beginning
 * (read_committed, no consumer group, nothing committed) and shows per model the training state with its
 * evidence, loss and gradient-norm sparklines, lr, throughput, lag and curvature figures ({@link WatchView}),
 * redrawn in place on a terminal every {@code --interval} seconds until interrupted. {@code --once} reads up to
 * the end offsets found at start, prints one plain snapshot and exits, for scripts.
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Live per-model view of a metrics topic: training state and evidence, loss and gradient-norm "
        + "sparklines, lr, throughput, lag.")
public final class WatchCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafkaOptions;

  @Option(names = "--topic", required = true, description = "The metrics topic (TrainingMetrics records).")
  String topic;

  @Option(names = "--once", description = "Print one plain snapshot of everything up to now and exit.")
  boolean once;

  @Option(names = "--history", defaultValue = "40", description = "Reports per sparkline (default ${DEFAULT-VALUE}).")
  int history;

  @Option(names = "--interval", defaultValue = "1", description = "Seconds between redraws (default ${DEFAULT-VALUE}).")
  double interval;

  @Option(names = "--timeout", defaultValue = "10",
      description = "Seconds to wait for the topic to appear and, with --once, to catch up (default ${DEFAULT-VALUE}).")
  double timeout;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (history < 2 || history > 1000) {
      throw new SpecException("--history", history, "allowed: an integer in [2, 1000]");
    }
    if (!(interval > 0) || !Double.isFinite(interval)) {
      throw new SpecException("--interval", interval, "allowed: a positive number of seconds");
    }
    if (!(timeout > 0) || !Double.isFinite(timeout)) {
      throw new SpecException("--timeout", timeout, "allowed: a positive number of seconds");
    }
    KafkaSettings settings = kafkaOptions.settings();
    BrokerCheck.require(settings);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Map<String, Object> extra = Map.of(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
        ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    WatchView view = new WatchView(history);
    SpecificDatumReader<TrainingMetrics> reader = new SpecificDatumReader<>(TrainingMetrics.class);
    BinaryDecoder decoder = null;
    long skipped = 0;
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(settings.toProperties(extra), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = partitions(c);
      if (parts.isEmpty()) {
        err.println("error: topic " + topic + " does not exist (no partitions found within " + timeout + " s)");
        return 1;
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = once ? new HashMap<>(c.endOffsets(parts)) : Map.of();
      long deadline = System.nanoTime() + (long) (timeout * 1e9);
      long nextDraw = 0;
      int drawn = 0;
      boolean tty = System.console() != null;
      while (true) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          try {
            decoder = DecoderFactory.get().binaryDecoder(r.value(), decoder);
            view.accept(reader.read(null, decoder));
          } catch (IOException | RuntimeException e) {
            skipped++;
          }
        }
        if (once) {
          if (caughtUp(c, end) || System.nanoTime() > deadline) {
            break;
          }
          continue;
        }
        long now = System.nanoTime();
        if (now >= nextDraw) {
          drawn = draw(out, view.render(), drawn, tty);
          nextDraw = now + (long) (interval * 1e9);
        }
        if (Thread.currentThread().isInterrupted()) {
          return 0;
        }
      }
    } catch (org.apache.kafka.common.KafkaException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    for (String line : view.render()) {
      out.println(line);
    }
    if (skipped > 0) {
      out.println(skipped + " records skipped (not TrainingMetrics)");
    }
    out.flush();
    return 0;
  }

  /** Redraws in place: cursor up over the previous frame, each line cleared to its end. Returns lines drawn. */
  private static int draw(PrintWriter out, List<String> lines, int previous, boolean tty) {
    StringBuilder b = new StringBuilder();
    if (tty && previous > 0) {
      b.append("\033[").append(previous).append('A');
    }
    for (String l : lines) {
      b.append(l);
      if (tty) {
        b.append("\033[K");
      }
      b.append('\n');
    }
    if (tty) {
      // Clear lines left over from a taller previous frame.
      b.append("\033[J");
    } else {
      b.append('\n');
    }
    out.print(b);
    out.flush();
    return lines.size();
  }

  private static boolean caughtUp(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      // Transaction markers occupy offsets too: position reaches the end offset once everything is read.
      if (c.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private List<TopicPartition> partitions(KafkaConsumer<?, ?> c) {
    long deadline = System.nanoTime() + (long) (timeout * 1e9);
    while (true) {
      List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(5));
      if (infos != null && !infos.isEmpty()) {
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo p : infos) {
          out.add(new TopicPartition(p.topic(), p.partition()));
        }
        out.sort(java.util.Comparator.comparingInt(TopicPartition::partition));
        return out;
      }
      if (System.nanoTime() > deadline) {
        return List.of();
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of();
      }
    }
  }
}
