package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleProducer;
import io.streamtrain.io.Topics;
import io.streamtrain.io.Topics.TopicSpec;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.JobSpecFiles;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.TestKeyMaterial;
import io.streamtrain.testing.TrainingRuns;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training job over TLS + SASL/PLAIN: the broker offers only its SASL_SSL listener to the job, whose Kafka
 * settings come from the shipped conf/kafka-sasl-ssl.properties with the user, password and truststore in the
 * environment. In a MiniCluster in this JVM, and as {@code streamtrain train} in a separate JVM whose environment
 * alone holds the password: samples are read, metrics, snapshots and rejects written (read back over SASL_SSL),
 * and the password appears in none of those records, nor in the process's output with every logger at INFO,
 * where Kafka prints the JAAS entry as [hidden].
 */
class SecureTrainingIT {
  /** A unique core that no log line or record can contain by chance; quote and backslash test the escaping. */
  static final String SECRET_CORE = java.util.UUID.randomUUID().toString().replace("-", "");
  static final String PASSWORD = "pw\"" + SECRET_CORE + "\\x";

  @TempDir static Path tmp;
  static TestKeyMaterial keys;
  static KafkaBroker broker;

  @BeforeAll
  static void start() throws Exception {
    keys = TestKeyMaterial.generate(tmp.resolve("tls"), "ks-" + System.nanoTime(), "ts-" + System.nanoTime());
    broker = keys.startSecureBroker(Map.of("trainer", PASSWORD));
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  static Map<String, String> env() {
    return keys.clientEnv("trainer", PASSWORD);
  }

  static KafkaSettings secure() {
    return TestKeyMaterial.shippedClientSettings(broker.saslSslBootstrapServers(), env());
  }

  /** {@code n} samples of a 5-dimensional linear problem for model {@code tenant-a}, and one undecodable record. */
  static void produceOverSaslSsl(KafkaSettings s, String topic, int n) {
    SampleGenerator gen = Generators.create("linear", Map.of("dims", 5), 11);
    MutableSample m = new MutableSample();
    try (SampleProducer p = new SampleProducer(s, topic)) {
      for (int i = 0; i < n; i++) {
        gen.next(m);
        m.modelId = "tenant-a";
        m.key = "tenant-a";
        p.send(m);
      }
      p.sendEncoded("junk".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xff, 0x13, 0x37});
    }
  }

  static void createTopics(KafkaSettings s, String... names) {
    try (Admin admin = Admin.create(s.toProperties(Map.of()))) {
      for (String t : names) {
        Topics.ensure(admin, TopicSpec.of(t, 2));
      }
    }
  }

  record Outputs(List<ConsumerRecord<byte[], byte[]>> metrics, List<ConsumerRecord<byte[], byte[]>> models,
      List<ConsumerRecord<byte[], byte[]>> rejected) {
    List<ConsumerRecord<byte[], byte[]>> all() {
      List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>(metrics);
      out.addAll(models);
      out.addAll(rejected);
      return out;
    }
  }

  static Outputs readOutputs(KafkaSettings s, String prefix) {
    var p = s.toProperties(Map.of());
    return new Outputs(readAll(p, prefix + "metrics"), readAll(p, prefix + "models"), readAll(p, prefix + "rejected"));
  }

  /** What the job must have written for {@code n} good samples and one undecodable record, batch size 32. */
  static void assertTrained(Outputs out, int n) throws Exception {
    List<TrainingMetrics> metrics = decodeAll(out.metrics(), TrainingMetrics.class);
    List<ModelSnapshot> snaps = decodeAll(out.models(), ModelSnapshot.class);
    List<RejectedSample> rejected = decodeAll(out.rejected(), RejectedSample.class);
    TrainingMetrics last = metrics.stream().max(Comparator.comparingLong(TrainingMetrics::getStep)).orElseThrow();
    assertThat(last.getSamplesSeen()).isEqualTo(n);
    assertThat(metrics.stream().mapToLong(TrainingMetrics::getSamplesInReport).sum()).as("each sample once").isEqualTo(n);
    ModelSnapshot snap = TrainingRuns.lastSnapshot(snaps, "tenant-a");
    assertThat(snap.getStep()).isEqualTo(n / 32);
    assertThat(snap.getParameters()).hasSize(6).allMatch(Double::isFinite);
    assertThat(rejected).extracting(RejectedSample::getReason).containsExactly("UNDECODABLE");
  }

  /** Every byte of every record: key, value, header keys and values. */
  static void assertNoRecordContains(List<ConsumerRecord<byte[], byte[]>> records, String secret) {
    assertThat(records).isNotEmpty();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      StringBuilder all = new StringBuilder();
      if (r.key() != null) {
        all.append(new String(r.key(), StandardCharsets.ISO_8859_1));
      }
      if (r.value() != null) {
        all.append(new String(r.value(), StandardCharsets.ISO_8859_1));
      }
      for (Header h : r.headers()) {
        all.append(h.key()).append(new String(h.value() == null ? new byte[0] : h.value(), StandardCharsets.ISO_8859_1));
      }
      assertThat(all.toString()).as("record %s-%d@%d", r.topic(), r.partition(), r.offset()).doesNotContain(secret);
    }
  }

  static String yamlSpec(String name, String prefix) {
    return "name: " + name + "\n"
        + "model: {type: logistic, features: {dense: 5}}\n"
        + "optimizer: {type: adam, lr: 0.05}\n"
        + "batching: {batch_size: 32, shuffle_capacity: 256, seed: 7}\n"
        + "accept: \"tenant-.*\"\n"
        + "topics: {samples: " + prefix + "samples, metrics: " + prefix + "metrics, models: " + prefix + "models, "
        + "rejected: " + prefix + "rejected, partitions: 2}\n"
        + "snapshots: {every_steps: 50}\n"
        + "metrics: {every_batches: 20}\n"
        + "checkpoint: {interval_ms: 500, storage: \"" + tmp.resolve(name + "-checkpoints").toUri() + "\"}\n"
        + "parallelism: 2\n"
        + "source: {bounded: true}\n";
  }

  @Test
  void theTrainingJobReadsAndWritesOverSaslSslInAMiniCluster() throws Exception {
    KafkaSettings s = secure();
    String p = "sec-mini-";
    int n = 3200;
    createTopics(s, p + "samples", p + "metrics", p + "models", p + "rejected");
    produceOverSaslSsl(s, p + "samples", n);
    Path file = tmp.resolve("sec-mini.yaml");
    Files.writeString(file, yamlSpec("sec-mini", p));
    JobSpec spec = JobSpecFiles.load(file);
    StreamExecutionEnvironment env = TrainingRuns.env(spec, null);
    KafkaTrainingIo.job(spec, s).build(env);
    env.execute(spec.name());

    Outputs out = readOutputs(s, p);
    assertTrained(out, n);
    assertNoRecordContains(out.all(), SECRET_CORE);
    assertThat(s.toString()).doesNotContain(SECRET_CORE).doesNotContain(keys.truststorePassword());
    assertThat(s.redacted()).containsEntry("sasl.jaas.config", "***").containsEntry("ssl.truststore.password", "***");
  }

  @Test
  void theTrainCommandInItsOwnJvmKeepsThePasswordOutOfLogsAndRecords() throws Exception {
    KafkaSettings s = secure();
    String p = "sec-cli-";
    int n = 3200;
    createTopics(s, p + "samples"); // the command creates its three output topics itself, over SASL_SSL
    produceOverSaslSsl(s, p + "samples", n);
    Path spec = tmp.resolve("sec-cli.yaml");
    Files.writeString(spec, yamlSpec("sec-cli", p));
    // Every logger at INFO, so Kafka's client config dumps and Flink's start-up logging are all in the output.
    Path log4j = tmp.resolve("log4j2-info.properties");
    Files.writeString(log4j, "rootLogger.level = INFO\nrootLogger.appenderRef.err.ref = err\n"
        + "appender.err.type = Console\nappender.err.name = err\nappender.err.target = SYSTEM_ERR\n"
        + "appender.err.layout.type = PatternLayout\nappender.err.layout.pattern = %d %-5p %c - %m%n\n");

    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    // The same --add-opens the test JVM runs with (pom.xml jvm.opens), which Flink needs on Java 17.
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens")).forEach(cmd::add);
    cmd.add("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.streamtrain.avro");
    cmd.add("-Dlog4j2.configurationFile=" + log4j);
    cmd.add("-Dstreamtrain.home=" + Path.of("").toAbsolutePath());
    cmd.add("-cp");
    cmd.add(Path.of("target", "classes").toAbsolutePath() + File.pathSeparator
        + Files.readString(Path.of("target", "classpath.txt")).trim());
    cmd.add("io.streamtrain.cli.Main");
    cmd.addAll(List.of("train", spec.toString(), "--bounded", "--kafka-config", "conf/kafka-sasl-ssl.properties",
        "--bootstrap", broker.saslSslBootstrapServers()));
    Path stdout = tmp.resolve("train.out");
    Path stderr = tmp.resolve("train.err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    pb.environment().putAll(env()); // the only place the password is handed over
    Process proc = pb.start();
    boolean ended;
    try {
      ended = proc.waitFor(6, TimeUnit.MINUTES);
    } finally {
      if (proc.isAlive()) {
        proc.destroyForcibly();
        proc.waitFor(30, TimeUnit.SECONDS);
      }
    }
    String out = Files.readString(stdout, StandardCharsets.UTF_8);
    String err = Files.readString(stderr, StandardCharsets.UTF_8);
    assertThat(ended).as("the train command ended within 6 minutes; stderr tail:\n%s", tail(err)).isTrue();
    assertThat(proc.exitValue()).as("exit code; stderr tail:\n%s", tail(err)).isZero();
    assertThat(out).contains("training job 'sec-cli' finished");

    Outputs records = readOutputs(s, p);
    assertTrained(records, n);
    assertNoRecordContains(records.all(), SECRET_CORE);

    // Kafka's own config logging of the job's producers, consumers and admin clients: Password-typed, so hidden.
    assertThat(err).contains("security.protocol = SASL_SSL", "sasl.jaas.config = [hidden]",
        "ssl.truststore.password = [hidden]");
    for (String text : List.of(out, err)) {
      assertThat(text).doesNotContain(SECRET_CORE).doesNotContain(keys.truststorePassword())
          .doesNotContain(keys.keystorePassword());
    }
  }

  private static String tail(String s) {
    return s.length() <= 6000 ? s : s.substring(s.length() - 6000);
  }
}
