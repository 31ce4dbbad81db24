package io.streamtrain.local;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running inside this JVM, from the
 * kafka_2.13 server classes: the embedded default behind {@code streamtrain broker}, the demo and the
 * integration tests. {@link #start()} formats the storage directory programmatically (as {@code kafka-storage
 * format} would, skipped when the directory is already formatted so a restart keeps its data), starts a {@link
 * KafkaRaftServer} and returns once a client sees the broker. Replication factors and min ISR are 1, including the
 * transaction state log, so Flink's exactly-once sink works on one node; {@code transaction.max.timeout.ms} is one
 * hour, the default transaction timeout of Flink's KafkaSink. {@link #close()} stops the
 * server and deletes the data of a temporary directory. Topics are auto-created on first use as in a stock broker,
 * but streamtrain's commands create theirs with {@link io.streamtrain.io.Topics} so partition counts and compaction
 * are explicit. A {@link SaslSslListener} given to the builder adds a TLS + SASL/PLAIN listener for clients beside
 * the plaintext one ({@link #saslSslBootstrapServers()}).
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
  private static final int NODE_ID = 1;

  private final int requestedPort;
  private final Path requestedDataDir;
  private final Map<String, String> overrides;
  private final Duration startTimeout;
  private final SaslSslListener requestedSaslSsl;

  private KafkaRaftServer server;
  private SaslSslListener saslSsl;
  private Path dataDir;
  private boolean deleteOnClose;
  private int port;
  private int controllerPort;

  private KafkaBroker(Builder b) {
    this.requestedPort = b.port;
    this.requestedDataDir = b.dataDir;
    this.overrides = new TreeMap<>(b.overrides);
    this.startTimeout = b.startTimeout;
    this.requestedSaslSsl = b.saslSsl;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts a broker on a free port with a temporary data directory (deleted on close). */
  public static KafkaBroker startTemporary() {
    return builder().build().start();
  }

  /** Options: port (0 = pick a free one), data directory (null = temporary), extra server properties. */
  public static final class Builder {
    private int port;
    private Path dataDir;
    private final Map<String, String> overrides = new TreeMap<>();
    private Duration startTimeout = Duration.ofSeconds(90);
    private SaslSslListener saslSsl;

    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " is not allowed; use 0 (pick a free port) to 65535");
      }
      this.port = port;
      return this;
    }

    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /** Any Kafka server property, e.g. log.retention.ms; applied after the defaults. */
    public Builder serverProperty(String key, String value) {
      overrides.put(key, value);
      return this;
    }

    /** Also open this TLS + SASL/PLAIN listener for clients (null: plaintext only). */
    public Builder saslSslListener(SaslSslListener listener) {
      this.saslSsl = listener;
      return this;
    }

    public Builder startTimeout(Duration timeout) {
      this.startTimeout = timeout;
      return this;
    }

    public KafkaBroker build() {
      return new KafkaBroker(this);
    }
  }

  /** Formats (if needed) and starts the server; returns when a client can describe the cluster. */
  public synchronized KafkaBroker start() {
    if (server != null) {
      throw new IllegalStateException("broker already started on " + bootstrapServers());
    }
    try {
      if (requestedDataDir == null) {
        dataDir = Files.createTempDirectory("streamtrain-broker-");
        deleteOnClose = true;
      } else {
        dataDir = requestedDataDir.toAbsolutePath();
        Files.createDirectories(dataDir);
        deleteOnClose = false;
      }
      port = requestedPort == 0 ? freePort() : requestedPort;
      controllerPort = freePort(port);
      saslSsl = null;
      if (requestedSaslSsl != null) {
        int p = requestedSaslSsl.port();
        saslSsl = requestedSaslSsl.onPort(p != 0 ? p : freePort(port, controllerPort));
      }
      Path logDir = dataDir.resolve("kraft-logs");
      Files.createDirectories(logDir);
      Properties props = serverProperties(logDir);
      format(logDir);
      KafkaConfig config = KafkaConfig.fromProps(props, false);
      server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
      awaitReady();
      LOG.info("Kafka broker ready on {}{} (data in {})", bootstrapServers(),
          saslSsl == null ? "" : ", " + saslSsl.name() + " on " + saslSslBootstrapServers(), dataDir);
      return this;
    } catch (IOException e) {
      closeQuietly();
      throw new UncheckedIOException("cannot start the Kafka broker: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  private Properties serverProperties(Path logDir) {
    Map<String, String> p = new TreeMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(NODE_ID));
    // A static quorum of one voter: nothing about the controller endpoint is stored in the log, so a restart
    // on the same data directory may use another controller port.
    p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
    String listeners = "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort;
    String advertised = "PLAINTEXT://localhost:" + port;
    String protocols = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT";
    if (saslSsl != null) {
      // Clients only: the controller and inter-broker traffic stay on the plaintext listeners.
      String l = saslSsl.name() + "://localhost:" + saslSsl.port();
      listeners += "," + l;
      advertised += "," + l;
      protocols += "," + saslSsl.name() + ":SASL_SSL";
      p.putAll(saslSsl.scopedServerProperties());
    }
    p.put("listeners", listeners);
    p.put("advertised.listeners", advertised);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", protocols);
    p.put("log.dirs", logDir.toString());
    p.put("metadata.log.dir", logDir.toString());
    p.put("num.partitions", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "5");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "5");
    // Flink's KafkaSink asks for transaction.timeout.ms = 1 h by default; the broker must allow it.
    p.put("transaction.max.timeout.ms", "3600000");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    // Kafka's default: a sink writing to a topic nobody created still works (with 1 partition). Commands and
    // jobs create their topics explicitly with Topics.ensure to get partition counts and compaction right.
    p.put("auto.create.topics.enable", "true");
    p.put("message.max.bytes", Integer.toString(16 * 1024 * 1024));
    p.putAll(overrides);
    Properties props = new Properties();
    props.putAll(p);
    return props;
  }

  private void format(Path logDir) {
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return; // formatted by an earlier run: keep the data, cluster id and topics
    }
    try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
      new Formatter()
          .setPrintStream(quiet)
          .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
          .setNodeId(NODE_ID)
          .setClusterId(Uuid.randomUuid().toString())
          .setDirectories(List.of(logDir.toString()))
          .setMetadataLogDirectory(logDir.toString())
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setControllerListenerName("CONTROLLER")
          .setIgnoreFormatted(true)
          .run();
    } catch (Exception e) {
      throw new IllegalStateException("cannot format the Kafka storage directory " + logDir + ": " + e, e);
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
    Exception last = null;
    try (Admin admin = Admin.create(p)) {
      while (System.nanoTime() < deadline) {
        try {
          if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000)).nodes().get(6, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          last = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
        sleep(100);
      }
    }
    throw new IllegalStateException(
        "the Kafka broker did not accept clients on " + bootstrapServers() + " within " + startTimeout, last);
  }

  /** {@code localhost:PORT} of the PLAINTEXT listener. */
  public String bootstrapServers() {
    return "localhost:" + port;
  }

  public int port() {
    return port;
  }

  /** {@code localhost:PORT} of the SASL_SSL listener; fails when the broker has none. */
  public String saslSslBootstrapServers() {
    if (saslSsl == null) {
      throw new IllegalStateException("this broker has no SASL_SSL listener; add one with Builder.saslSslListener");
    }
    return "localhost:" + saslSsl.port();
  }

  /** The SASL_SSL listener's port, or -1 without one. */
  public int saslSslPort() {
    return saslSsl == null ? -1 : saslSsl.port();
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Stops the server and waits for it; deletes a temporary data directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (server != null) {
      try {
        server.shutdown();
        server.awaitShutdown();
      } finally {
        server = null;
      }
    }
    if (deleteOnClose && dataDir != null) {
      deleteRecursively(dataDir);
      deleteOnClose = false;
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException e) {
      LOG.warn("error while stopping a broker that failed to start", e);
    }
  }

  /** A port that was free a moment ago (bound to the loopback address then released). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }

  private static int freePort(int... avoid) {
    for (int i = 0; i < 20; i++) {
      int p = freePort();
      if (java.util.Arrays.stream(avoid).noneMatch(a -> a == p)) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find a second free port");
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", dir, e.toString());
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
