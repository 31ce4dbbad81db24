package io.streamtrain.cli;

import io.streamtrain.local.KafkaBroker;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code streamtrain broker}: runs a real single-node KRaft Kafka broker in the foreground of this JVM. Prints
 * {@code streamtrain broker ready on localhost:PORT} once clients can connect and stops cleanly on SIGTERM or
 * Ctrl-C (a shutdown hook closes the broker). Without {@code --data-dir} the data lives in a temporary directory
 * that is deleted on exit; with it, topics and records survive a restart.
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = "Run a single-node Kafka (KRaft) broker in the foreground; Ctrl-C stops it.")
public final class BrokerCommand implements java.util.concurrent.Callable<Integer> {
  @Option(names = "--port", description = "Client port (default ${DEFAULT-VALUE}; 0 picks a free port).", defaultValue = "9092")
  int port;

  @Option(names = "--data-dir", description = "Storage directory, kept across restarts (default: a temporary directory deleted on exit).")
  Path dataDir;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw new io.streamtrain.core.SpecException("--port", port, "allowed: 0 (pick a free port) to 65535");
    }
    KafkaBroker broker = KafkaBroker.builder().port(port).dataDir(dataDir).build();
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              try {
                broker.close();
              } finally {
                stopped.countDown();
              }
            },
            "streamtrain-broker-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      broker.start();
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 1;
    }
    var out = spec.commandLine().getOut();
    out.println(
        "streamtrain broker ready on "
            + broker.bootstrapServers()
            + " (data: "
            + broker.dataDir()
            + (dataDir == null ? ", temporary" : "")
            + "); Ctrl-C to stop");
    out.flush();
    stopped.await();
    return 0;
  }
}
