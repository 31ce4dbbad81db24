package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.local.SaslSslListener;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code streamtrain broker}: runs a real single-node KRaft Kafka broker in the foreground of this JVM. Prints
 * {@code streamtrain broker ready on localhost:PORT} once clients can connect and stops cleanly on SIGTERM or
 * Ctrl-C (a shutdown hook closes the broker). Without {@code --data-dir} the data lives in a temporary directory
 * that is deleted on exit; with it, topics and records survive a restart. With {@code --sasl-ssl-port} the broker
 * also opens a TLS + SASL/PLAIN listener for clients; the keystore password and each user's password are read
 * from environment variables named on the command line, so no secret is visible in the process list.
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

  @Option(names = "--sasl-ssl-port", paramLabel = "PORT",
      description = "Also open a TLS + SASL/PLAIN listener for clients on PORT (0 picks a free port); "
          + "needs --ssl-keystore and --plain-user.")
  Integer saslSslPort;

  @Option(names = "--ssl-keystore", paramLabel = "FILE",
      description = "PKCS12 keystore with the broker's private key and certificate (for --sasl-ssl-port).")
  Path keystore;

  @Option(names = "--ssl-keystore-password-env", paramLabel = "VAR",
      defaultValue = "STREAMTRAIN_BROKER_KEYSTORE_PASSWORD",
      description = "Environment variable holding the keystore password (default ${DEFAULT-VALUE}).")
  String keystorePasswordEnv;

  @Option(names = "--plain-user", paramLabel = "NAME=VAR",
      description = "A SASL/PLAIN user whose password is in the environment variable VAR; repeatable.")
  List<String> plainUsers;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw new io.streamtrain.core.SpecException("--port", port, "allowed: 0 (pick a free port) to 65535");
    }
    SaslSslListener secure = saslSslListener(saslSslPort, keystore, keystorePasswordEnv, plainUsers, System::getenv);
    KafkaBroker broker = KafkaBroker.builder().port(port).dataDir(dataDir).saslSslListener(secure).build();
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
            + (secure == null ? "" : " (plaintext), " + broker.saslSslBootstrapServers() + " (SASL_SSL, PLAIN users "
                + String.join(", ", secure.userNames()) + ")")
            + " (data: "
            + broker.dataDir()
            + (dataDir == null ? ", temporary" : "")
            + "); Ctrl-C to stop");
    out.flush();
    stopped.await();
    return 0;
  }

  /**
   * The SASL_SSL listener the options ask for, or null without {@code --sasl-ssl-port}; secrets come from {@code
   * env}. Errors name the option and what is allowed, never a secret.
   */
  static SaslSslListener saslSslListener(Integer port, Path keystore, String keystorePasswordEnv,
      List<String> users, Function<String, String> env) {
    if (port == null) {
      if (keystore != null || (users != null && !users.isEmpty())) {
        throw new SpecException("--sasl-ssl-port", null,
            "give it when --ssl-keystore or --plain-user is used (0 picks a free port)");
      }
      return null;
    }
    if (port < 0 || port > 65535) {
      throw new SpecException("--sasl-ssl-port", port, "allowed: 0 (pick a free port) to 65535");
    }
    if (keystore == null) {
      throw new SpecException("--ssl-keystore", null, "a PKCS12 keystore file is required with --sasl-ssl-port");
    }
    if (users == null || users.isEmpty()) {
      throw new SpecException("--plain-user", null, "at least one NAME=VAR is required with --sasl-ssl-port");
    }
    SaslSslListener.Builder b = SaslSslListener.builder().port(port)
        .keystore(keystore, "PKCS12", secretFromEnv("--ssl-keystore-password-env", keystorePasswordEnv, env));
    for (String u : users) {
      int eq = u.indexOf('=');
      if (eq <= 0 || eq == u.length() - 1) {
        throw new SpecException("--plain-user", u, "allowed: NAME=VAR, VAR an environment variable with the password");
      }
      String password = secretFromEnv("--plain-user " + u, u.substring(eq + 1), env);
      try {
        b.user(u.substring(0, eq), password);
      } catch (IllegalArgumentException e) {
        throw new SpecException("--plain-user", e.getMessage());
      }
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      // The builder's message names the setting and what is allowed, never a password.
      throw new SpecException(e.getMessage().startsWith("keystore") ? "--ssl-keystore" : "--sasl-ssl-port",
          e.getMessage());
    }
  }

  private static String secretFromEnv(String option, String variable, Function<String, String> env) {
    String v = variable == null ? null : env.apply(variable);
    if (v == null || v.isEmpty()) {
      throw new SpecException(option, "the environment variable " + variable + " is not set or empty");
    }
    return v;
  }
}
