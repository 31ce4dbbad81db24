package io.streamtrain.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A Flink session cluster started as separate JVMs (one JobManager, one or more TaskManagers) from the Maven-built
 * classpath, without flink-dist (the entry points StandaloneSessionClusterEntrypoint and TaskManagerRunner, every
 * TaskManager memory component set in the config, the --add-opens flink-dist carries): the path users take when
 * they outgrow the embedded
 * MiniCluster. Ports are picked free at start; {@link #close()} kills every process, also when a test failed.
 * TaskManagers can be killed and restarted to inject failures.
 */
public final class FlinkSessionCluster implements AutoCloseable {
  /** What flink-dist's config.yaml passes as env.java.opts.all for Java 17. */
  public static final List<String> JAVA17_OPTS =
      List.of(
          "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
          "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.text=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

  private static final java.util.regex.Pattern JOB_LIBRARIES = java.util.regex.Pattern.compile(
      "/org/apache/kafka/|/flink-connector-kafka|/flink-avro|/org/apache/avro/|/info/picocli/|/org/jfree/|/org/ejml/"
          + "|/org/hdrhistogram/|/com/fasterxml/jackson/|/org/yaml/|/com/github/luben/|/org/lz4/|/at/yawk/"
          + "|/org/xerial/snappy/|/org/scala-lang/");

  private final Path dir;
  private final Path confDir;
  private final String classpath;
  private final int restPort;
  private final int slotsPerTaskManager;
  private Process jobManager;
  private final List<Process> taskManagers = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private FlinkSessionCluster(Path dir, String classpath, int restPort, int slots) {
    this.dir = dir;
    this.confDir = dir.resolve("conf");
    this.classpath = classpath;
    this.restPort = restPort;
    this.slotsPerTaskManager = slots;
  }

  /**
   * Starts a JobManager and {@code taskManagers} TaskManagers with {@code slots} slots each, and waits until all
   * TaskManagers have registered. The classpath is Flink's (target/classpath.txt); the job itself arrives as a
   * jar, as on a real cluster.
   */
  public static FlinkSessionCluster start(Path dir, int taskManagers, int slots) throws IOException {
    // Like flink-dist's lib/: Flink and its own dependencies only. The job's libraries (Kafka client and
    // connector, Avro, ...) arrive in the job jar; having them on both sides breaks class loading.
    StringBuilder flinkOnly = new StringBuilder();
    for (String entry : Files.readString(Path.of("target", "classpath.txt")).trim().split(java.io.File.pathSeparator)) {
      if (!JOB_LIBRARIES.matcher(entry).find()) {
        flinkOnly.append(flinkOnly.length() == 0 ? "" : java.io.File.pathSeparator).append(entry);
      }
    }
    String cp = flinkOnly.toString();
    // flink-dist ships the web frontend that serves jar upload; here it is a test dependency.
    for (String entry : Files.readString(Path.of("target", "test-classpath.txt")).trim().split(java.io.File.pathSeparator)) {
      if (entry.contains("flink-runtime-web")) {
        cp = cp + java.io.File.pathSeparator + entry;
      }
    }
    FlinkSessionCluster c = new FlinkSessionCluster(dir, cp, freePort(), slots);
    try {
      c.writeConfig();
      c.jobManager = c.launch("jobmanager", "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint");
      for (int i = 0; i < taskManagers; i++) {
        c.startTaskManager();
      }
      c.awaitTaskManagers(taskManagers);
      return c;
    } catch (RuntimeException | IOException e) {
      c.close();
      throw e;
    }
  }

  public String restAddress() {
    return "localhost:" + restPort;
  }

  public int restPort() {
    return restPort;
  }

  public Process startTaskManager() throws IOException {
    Process p = launch("taskmanager-" + taskManagers.size(), "org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
    taskManagers.add(p);
    return p;
  }

  /** Kills a TaskManager process the hard way (SIGKILL), as a machine failure would. */
  public void killTaskManager(int index) throws InterruptedException {
    Process p = taskManagers.get(index);
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  public List<Process> taskManagers() {
    return taskManagers;
  }

  public void awaitTaskManagers(int n) {
    Awaitility.await("TaskManagers registered")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> get("/taskmanagers").split("\"id\"").length - 1 >= n);
  }

  /** GET on the REST API, returning the body (throws on a non-2xx status). */
  public String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IOException("GET " + path + " -> " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  public Path logDir() {
    return dir.resolve("log");
  }

  @Override
  public void close() {
    for (Process p : taskManagers) {
      p.destroyForcibly();
    }
    if (jobManager != null) {
      jobManager.destroyForcibly();
    }
    for (Process p : taskManagers) {
      waitQuietly(p);
    }
    if (jobManager != null) {
      waitQuietly(jobManager);
    }
  }

  private static void waitQuietly(Process p) {
    try {
      p.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Process launch(String name, String mainClass) throws IOException {
    Files.createDirectories(logDir());
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-XX:MaxMetaspaceSize=256m");
    cmd.addAll(JAVA17_OPTS);
    cmd.add("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.streamtrain.avro");
    cmd.add("-Dlog.file=" + logDir().resolve(name + ".log"));
    cmd.add("-Dlog4j2.configurationFile=" + confDir.resolve("log4j2-cluster.xml").toUri());
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.add("--configDir");
    cmd.add(confDir.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectErrorStream(true);
    pb.redirectOutput(logDir().resolve(name + ".out").toFile());
    return pb.start();
  }

  private void writeConfig() throws IOException {
    Files.createDirectories(confDir);
    String yaml =
        String.join(
            "\n",
            "jobmanager.rpc.address: localhost",
            "jobmanager.rpc.port: " + freePort(),
            "jobmanager.bind-host: localhost",
            "jobmanager.memory.process.size: 1024m",
            "rest.address: localhost",
            "rest.bind-address: localhost",
            "rest.port: " + restPort,
            "blob.server.port: 0",
            "taskmanager.host: localhost",
            "taskmanager.bind-host: localhost",
            "taskmanager.rpc.port: 0",
            "taskmanager.data.port: 0",
            "taskmanager.numberOfTaskSlots: " + slotsPerTaskManager,
            "taskmanager.cpu.cores: " + slotsPerTaskManager,
            // Started directly (no flink-dist scripts), a TaskManager needs every memory component set.
            "taskmanager.memory.framework.heap.size: 128m",
            "taskmanager.memory.framework.off-heap.size: 128m",
            "taskmanager.memory.task.heap.size: 256m",
            "taskmanager.memory.task.off-heap.size: 0m",
            "taskmanager.memory.network.min: 64m",
            "taskmanager.memory.network.max: 64m",
            "taskmanager.memory.managed.size: 64m",
            "taskmanager.memory.jvm-metaspace.size: 256m",
            "taskmanager.memory.jvm-overhead.min: 192m",
            "taskmanager.memory.jvm-overhead.max: 192m",
            "parallelism.default: 1",
            "heartbeat.interval: 1000",
            "heartbeat.timeout: 30000",
            "pekko.ask.timeout: 30 s",
            "web.submit.enable: true",
            "web.upload.dir: " + dir.resolve("upload"),
            "io.tmp.dirs: " + dir.resolve("tmp"),
            // As on a real cluster: checkpoints to files (the JobManager's memory takes at most 5 MB a state).
            "execution.checkpointing.storage: filesystem",
            "execution.checkpointing.dir: " + dir.resolve("checkpoints").toUri(),
            "");
    Files.writeString(confDir.resolve("config.yaml"), yaml, StandardCharsets.UTF_8);
    Files.createDirectories(dir.resolve("upload"));
    Files.createDirectories(dir.resolve("tmp"));
    String log4j =
        String.join(
            "\n",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<Configuration status=\"WARN\">",
            "  <Appenders><File name=\"file\" fileName=\"${sys:log.file}\">",
            "    <PatternLayout pattern=\"%d{HH:mm:ss.SSS} %-5level [%t] %c{1} - %msg%n\"/></File></Appenders>",
            "  <Loggers><Root level=\"INFO\"><AppenderRef ref=\"file\"/></Root></Loggers>",
            "</Configuration>",
            "");
    Files.writeString(confDir.resolve("log4j2-cluster.xml"), log4j, StandardCharsets.UTF_8);
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
