package io.streamtrain.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The broker as a SEPARATE PROCESS, for tests and reliability work that must stop, kill and restart it: runs
 * {@code java ... io.streamtrain.cli.Main broker --port P --data-dir D} on the launcher classpath ({@code
 * target/classes} plus {@code target/classpath.txt}), waits for its "ready" line, and can {@link #stop()} it
 * (SIGTERM, clean shutdown), {@link #kill()} it (SIGKILL) and {@link #start()} it again on the same port and data
 * directory, so clients reconnect to the same address and find their topics. The process's output is appended
 * to a log file chosen by the caller. {@link #close()} kills it if it is still running.
 */
public final class BrokerProcess implements AutoCloseable {
  private final Path home;
  private final Path dataDir;
  private final Path logFile;
  private final int port;
  private final Duration startTimeout;
  private final List<String> extraArgs = new ArrayList<>();
  private final java.util.Map<String, String> environment = new java.util.TreeMap<>();
  private Process process;

  /**
   * @param home project root holding target/classes and target/classpath.txt
   * @param port the client port (0 picks a free one now, kept for restarts)
   * @param dataDir storage directory, kept across restarts
   * @param logFile where the process's stdout and stderr are appended
   */
  public BrokerProcess(Path home, int port, Path dataDir, Path logFile, Duration startTimeout) {
    this.home = home.toAbsolutePath();
    this.port = port == 0 ? KafkaBroker.freePort() : port;
    this.dataDir = dataDir.toAbsolutePath();
    this.logFile = logFile.toAbsolutePath();
    this.startTimeout = startTimeout;
  }

  public BrokerProcess(Path home, Path dataDir, Path logFile) {
    this(home, 0, dataDir, logFile, Duration.ofSeconds(120));
  }

  /**
   * More {@code streamtrain broker} options (e.g. {@code --sasl-ssl-port}) and environment variables (e.g. the
   * passwords those options name) for every later {@link #start()}.
   */
  public synchronized BrokerProcess withOptions(List<String> args, java.util.Map<String, String> env) {
    extraArgs.addAll(args);
    environment.putAll(env);
    return this;
  }

  /** Starts the process and returns once it printed its ready line; fails (and kills it) otherwise. */
  public synchronized BrokerProcess start() {
    if (isRunning()) {
      throw new IllegalStateException("broker process already running on " + bootstrapServers());
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.streamtrain.avro");
    Path log4j = home.resolve("conf").resolve("log4j2.xml");
    if (Files.exists(log4j)) {
      cmd.add("-Dlog4j2.configurationFile=" + log4j);
    }
    cmd.add("-Dstreamtrain.home=" + home);
    cmd.add("-cp");
    cmd.add(classpath());
    cmd.add("io.streamtrain.cli.Main");
    cmd.add("broker");
    cmd.add("--port");
    cmd.add(Integer.toString(port));
    cmd.add("--data-dir");
    cmd.add(dataDir.toString());
    cmd.addAll(extraArgs);
    try {
      Files.createDirectories(dataDir);
      Files.createDirectories(logFile.getParent());
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().putAll(environment);
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the broker process: " + e.getMessage(), e);
    }
    CompletableFuture<String> ready = new CompletableFuture<>();
    Process p = process;
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader r =
                      new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                  var w =
                      Files.newBufferedWriter(
                          logFile,
                          StandardCharsets.UTF_8,
                          java.nio.file.StandardOpenOption.CREATE,
                          java.nio.file.StandardOpenOption.APPEND)) {
                String line;
                while ((line = r.readLine()) != null) {
                  w.write(line);
                  w.newLine();
                  w.flush();
                  if (line.contains("ready") && line.contains("localhost:" + port)) {
                    ready.complete(line);
                  }
                }
              } catch (IOException e) {
                ready.completeExceptionally(e);
              } finally {
                ready.completeExceptionally(new IllegalStateException("the broker process ended before it was ready"));
              }
            },
            "broker-process-output-" + port);
    pump.setDaemon(true);
    pump.start();
    try {
      ready.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return this;
    } catch (ExecutionException | TimeoutException e) {
      kill();
      throw new IllegalStateException(
          "the broker process did not become ready on " + bootstrapServers() + " (see " + logFile + ")", e);
    } catch (InterruptedException e) {
      kill();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the broker process", e);
    }
  }

  private String classpath() {
    Path cpFile = home.resolve("target").resolve("classpath.txt");
    Path classes = home.resolve("target").resolve("classes");
    try {
      return classes + java.io.File.pathSeparator + Files.readString(cpFile).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read " + cpFile + " (run mvn package or bin/streamtrain once to create it)", e);
    }
  }

  /** SIGTERM and wait: the broker's shutdown hook stops it cleanly. Returns the exit code. */
  public synchronized int stop() {
    return end(false);
  }

  /** SIGKILL and wait: a crash, no clean shutdown. Returns the exit code. */
  public synchronized int kill() {
    return end(true);
  }

  private int end(boolean force) {
    if (process == null) {
      return 0;
    }
    Process p = process;
    process = null;
    if (force) {
      p.destroyForcibly();
    } else {
      p.destroy();
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** The process id, while running. */
  public synchronized long pid() {
    if (process == null) {
      throw new IllegalStateException("not running");
    }
    return process.pid();
  }

  public int port() {
    return port;
  }

  public String bootstrapServers() {
    return "localhost:" + port;
  }

  public Path dataDir() {
    return dataDir;
  }

  public Path logFile() {
    return logFile;
  }

  @Override
  public synchronized void close() {
    kill();
  }
}
