package io.streamtrain.io;

import io.streamtrain.core.SpecException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kafka client settings shared by every command and job, read from a properties file (by default {@code
 * conf/kafka.properties}): bootstrap.servers, security.protocol, sasl.*, ssl.* and any other client property are
 * passed through to producers, consumers and admin clients, so the same commands work against a user's secured
 * cluster. Values may contain {@code ${env:NAME}} placeholders resolved from the environment, so secrets never sit
 * in committed files; a missing variable is an error naming the key and the variable. Substituted into the double
 * quotes of a {@code sasl.jaas.config}, a value's quotes and backslashes are escaped so the broker sees it exactly
 * (see conf/kafka-sasl-ssl.properties). A bootstrap given on the
 * command line overrides the file. {@link #redacted()} is the only form that may be logged: values of keys that
 * look secret (password, secret, jaas, token, credentials, key material) are masked.
 */
public final class KafkaSettings {
  public static final String DEFAULT_BOOTSTRAP = "localhost:9092";
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");
  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(password|secret|jaas|token|credential|\\.key$|keystore\\.key|truststore\\.certificates|keystore\\.certificate\\.chain).*");

  private final Map<String, String> props;

  private KafkaSettings(Map<String, String> props) {
    this.props = Collections.unmodifiableMap(new TreeMap<>(props));
  }

  /** Only a bootstrap address, no security settings (the embedded broker). */
  public static KafkaSettings ofBootstrap(String bootstrap) {
    return new KafkaSettings(Map.of("bootstrap.servers", bootstrap));
  }

  /**
   * Loads {@code file} (when not null and it exists; an explicitly given file must exist), resolves placeholders
   * from {@code env}, then applies {@code bootstrapOverride} (when not null).
   */
  public static KafkaSettings load(
      Path file, boolean fileMustExist, String bootstrapOverride, Function<String, String> env) {
    Map<String, String> raw = new TreeMap<>();
    if (file != null && Files.exists(file)) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException e) {
        throw new SpecException("--kafka-config", "cannot read " + file + ": " + e.getMessage());
      }
      for (String k : p.stringPropertyNames()) {
        raw.put(k, p.getProperty(k).trim());
      }
    } else if (file != null && fileMustExist) {
      throw new SpecException("--kafka-config", "no such file: " + file);
    }
    Map<String, String> resolved = new TreeMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      resolved.put(e.getKey(), resolve(e.getKey(), e.getValue(), env));
    }
    if (bootstrapOverride != null && !bootstrapOverride.isBlank()) {
      resolved.put("bootstrap.servers", bootstrapOverride);
    }
    resolved.putIfAbsent("bootstrap.servers", DEFAULT_BOOTSTRAP);
    return new KafkaSettings(resolved);
  }

  /** The settings the CLI uses: {@code --kafka-config FILE}, else {@code $STREAMTRAIN_HOME/conf/kafka.properties}. */
  public static KafkaSettings forCli(Path explicitFile, String bootstrapOverride) {
    if (explicitFile != null) {
      return load(explicitFile, true, bootstrapOverride, System::getenv);
    }
    String home = System.getProperty("streamtrain.home", ".");
    return load(Path.of(home, "conf", "kafka.properties"), false, bootstrapOverride, System::getenv);
  }

  /** {@code value} with its {@code ${env:NAME}} placeholders replaced; an unset variable is an error naming {@code key}. */
  public static String resolve(String key, String value, Function<String, String> env) {
    Matcher m = PLACEHOLDER.matcher(value);
    StringBuilder sb = new StringBuilder();
    boolean jaas = key.endsWith("sasl.jaas.config");
    while (m.find()) {
      String name = m.group(1);
      String v = env.apply(name);
      if (v == null) {
        // Name the variable, never the value of anything.
        throw new SpecException(key, "refers to the environment variable " + name + ", which is not set");
      }
      if (jaas && (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0)) {
        throw new SpecException(key, "the environment variable " + name
            + " holds a line break, which a JAAS option value cannot contain");
      }
      if (jaas && insideQuotes(value, m.start())) {
        // Kafka parses a JAAS option value in double quotes with java.io.StreamTokenizer, which treats a backslash
        // as an escape and a quote as the end: "pa\x" would authenticate as "pax". Escape both, so the broker
        // sees the variable's exact value.
        v = v.replace("\\", "\\\\").replace("\"", "\\\"");
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(v));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** Whether position {@code at} of a JAAS entry lies inside a double-quoted option value. */
  private static boolean insideQuotes(String jaas, int at) {
    boolean inside = false;
    for (int i = 0; i < at; i++) {
      char c = jaas.charAt(i);
      if (c == '\\' && inside) {
        i++; // an escaped character inside quotes
      } else if (c == '"') {
        inside = !inside;
      }
    }
    return inside;
  }

  public String bootstrapServers() {
    return props.get("bootstrap.servers");
  }

  /** All client properties, secrets included: hand to Kafka clients only, never log. */
  public Map<String, String> clientProperties() {
    return props;
  }

  /** A fresh Properties object with every setting plus {@code extra} (extra wins). */
  public Properties toProperties(Map<String, ?> extra) {
    Properties p = new Properties();
    p.putAll(props);
    p.putAll(extra);
    return p;
  }

  public static boolean isSecretKey(String key) {
    return SECRET_KEY.matcher(key.toLowerCase(Locale.ROOT)).matches();
  }

  /** The settings with secret values masked: the only form fit for logs and printed output. */
  public Map<String, String> redacted() {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : props.entrySet()) {
      out.put(e.getKey(), isSecretKey(e.getKey()) ? "***" : e.getValue());
    }
    return out;
  }

  @Override
  public String toString() {
    return "KafkaSettings" + redacted();
  }
}
