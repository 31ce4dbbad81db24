package io.streamtrain.cli;

import io.streamtrain.dashboard.Dashboard;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `streamtrain dashboard`: a live web page of a metrics topic (see {@link Dashboard}). */
@Command(
    name = "dashboard",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "A live web page of a metrics topic: per model the loss, learning rate, gradient norm, throughput,"
        + " lag and rejection curves, the training state with its evidence and the Hessian figures, the snapshot"
        + " version; the topic's history, then live updates.")
public final class DashboardCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafkaOptions;

  @Option(names = "--metrics", required = true, paramLabel = "TOPIC",
      description = "The metrics topic (TrainingMetrics records).")
  String topic;

  @Option(names = "--rejected", paramLabel = "TOPIC",
      description = "Also follow the rejected-samples topic: each model's rejected samples by reason.")
  String rejectedTopic;

  @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default ${DEFAULT-VALUE}; 0: any free).")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1",
      description = "Address to listen on (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 exposes it).")
  String bind;

  @Option(names = "--auth-env", paramLabel = "VAR",
      description = "Require the token held in environment variable VAR (?token=... or a Bearer header).")
  String authEnv;

  @Option(names = "--tls-keystore", paramLabel = "FILE",
      description = "Serve HTTPS with the key and certificate in this keystore (PKCS12 or JKS).")
  java.nio.file.Path tlsKeystore;

  @Option(names = "--tls-password-env", paramLabel = "VAR",
      description = "The keystore's password is in environment variable VAR (required with --tls-keystore).")
  String tlsPasswordEnv;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() throws Exception {
    String token = null;
    if (authEnv != null) {
      token = System.getenv(authEnv);
      if (token == null || token.isBlank()) {
        throw new CliException("--auth-env " + authEnv + ": the environment variable is not set or empty");
      }
    }
    if (token == null && !bind.equals("127.0.0.1") && !bind.equals("localhost") && !bind.equals("::1")) {
      throw new CliException("--bind " + bind + " exposes the dashboard beyond this machine: give --auth-env VAR"
          + " with a token too");
    }
    javax.net.ssl.SSLContext tls = null;
    if (tlsKeystore != null) {
      if (tlsPasswordEnv == null) {
        throw new io.streamtrain.core.SpecException("--tls-keystore", "needs --tls-password-env VAR: the "
            + "keystore's password, from the environment (never on the command line)");
      }
      String password = System.getenv(tlsPasswordEnv);
      if (password == null) {
        throw new CliException("--tls-password-env " + tlsPasswordEnv + ": the environment variable is not set");
      }
      if (!java.nio.file.Files.isReadable(tlsKeystore)) {
        throw new CliException("--tls-keystore " + tlsKeystore + ": no such readable file");
      }
      try {
        tls = Dashboard.tls(tlsKeystore, password.toCharArray());
      } catch (IllegalArgumentException e) {
        throw new CliException("--tls-keystore " + e.getMessage());
      }
    } else if (tlsPasswordEnv != null) {
      throw new io.streamtrain.core.SpecException("--tls-password-env", "the password of --tls-keystore FILE, "
          + "which is missing");
    }
    BrokerCheck.require(kafkaOptions.settings());
    PrintWriter out = command.commandLine().getOut();
    CountDownLatch stop = new CountDownLatch(1);
    try (Dashboard d = Dashboard.start(kafkaOptions.settings(), topic, bind, port, token, tls)) {
      if (rejectedTopic != null) {
        d.followRejected(kafkaOptions.settings(), rejectedTopic);
      }
      out.printf("streamtrain dashboard of topic '%s': %s://%s:%d/%s%n", topic, tls == null ? "http" : "https",
          bind.contains(":") ? "[" + bind + "]" : bind, d.port(), token == null ? "" : "?token=<the token>");
      out.println("(Ctrl-C stops it)");
      out.flush();
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
    }
    return 0;
  }
}
