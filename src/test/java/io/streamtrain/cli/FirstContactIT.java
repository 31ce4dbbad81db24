package io.streamtrain.cli;

import io.streamtrain.testing.CliRun;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.Sample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.KafkaTestSupport;
import io.streamtrain.testing.TrainingRuns;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A newcomer's first runs against a real in-JVM KRaft broker, through the picocli entry point: string labels,
 * malformed and truncated inputs, a bounded run that rejects everything, replay ranges the topic does not have,
 * and the determinism condition the README states (produce's defaults, a two-partition topic, two runs of the same
 * job, bit-identical parameters). Expected figures come from the test's own inputs (rows written, Kafka's
 * documented key partitioner), not from the code under test.
 */
class FirstContactIT {
  static KafkaBroker broker;
  static String bootstrap;
  @TempDir Path dir;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBroker.startTemporary();
    bootstrap = broker.bootstrapServers();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  static CliRun cli(String... args) {
    return CliRun.run(args);
  }

  static List<Sample> samples(String topic) throws IOException {
    return KafkaTestSupport.decodeAll(KafkaTestSupport.readAll(bootstrap, topic), Sample.class);
  }

  Path file(String name, String text) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  @Test
  void stringLabelsAreMappedOrIndexedAndYesNoIsBinary() throws IOException {
    Path spam = file("spam.csv", "f1,f2,class\n1,2,spam\n3,4,nonspam\n5,6,spam\n");
    CliRun mapped = cli("produce", "--bootstrap", bootstrap, "--topic", "fc-spam", "--from", spam.toString(),
        "--label-map", "spam=1,nonspam=0", "--label-type", "binary", "--no-progress");
    assertThat(mapped.exit()).as(mapped.err()).isZero();
    assertThat(mapped.out()).contains("produced 3 samples", "0 malformed");
    assertThat(samples("fc-spam")).extracting(Sample::getLabel).containsExactly(true, false, true);

    Path yesNo = file("yesno.csv", "f1,label\n1,yes\n2,No\n3,y\n4,N\n");
    CliRun yn = cli("produce", "--bootstrap", bootstrap, "--topic", "fc-yesno", "--from", yesNo.toString(),
        "--no-progress");
    assertThat(yn.exit()).as(yn.err()).isZero();
    assertThat(samples("fc-yesno")).extracting(Sample::getLabel).containsExactly(true, false, true, false);

    Path letters = file("letters.csv", "x,letter\n1,T\n2,I\n3,T\n4,D\n");
    CliRun auto = cli("produce", "--bootstrap", bootstrap, "--topic", "fc-letters", "--from", letters.toString(),
        "--label-map", "auto", "--no-progress");
    assertThat(auto.exit()).as(auto.err()).isZero();
    assertThat(auto.out()).contains("T=0,I=1,D=2");
    assertThat(samples("fc-letters")).extracting(Sample::getLabel).containsExactly(0, 1, 0, 2);

    Path weighted = file("weighted.csv", "f1,w,label\n1,0.25,yes\n2,4,no\n");
    CliRun w = cli("produce", "--bootstrap", bootstrap, "--topic", "fc-weights", "--from", weighted.toString(),
        "--weight-column", "w", "--no-progress");
    assertThat(w.exit()).as(w.err()).isZero();
    assertThat(samples("fc-weights")).extracting(Sample::getWeight).containsExactly(0.25, 4.0);
    assertThat(samples("fc-weights")).extracting(x -> x.getDense().size()).containsOnly(1);

    Path unlisted = file("unlisted.csv", "f1,class\n1,spam\n2,ham\n");
    CliRun typo = cli("produce", "--bootstrap", bootstrap, "--topic", "fc-unlisted", "--from", unlisted.toString(),
        "--label-map", "spam=1,nonspam=0", "--no-progress");
    assertThat(typo.exit()).isZero();
    assertThat(typo.err()).contains("malformed line 3", "\"ham\" is not in --label-map (allowed: spam, nonspam)");
  }

  @Test
  void aClassSortedFileIsShuffledInAWindowWithTheSameOrderForTheSameSeed() throws IOException {
    // 100 rows of class "a" then 100 of "b"; the feature is the row's index, so the order sent is readable.
    StringBuilder csv = new StringBuilder("row,kind\n");
    for (int i = 0; i < 200; i++) {
      csv.append(i).append(',').append(i < 100 ? "a" : "b").append('\n');
    }
    Path sorted = file("sorted.csv", csv.toString());
    List<List<Sample>> runs = new ArrayList<>();
    for (String topic : List.of("fc-shuffled-1", "fc-shuffled-2")) {
      CliRun r = cli("produce", "--bootstrap", bootstrap, "--topic", topic, "--from", sorted.toString(),
          "--label-map", "auto", "--shuffle", "7", "--shuffle-window", "50", "--partitions", "1", "--no-progress");
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).contains("produced 200 samples", "a=0,b=1");
      runs.add(samples(topic));
    }
    List<Integer> order = runs.get(0).stream().map(x -> (int) (double) x.getDense().get(0)).toList();
    assertThat(runs.get(1).stream().map(x -> (int) (double) x.getDense().get(0)).toList()).isEqualTo(order);
    assertThat(order).containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 200).boxed().toList());
    assertThat(order).isNotEqualTo(java.util.stream.IntStream.range(0, 200).boxed().toList());
    // A window of 50: the k-th row sent was among the first 50 + k rows of the file.
    for (int k = 0; k < order.size(); k++) {
      assertThat(order.get(k)).as("row sent at %d", k).isLessThan(50 + k);
    }
    // Classes mixed: class b (rows >= 100) appears among the first 100 rows sent, which holds only a's unshuffled.
    assertThat(order.subList(0, 100)).anyMatch(row -> row >= 100);
    // Each label follows its row, and event times follow the sending order.
    for (Sample x : runs.get(0)) {
      assertThat(x.getLabel()).isEqualTo((int) (double) x.getDense().get(0) < 100 ? 0 : 1);
    }
    List<java.time.Instant> times = runs.get(0).stream().map(Sample::getEventTime).toList();
    assertThat(times).isSorted().doesNotHaveDuplicates();

    CliRun generator = cli("produce", "--bootstrap", bootstrap, "--topic", "fc-shuffled-1", "--generator", "sea",
        "--count", "5", "--shuffle", "1");
    assertThat(generator.exit()).isEqualTo(2);
    assertThat(generator.err()).contains("--shuffle", "applies to --from files only");
  }

  @Test
  void produceExitsNonZeroWhenEveryRowIsMalformedOrStrictMeetsOne() throws IOException {
    Path words = file("words.csv", "f1,f2,class\n1,2,spam\n3,4,nonspam\n");
    CliRun all = cli("produce", "--bootstrap", bootstrap, "--topic", "fc-words", "--from", words.toString(),
        "--no-progress");
    assertThat(all.exit()).isEqualTo(1);
    assertThat(all.err()).contains("error: all 2 rows", "were malformed, nothing was sent", "--label-map");
    assertThat(all.out()).contains("produced 0 samples");

    Path oneBad = file("onebad.csv", "a,y\n1,1\n2,0\nx,1\n4,1\n");
    CliRun strict = cli("produce", "--bootstrap", bootstrap, "--topic", "fc-strict", "--from", oneBad.toString(),
        "--strict", "--no-progress");
    assertThat(strict.exit()).isEqualTo(1);
    assertThat(strict.err()).contains("error: --strict: malformed line 4", "2 samples were sent before it");
    assertThat(samples("fc-strict")).hasSize(2);
  }

  @Test
  void aTruncatedGzipSaysHowManyRowsWereSent() throws IOException {
    StringBuilder csv = new StringBuilder("a,b,y\n");
    for (int i = 0; i < 20_000; i++) {
      csv.append(i).append(',').append(i % 7).append(',').append(i % 2).append('\n');
    }
    Path full = dir.resolve("full.csv.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(full))) {
      o.write(csv.toString().getBytes(StandardCharsets.UTF_8));
    }
    byte[] bytes = Files.readAllBytes(full);
    Path cut = dir.resolve("cut.csv.gz");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    CliRun r = cli("produce", "--bootstrap", bootstrap, "--topic", "fc-cut", "--from", cut.toString(), "--no-progress");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("error: " + cut, "could not be read to its end", "samples were sent before it");
    assertThat(r.err().lines().filter(l -> !l.isBlank()).count()).isEqualTo(1);
    long sent = Long.parseLong(r.err().replaceAll("(?s).*: (\\d+) samples were sent before it.*", "$1"));
    assertThat(samples("fc-cut")).hasSize((int) sent);
    assertThat(sent).isLessThan(20_000);
  }

  @Test
  void replayOnAMissingTopicOrPartitionIsOneLineNamingIt() throws IOException {
    String configs = "configs:\n  - {name: a, model: {type: logistic, features: {dense: 2}}, "
        + "optimizer: {type: sgd, lr: 0.1}}\n";
    CliRun missing = cli("replay", file("missing.yaml", "name: r\nsource: {topic: fc-nothing-here}\n" + configs)
        .toString(), "--bootstrap", bootstrap);
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("error: topic fc-nothing-here does not exist on " + bootstrap);
    assertThat(missing.err().lines().filter(l -> l.startsWith("error") || l.startsWith("\tat")).count()).isEqualTo(1);

    Path csv = file("two.csv", "a,b,y\n1,2,1\n");
    assertThat(cli("produce", "--bootstrap", bootstrap, "--topic", "fc-replay", "--from", csv.toString(),
        "--no-progress").exit()).isZero();
    CliRun partition = cli("replay", file("partition.yaml", "name: r\nsource: {topic: fc-replay, start: {offsets: {5: 0}}}\n"
        + configs).toString(), "--bootstrap", bootstrap);
    assertThat(partition.exit()).isEqualTo(2);
    assertThat(partition.err()).contains("source.start.offsets.5", "topic fc-replay has no partition 5",
        "partitions 0 to 1");
  }

  static String jobYaml(String name, String prefix) {
    return jobYaml(name, prefix, 2);
  }

  static String jobYaml(String name, String prefix, int parallelism) {
    return "name: " + name + "\n"
        + "model: {type: logistic, features: {dense: 4}}\n"
        + "optimizer: {type: adam, lr: 0.05}\n"
        + "batching: {batch_size: 16, shuffle_capacity: 64, seed: 3}\n"
        + "topics: {samples: " + prefix + "samples, metrics: " + prefix + "metrics, models: " + prefix + "models, "
        + "rejected: " + prefix + "rejected}\n"
        + "snapshots: {every_steps: 40}\n"
        + "metrics: {every_batches: 10}\n"
        + "checkpoint: {interval_ms: 500}\n"
        + "parallelism: " + parallelism + "\n";
  }

  @Test
  void aBoundedRunThatRejectsEverySampleExitsNonZeroSayingWhy() throws IOException {
    // Three feature columns for a model of four: every sample is DENSE_LENGTH_MISMATCH.
    StringBuilder csv = new StringBuilder("a,b,c,y\n");
    for (int i = 0; i < 50; i++) {
      csv.append(i).append(",1,2,").append(i % 2).append('\n');
    }
    Path f = file("narrow.csv", csv.toString());
    CliRun p = cli("produce", "--bootstrap", bootstrap, "--topic", "fc-rej-samples", "--from", f.toString(),
        "--model-id", "narrow", "--no-progress");
    assertThat(p.exit()).as(p.err()).isZero();
    // A record that is no Sample at all belongs to no model: listed in the summary, not counted as a model.
    try (var producer = KafkaTestSupport.producer(bootstrap)) {
      producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("fc-rej-samples",
          new byte[] {(byte) 0xff, 1, 2, 3})).get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    Path spec = file("rej.yaml", jobYaml("fc-rej", "fc-rej-"));
    CliRun r = cli("train", spec.toString(), "--bootstrap", bootstrap, "--bounded");
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.out()).doesNotContain("finished");
    assertThat(r.out()).contains("narrow", "DENSE_LENGTH_MISMATCH=50", RunSummary.NO_MODEL, "UNDECODABLE=1");
    assertThat(r.err()).contains("error: training job 'fc-rej' ended, but 1 of 1 models trained on no sample",
        "narrow: 50 rejected");
  }

  /** The partition Kafka's default partitioner gives a record key (murmur2, as its documentation states). */
  static int partitionOf(String key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  static Map<TopicPartition, Long> ends(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      if (!admin.listTopics().names().get().contains(topic)) {
        return Map.of(); // the first run creates it
      }
      Map<TopicPartition, OffsetSpec> q = new HashMap<>();
      for (var p : admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()) {
        q.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
      }
      Map<TopicPartition, Long> out = new HashMap<>();
      admin.listOffsets(q).all().get().forEach((tp, r) -> out.put(tp, r.offset()));
      return out;
    }
  }

  /** The records of {@code topic} at or after {@code from} (one run's output on a topic several runs share). */
  static List<ConsumerRecord<byte[], byte[]>> after(String topic, Map<TopicPartition, Long> from) {
    return KafkaTestSupport.readAll(bootstrap, topic).stream()
        .filter(r -> r.offset() >= from.getOrDefault(new TopicPartition(r.topic(), r.partition()), 0L))
        .collect(Collectors.toList());
  }

  record Outcome(Map<String, long[]> parameters, Map<String, TrainingMetrics> lastReport, String out) {}

  static Outcome trainBounded(Path spec, String prefix) throws Exception {
    Map<TopicPartition, Long> models = ends(prefix + "models");
    Map<TopicPartition, Long> metrics = ends(prefix + "metrics");
    CliRun r = cli("train", spec.toString(), "--bootstrap", bootstrap, "--bounded");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    List<ModelSnapshot> snaps = KafkaTestSupport.decodeAll(after(prefix + "models", models), ModelSnapshot.class);
    Map<String, long[]> params = new TreeMap<>();
    for (String id : snaps.stream().map(ModelSnapshot::getModelId).collect(Collectors.toSet())) {
      params.put(id, TrainingRuns.bits(TrainingRuns.lastSnapshot(snaps, id).getParameters()));
    }
    Map<String, TrainingMetrics> last = new TreeMap<>();
    for (TrainingMetrics m : KafkaTestSupport.decodeAll(after(prefix + "metrics", metrics), TrainingMetrics.class)) {
      last.merge(m.getModelId(), m, (a, b) -> a.getSamplesSeen() >= b.getSamplesSeen() ? a : b);
    }
    return new Outcome(params, last, r.out());
  }

  @Test
  void twoRunsOfOneJobOnATopicProducedWithDefaultsEndBitIdentical() throws Exception {
    String prefix = "fc-det-";
    // Two models whose ids Kafka's partitioner sends to different partitions of a two-partition topic, so both
    // partitions (and both source readers) carry samples and their interleaving at the keyBy varies by run.
    List<String> ids = new ArrayList<>();
    Set<Integer> used = new java.util.HashSet<>();
    for (int i = 0; ids.size() < 2; i++) {
      String id = "tenant-" + i;
      if (used.add(partitionOf(id, 2))) {
        ids.add(id);
      }
    }
    int n = 3000;
    for (int k = 0; k < 2; k++) {
      CliRun p = cli("produce", "--bootstrap", bootstrap, "--topic", prefix + "samples", "--generator", "hyperplane",
          "--param", "dims=4", "--count", Integer.toString(n), "--seed", Integer.toString(11 + k),
          "--model-id", ids.get(k), "--no-progress");
      assertThat(p.exit()).as(p.err()).isZero();
    }
    // produce's defaults: the topic has two partitions, records are keyed by model id, one model per partition.
    List<ConsumerRecord<byte[], byte[]>> records = KafkaTestSupport.readAll(bootstrap, prefix + "samples");
    assertThat(records).hasSize(2 * n);
    Map<String, Set<Integer>> partitionsByKey = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> rec : records) {
      partitionsByKey.computeIfAbsent(new String(rec.key(), StandardCharsets.UTF_8), k -> new java.util.TreeSet<>())
          .add(rec.partition());
    }
    assertThat(partitionsByKey).containsOnlyKeys(ids.get(0), ids.get(1));
    assertThat(partitionsByKey.get(ids.get(0))).containsExactly(partitionOf(ids.get(0), 2));
    assertThat(partitionsByKey.get(ids.get(1))).containsExactly(partitionOf(ids.get(1), 2));

    Path spec = file("det.yaml", jobYaml("fc-det", prefix));
    Outcome first = trainBounded(spec, prefix);
    Outcome second = trainBounded(spec, prefix);
    // The condition does not involve the parallelism: one reader and one trainer give the same parameters.
    Outcome serial = trainBounded(file("det-p1.yaml", jobYaml("fc-det", prefix, 1)), prefix);

    assertThat(first.parameters()).containsOnlyKeys(ids.get(0), ids.get(1));
    for (String id : ids) {
      assertThat(second.parameters().get(id)).as(id).containsExactly(first.parameters().get(id));
      assertThat(serial.parameters().get(id)).as(id + " at parallelism 1").containsExactly(first.parameters().get(id));
      TrainingMetrics a = first.lastReport().get(id);
      TrainingMetrics b = second.lastReport().get(id);
      assertThat(a.getSamplesSeen()).isEqualTo(n);
      assertThat(Double.doubleToRawLongBits(b.getLossSmoothed())).isEqualTo(Double.doubleToRawLongBits(a.getLossSmoothed()));
      // Everything up to the bounded source's end was read: the last report shows no backlog (null when no lag
      // marker reached the model before the end; FinalLagTest covers the markers themselves).
      assertThat(a.getConsumerLag()).as(id + " final lag").isIn(null, 0L);
      assertThat(b.getConsumerLag()).as(id + " final lag").isIn(null, 0L);
    }
    // The summary a bounded run ends with, per model: the 3000 samples produced for it; 188 steps (187 batches of
    // 16 and a last one of 8); snapshots at steps 40, 80, 120, 160 and the final one: 5; nothing rejected.
    for (String id : ids) {
      assertThat(first.out()).containsPattern(id + "\\s+" + n + "\\s+188\\s+\\S+\\s+\\S+\\s+5\\s+0\\s+-");
    }
    assertThat(first.out()).contains("progr. acc", "snapshots", "finished");
  }
}
