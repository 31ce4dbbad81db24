package io.streamtrain.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throw-away TLS key material for tests, made at test time with the running JDK's {@code keytool} (run as a
 * process from {@code java.home/bin}) in a directory the test owns: a self-signed RSA key and certificate for
 * {@code localhost} (subject alternative names DNS:localhost and IP:127.0.0.1, so clients' default hostname
 * verification passes) in a PKCS12 keystore, and a PKCS12 truststore holding only that certificate. No private
 * key is ever committed; the files vanish with the test's temporary directory.
 */
public record TestKeyMaterial(Path keystore, String keystorePassword, Path truststore, String truststorePassword) {

  /**
   * A started broker whose clients' listener is TLS + SASL/PLAIN with this key material and the given users
   * (name to password, in order).
   */
  public io.streamtrain.local.KafkaBroker startSecureBroker(java.util.Map<String, String> users) {
    io.streamtrain.local.SaslSslListener.Builder listener = io.streamtrain.local.SaslSslListener.builder()
        .keystore(keystore, "PKCS12", keystorePassword);
    users.forEach(listener::user);
    return io.streamtrain.local.KafkaBroker.builder().saslSslListener(listener.build()).build().start();
  }

  /** The environment conf/kafka-sasl-ssl.properties expects, for this truststore and the given credentials. */
  public java.util.Map<String, String> clientEnv(String user, String password) {
    return java.util.Map.of("STREAMTRAIN_KAFKA_USER", user, "STREAMTRAIN_KAFKA_PASSWORD", password,
        "STREAMTRAIN_KAFKA_TRUSTSTORE", truststore.toString(),
        "STREAMTRAIN_KAFKA_TRUSTSTORE_PASSWORD", truststorePassword);
  }

  /**
   * Client settings from the shipped conf/kafka-sasl-ssl.properties for {@code bootstrap}, with the placeholders
   * resolved from {@code env} (see {@link #clientEnv}) instead of the process environment.
   */
  public static io.streamtrain.io.KafkaSettings shippedClientSettings(String bootstrap,
      java.util.Map<String, String> env) {
    return io.streamtrain.io.KafkaSettings.load(Path.of("conf", "kafka-sasl-ssl.properties"), true, bootstrap,
        env::get);
  }

  /** Generates a keystore and a matching truststore under {@code dir}. */
  public static TestKeyMaterial generate(Path dir, String keystorePassword, String truststorePassword)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path keystore = dir.resolve("broker.keystore.p12");
    Path cert = dir.resolve("broker.crt");
    Path truststore = dir.resolve("client.truststore.p12");
    keytool(dir, "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=localhost, OU=streamtrain tests", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
        "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", keystorePassword,
        "-keypass", keystorePassword);
    keytool(dir, "-exportcert", "-rfc", "-alias", "broker", "-keystore", keystore.toString(),
        "-storetype", "PKCS12", "-storepass", keystorePassword, "-file", cert.toString());
    keytool(dir, "-importcert", "-noprompt", "-alias", "broker-ca", "-file", cert.toString(),
        "-storetype", "PKCS12", "-keystore", truststore.toString(), "-storepass", truststorePassword);
    return new TestKeyMaterial(keystore, keystorePassword, truststore, truststorePassword);
  }

  private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Path log = Files.createTempFile(dir, "keytool-", ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("keytool " + args[0] + " did not finish within 120 s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("keytool " + args[0] + " failed with exit code " + p.exitValue() + ": "
          + Files.readString(log, StandardCharsets.UTF_8));
    }
  }
}
