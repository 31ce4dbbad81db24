package io.streamtrain.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.AvroJson;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A live web view of a metrics topic: a background consumer reads the topic's TrainingMetrics from the start
 * (read_committed) and keeps the latest {@link #HISTORY} reports per model; the page ({@code /}, plain HTML and
 * JavaScript drawing on canvases, no build step) gets that history and then every new report as server-sent
 * events ({@code /events}); {@code /api/models} is the latest report per model as JSON. Only the reports travel:
 * nothing of the Kafka settings reaches a client. With a token, every request must carry it ({@code ?token=} or
 * {@code Authorization: Bearer}); the server binds where it is told (the command defaults to localhost).
 */
public final class Dashboard implements AutoCloseable {
  /** Reports kept per model for a page that connects later. */
  public static final int HISTORY = 2000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final String token;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "dashboard-http");
    t.setDaemon(true);
    return t;
  });
  private final Thread feed;
  private final Map<String, Deque<String>> history = new LinkedHashMap<>();
  private final Map<String, JsonNode> latest = new LinkedHashMap<>();
  private final List<LinkedBlockingQueue<String>> clients = new CopyOnWriteArrayList<>();
  private volatile boolean running = true;
  private volatile long reports;
  private volatile RejectedCounts rejected;

  private Dashboard(KafkaSettings kafka, String topic, String bind, int port, String token,
      javax.net.ssl.SSLContext tls) throws IOException {
    this.topic = topic;
    this.token = token;
    if (tls == null) {
      this.server = HttpServer.create(new InetSocketAddress(bind, port), 0);
    } else {
      com.sun.net.httpserver.HttpsServer https =
          com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress(bind, port), 0);
      https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
      this.server = https;
    }
    this.consumer = Topics.follower(kafka);
    server.setExecutor(executor);
    server.createContext("/", this::page);
    server.createContext("/events", this::events);
    server.createContext("/api/models", this::models);
    server.createContext("/api/rejected", this::rejectedCounts);
    this.feed = new Thread(this::follow, "dashboard-feed");
    feed.setDaemon(true);
  }

  /** Starts following {@code topic} and serving on {@code bind:port} (0: a free port, see {@link #port()}). */
  public static Dashboard start(KafkaSettings kafka, String topic, String bind, int port, String token)
      throws IOException {
    return start(kafka, topic, bind, port, token, null);
  }

  /** As {@link #start(KafkaSettings, String, String, int, String)}, over HTTPS with {@code tls} (null: HTTP). */
  public static Dashboard start(KafkaSettings kafka, String topic, String bind, int port, String token,
      javax.net.ssl.SSLContext tls) throws IOException {
    Dashboard d = new Dashboard(kafka, topic, bind, port, token, tls);
    d.feed.start();
    d.server.start();
    return d;
  }

  /**
   * The TLS context of a keystore file holding the server's key and certificate (PKCS12 or JKS, told apart by the
   * file's content), opened with {@code password}; an error names the file and what is wrong with it.
   */
  public static javax.net.ssl.SSLContext tls(java.nio.file.Path keystore, char[] password) {
    try {
      java.security.KeyStore ks = java.security.KeyStore.getInstance(keystore.toFile(), password);
      boolean hasKey = false;
      for (String alias : java.util.Collections.list(ks.aliases())) {
        hasKey |= ks.isKeyEntry(alias);
      }
      if (!hasKey) {
        throw new IllegalArgumentException("keystore " + keystore + " holds no private key (only certificates)");
      }
      javax.net.ssl.KeyManagerFactory kmf =
          javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, password);
      javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
      ssl.init(kmf.getKeyManagers(), null, null);
      return ssl;
    } catch (IOException e) {
      throw new IllegalArgumentException("keystore " + keystore + ": cannot be read with the password given ("
          + e.getMessage() + ")", e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalArgumentException("keystore " + keystore + ": " + e.getMessage(), e);
    }
  }

  /**
   * Also follows the rejected-samples topic {@code topic} from its start: the page shows each model's rejected
   * samples by reason, and {@code /api/rejected} is {model: {reason: count}}.
   */
  public Dashboard followRejected(KafkaSettings kafka, String topic) {
    if (rejected != null) {
      throw new IllegalStateException("already following a rejected topic");
    }
    rejected = new RejectedCounts(kafka, topic, history, this::broadcast);
    return this;
  }

  /** Rejected records counted so far (0 without {@link #followRejected}). */
  public long rejectedRecords() {
    RejectedCounts r = rejected;
    return r == null ? 0 : r.records();
  }

  /** Sends a line to every connected page; call holding the history lock. */
  private void broadcast(String line) {
    for (LinkedBlockingQueue<String> c : clients) {
      c.offer(line);
    }
  }

  /** Whether it serves HTTPS. */
  public boolean isTls() {
    return server instanceof com.sun.net.httpserver.HttpsServer;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Reports read from the topic so far. */
  public long reports() {
    return reports;
  }

  private void follow() {
    try {
      if (!Topics.assignFromStart(consumer, topic, () -> running)) {
        return; // closed before the job created the topic
      }
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          AvroJson.decode(TrainingMetrics.getClassSchema(), r.value()).ifPresent(this::add);
        }
      }
    } catch (WakeupException | InterruptedException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void add(Object report) {
    JsonNode j = AvroJson.toJson(report);
    String id = j.path("model_id").asText();
    String line = j.toString();
    synchronized (history) {
      Deque<String> h = history.computeIfAbsent(id, k -> new ArrayDeque<>());
      if (h.size() == HISTORY) {
        h.removeFirst();
      }
      h.addLast(line);
      latest.put(id, j);
      reports++;
      broadcast(line);
    }
  }

  private boolean authorized(HttpExchange ex) throws IOException {
    if (token == null) {
      return true;
    }
    String given = null;
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null && auth.startsWith("Bearer ")) {
      given = auth.substring("Bearer ".length());
    }
    String q = ex.getRequestURI().getRawQuery();
    if (given == null && q != null) {
      for (String kv : q.split("&")) {
        if (kv.startsWith("token=")) {
          given = URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
        }
      }
    }
    if (given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8))) {
      return true;
    }
    send(ex, 401, "text/plain; charset=utf-8", "401: this dashboard needs its token (?token=... or a Bearer header)\n");
    return false;
  }

  private void page(HttpExchange ex) throws IOException {
    if (!authorized(ex)) {
      return;
    }
    if (!ex.getRequestURI().getPath().equals("/")) {
      send(ex, 404, "text/plain; charset=utf-8", "404\n");
      return;
    }
    try (InputStream in = Dashboard.class.getResourceAsStream("index.html")) {
      send(ex, 200, "text/html; charset=utf-8", new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .replace("__TOPIC__", escape(topic)));
    }
  }

  private void models(HttpExchange ex) throws IOException {
    if (!authorized(ex)) {
      return;
    }
    ObjectNode o = JSON.createObjectNode();
    synchronized (history) {
      latest.forEach(o::set);
    }
    send(ex, 200, "application/json", o.toString());
  }

  private void rejectedCounts(HttpExchange ex) throws IOException {
    if (!authorized(ex)) {
      return;
    }
    String body;
    synchronized (history) {
      body = rejected == null ? "{}" : rejected.json().toString();
    }
    send(ex, 200, "application/json", body);
  }

  /** Server-sent events: the history of every model, then each new report, one {@code data:} line a report. */
  private void events(HttpExchange ex) throws IOException {
    if (!authorized(ex)) {
      return;
    }
    LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
    List<String> backlog = new ArrayList<>();
    synchronized (history) {
      history.values().forEach(backlog::addAll);
      if (rejected != null) {
        backlog.addAll(rejected.lines());
      }
      clients.add(q);
    }
    ex.getResponseHeaders().add("Content-Type", "text/event-stream; charset=utf-8");
    ex.getResponseHeaders().add("Cache-Control", "no-cache");
    ex.sendResponseHeaders(200, 0);
    try (OutputStream out = ex.getResponseBody()) {
      for (String line : backlog) {
        out.write(("data: " + line + "\n\n").getBytes(StandardCharsets.UTF_8));
      }
      out.write(": history sent\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (running) {
        String line = q.poll(15, TimeUnit.SECONDS);
        // A comment line every 15 s without reports keeps proxies from closing the stream and finds gone clients.
        out.write((line == null ? ": keep-alive\n\n" : "data: " + line + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // the client went away, or the server stops
    } finally {
      clients.remove(q);
    }
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", type);
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    if (rejected != null) {
      rejected.close();
    }
    server.stop(0);
    executor.shutdownNow();
    feed.join(10_000);
  }
}
