package io.streamtrain.cli;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.local.LossChart;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The demo's end: its output topics read back (read_committed), then a table per model (samples, steps, final
 * smoothed loss, progressive accuracy over the whole run, snapshot versions, rejected samples), the rejections by
 * reason, and a PNG chart of the smoothed loss curves.
 */
final class DemoSummary {
  private DemoSummary() {}

  static void print(PrintStream o, List<TrainingMetrics> metrics, List<ModelSnapshot> snaps,
      List<RejectedSample> rejected, Path outDir, double seconds) throws IOException {
    o.println();
    o.println("summary");
    Map<String, List<double[]>> lossCurves = new TreeMap<>();
    Map<String, TrainingMetrics> last = new TreeMap<>();
    Map<String, long[]> accuracy = new TreeMap<>();
    for (TrainingMetrics m : metrics) {
      lossCurves.computeIfAbsent(m.getModelId(), k -> new ArrayList<>())
          .add(new double[] {m.getSamplesSeen(), m.getLossSmoothed()});
      last.merge(m.getModelId(), m, (a, b) -> a.getStep() >= b.getStep() ? a : b);
      Double acc = RunSummary.progressiveAccuracy(m);
      if (acc != null) {
        long[] sums = accuracy.computeIfAbsent(m.getModelId(), k -> new long[2]);
        sums[0] += Math.round(acc * m.getSamplesInReport());
        sums[1] += m.getSamplesInReport();
      }
    }
    for (List<double[]> curve : lossCurves.values()) {
      curve.sort((a, b) -> Double.compare(a[0], b[0]));
    }
    o.printf("%-14s %10s %8s %12s %14s %10s %10s%n", "model", "samples", "steps", "final loss", "progr. acc",
        "snapshots", "rejected");
    for (TrainingMetrics m : last.values()) {
      long[] acc = accuracy.get(m.getModelId());
      // The model topic is compacted (latest snapshot per model id), so count versions, not records.
      long nSnaps = snaps.stream().filter(s -> s.getModelId().equals(m.getModelId()))
          .mapToLong(ModelSnapshot::getVersion).max().orElse(0);
      o.printf("%-14s %10d %8d %12.4f %14s %10d %10d%n", m.getModelId(), m.getSamplesSeen(), m.getStep(),
          m.getLossSmoothed(), acc == null || acc[1] == 0 ? "-" : String.format("%.4f", (double) acc[0] / acc[1]),
          nSnaps, m.getRejectedSamples());
    }
    Map<String, Long> reasons = new TreeMap<>();
    for (RejectedSample r : rejected) {
      reasons.merge(r.getReason(), 1L, Long::sum);
    }
    o.println("rejected samples by reason: " + reasons);
    // The live view's "last acc" is one report interval's; this table's is the whole run's, weighted by samples.
    o.println("(final loss: smoothed training loss of the last report; progr. acc: test-then-train accuracy over"
        + " the whole run; the live view's last acc: over the latest report's interval only)");
    Path png = outDir.resolve("loss.png");
    LossChart.write(png, "streamtrain demo: smoothed training loss", "loss", lossCurves, false);
    o.printf("loss chart: %s%n", png.toAbsolutePath());
    o.printf("done in %.1f s%n", seconds);
  }

  /** Every record of {@code topic} (read for at most 30 s). */
  static <T extends SpecificRecord> List<T> readAll(String bootstrap, String topic, Class<T> type)
      throws IOException {
    SpecificDatumReader<T> reader = new SpecificDatumReader<>(type);
    List<T> out = new ArrayList<>();
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("isolation.level", "read_committed");
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(topic).forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          out.add(reader.read(null, DecoderFactory.get().binaryDecoder(r.value(), null)));
        }
      }
    }
    return out;
  }
}
