package io.streamtrain.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A TLS listener with SASL/PLAIN authentication ({@code SASL_SSL}) that {@link KafkaBroker} opens beside its
 * plaintext listener, which stays in use for the controller and inter-broker traffic. It holds the broker's key
 * material (a keystore with the private key and certificate clients must trust) and the PLAIN user list, and turns
 * them into listener-scoped server properties as the Kafka 4.2 security documentation describes: the listener in
 * {@code listeners}, {@code advertised.listeners} and {@code listener.security.protocol.map}, then {@code
 * listener.name.<name>.sasl.enabled.mechanisms=PLAIN}, {@code listener.name.<name>.plain.sasl.jaas.config} with
 * one {@code user_NAME="PASSWORD"} option per user, and {@code listener.name.<name>.ssl.keystore.*}. Scoping every
 * setting to the listener keeps the plaintext listener and the controller exactly as they were. Passwords are
 * never part of {@link #toString()}. Kafka's default PLAIN server callback checks the user list in the JAAS entry;
 * that is what the documentation calls fit for tests and small setups, not for a production user store.
 */
public final class SaslSslListener {
  /** The listener name used unless another is given; also its security protocol. */
  public static final String DEFAULT_NAME = "SASL_SSL";

  private static final Pattern LISTENER_NAME = Pattern.compile("[A-Z][A-Z0-9_]*");
  // A user name becomes part of a JAAS option key (user_NAME): no spaces, quotes, '=' or ';'.
  private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9._-]+");

  private final String name;
  private final int port;
  private final Path keystore;
  private final String keystoreType;
  private final String keystorePassword;
  private final String keyPassword;
  private final Map<String, String> users;

  private SaslSslListener(Builder b) {
    this.name = b.name;
    this.port = b.port;
    this.keystore = b.keystore.toAbsolutePath();
    this.keystoreType = b.keystoreType;
    this.keystorePassword = b.keystorePassword;
    this.keyPassword = b.keyPassword != null ? b.keyPassword : b.keystorePassword;
    this.users = Collections.unmodifiableMap(new TreeMap<>(b.users));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options; {@link #build()} checks them and names the option, the bad value and what is allowed. */
  public static final class Builder {
    private String name = DEFAULT_NAME;
    private int port;
    private Path keystore;
    private String keystoreType = "PKCS12";
    private String keystorePassword;
    private String keyPassword;
    // Sorted, so the JAAS entry (and anything derived from it) does not depend on insertion order.
    private final Map<String, String> users = new TreeMap<>();

    /** Listener name, e.g. SASL_SSL or EXTERNAL (upper case; not PLAINTEXT or CONTROLLER, which the broker uses). */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** Port; 0 (the default) picks a free one when the broker starts. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The broker's keystore (private key and certificate), its type (PKCS12 or JKS) and password. */
    public Builder keystore(Path file, String type, String password) {
      this.keystore = file;
      this.keystoreType = type;
      this.keystorePassword = password;
      return this;
    }

    /** Password of the private key inside the keystore, when it differs from the keystore's. */
    public Builder keyPassword(String password) {
      this.keyPassword = password;
      return this;
    }

    /** A PLAIN user allowed to connect. */
    public Builder user(String name, String password) {
      if (name == null || !USER_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "user: '" + name + "' is not allowed; use letters, digits, '.', '_' or '-'");
      }
      checkPassword("password of user " + name, password);
      users.put(name, password);
      return this;
    }

    public SaslSslListener build() {
      if (name == null || !LISTENER_NAME.matcher(name).matches() || name.equals("PLAINTEXT")
          || name.equals("CONTROLLER")) {
        throw new IllegalArgumentException("listener name: '" + name
            + "' is not allowed; use upper-case letters, digits and '_' (not PLAINTEXT or CONTROLLER)");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(
            "listener port: " + port + " is not allowed; use 0 (pick a free port) to 65535");
      }
      if (keystore == null || !Files.isRegularFile(keystore)) {
        throw new IllegalArgumentException(
            "keystore: " + keystore + " is not allowed; give an existing PKCS12 or JKS file with the broker's key");
      }
      String type = keystoreType == null ? "" : keystoreType.toUpperCase(Locale.ROOT);
      if (!type.equals("PKCS12") && !type.equals("JKS")) {
        throw new IllegalArgumentException("keystore type: '" + keystoreType + "' is not allowed; use PKCS12 or JKS");
      }
      keystoreType = type;
      checkPassword("keystore password", keystorePassword);
      if (keyPassword != null) {
        checkPassword("key password", keyPassword);
      }
      if (users.isEmpty()) {
        throw new IllegalArgumentException("users: none given; a SASL/PLAIN listener needs at least one user");
      }
      return new SaslSslListener(this);
    }

    private static void checkPassword(String what, String password) {
      // Never echo the value itself. A line break cannot be put into a JAAS option value, even escaped.
      if (password == null || password.isEmpty()) {
        throw new IllegalArgumentException(what + ": empty is not allowed; give a non-empty password");
      }
      if (password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0) {
        throw new IllegalArgumentException(what + ": contains a line break, which is not allowed (value not shown)");
      }
    }
  }

  public String name() {
    return name;
  }

  /** The port asked for (0 = the broker picks a free one). */
  public int port() {
    return port;
  }

  /** The user names, sorted (never their passwords). */
  public java.util.List<String> userNames() {
    return java.util.List.copyOf(users.keySet());
  }

  /** Same listener on another port (the broker resolves port 0 to a free one). */
  SaslSslListener onPort(int boundPort) {
    Builder b = builder().name(name).port(boundPort).keystore(keystore, keystoreType, keystorePassword)
        .keyPassword(keyPassword);
    users.forEach(b::user);
    return b.build();
  }

  /**
   * The listener-scoped server properties: TLS key material and the PLAIN user list. The listener itself
   * (listeners, advertised.listeners, protocol map) is added by {@link KafkaBroker}, which owns those lists.
   */
  Map<String, String> scopedServerProperties() {
    String prefix = "listener.name." + name.toLowerCase(Locale.ROOT) + ".";
    Map<String, String> p = new TreeMap<>();
    p.put(prefix + "sasl.enabled.mechanisms", "PLAIN");
    p.put(prefix + "plain.sasl.jaas.config", jaasConfig());
    p.put(prefix + "ssl.keystore.location", keystore.toString());
    p.put(prefix + "ssl.keystore.type", keystoreType);
    p.put(prefix + "ssl.keystore.password", keystorePassword);
    p.put(prefix + "ssl.key.password", keyPassword);
    // Clients authenticate with SASL, not with certificates.
    p.put(prefix + "ssl.client.auth", "none");
    return p;
  }

  /** The server side PLAIN login module entry: one {@code user_NAME="PASSWORD"} option per user. */
  String jaasConfig() {
    StringBuilder sb = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
    // Kafka reads a quoted JAAS value with java.io.StreamTokenizer: backslash escapes, a quote ends it.
    users.forEach((u, pw) -> sb.append(" user_").append(u).append("=\"")
        .append(pw.replace("\\", "\\\\").replace("\"", "\\\"")).append('"'));
    return sb.append(';').toString();
  }

  @Override
  public String toString() {
    return "SaslSslListener{name=" + name + ", port=" + port + ", keystore=" + keystore + " (" + keystoreType
        + "), users=" + users.keySet() + "}";
  }
}
