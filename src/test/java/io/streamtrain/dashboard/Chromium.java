package io.streamtrain.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A headless Chromium process driven over the Chrome DevTools Protocol (a WebSocket to one page target, JSON
 * commands by id): open a URL, evaluate JavaScript, read the DOM, take a screenshot. Test support.
 */
final class Chromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

  private Chromium(Process process, Path profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  /** Starts {@code binary} headless with a fresh profile and connects to its first page. */
  static Chromium start(String binary) throws Exception {
    Path profile = Files.createTempDirectory("chromium-profile-");
    Process p = new ProcessBuilder(binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--remote-debugging-port=0", "--remote-allow-origins=*", "--user-data-dir=" + profile,
        "--window-size=1280,1600", "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    // Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on stderr.
    int port = -1;
    BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Pattern listening = Pattern.compile("DevTools listening on ws://[^:]+:(\\d+)/");
    for (String line = err.readLine(); line != null && System.nanoTime() < deadline; line = err.readLine()) {
      Matcher m = listening.matcher(line);
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
        break;
      }
    }
    if (port < 0) {
      p.destroyForcibly();
      throw new IllegalStateException("chromium did not open its DevTools port");
    }
    Thread drain = new Thread(() -> err.lines().forEach(l -> { }), "chromium-stderr");
    drain.setDaemon(true);
    drain.start();
    HttpClient http = HttpClient.newHttpClient();
    String wsUrl = null;
    for (int attempt = 0; attempt < 100 && wsUrl == null; attempt++) {
      JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body());
      for (JsonNode t : targets) {
        if (t.path("type").asText().equals("page")) {
          wsUrl = t.path("webSocketDebuggerUrl").asText();
          break;
        }
      }
      if (wsUrl == null) {
        Thread.sleep(100);
      }
    }
    if (wsUrl == null) {
      p.destroyForcibly();
      throw new IllegalStateException("chromium has no page target");
    }
    Chromium[] self = new Chromium[1];
    StringBuilder partial = new StringBuilder();
    WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl), new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          String msg = partial.toString();
          partial.setLength(0);
          try {
            JsonNode n = JSON.readTree(msg);
            CompletableFuture<JsonNode> f = n.has("id") ? self[0].pending.remove(n.get("id").asInt()) : null;
            if (f != null) {
              f.complete(n);
            }
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        }
        w.request(1);
        return null;
      }
    }).get(30, TimeUnit.SECONDS);
    self[0] = new Chromium(p, profile, ws);
    return self[0];
  }

  /** Sends a DevTools command and waits for its result. */
  JsonNode call(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    ObjectNode cmd = JSON.createObjectNode().put("id", id).put("method", method);
    cmd.set("params", JSON.valueToTree(params));
    socket.sendText(JSON.writeValueAsString(cmd), true).get(30, TimeUnit.SECONDS);
    JsonNode r = f.get(60, TimeUnit.SECONDS);
    if (r.has("error")) {
      throw new IllegalStateException(method + ": " + r.get("error"));
    }
    return r.path("result");
  }

  void open(String url) throws Exception {
    call("Page.navigate", Map.of("url", url));
  }

  /** The value of a JavaScript expression in the page, as text. */
  String eval(String expression) throws Exception {
    return call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true))
        .path("result").path("value").asText();
  }

  /** The page's DOM once {@code #status} contains {@code text} (waits up to 60 s). */
  String domWhenStatusHas(String text) throws Exception {
    return domWhen("(document.getElementById('status') || {textContent: ''}).textContent", text);
  }

  /** The page's DOM once it contains {@code text} (waits up to 60 s). */
  String domWhenContains(String text) throws Exception {
    return domWhen("document.documentElement.outerHTML", text);
  }

  /** The page's DOM once the value of {@code expression} contains {@code text} (waits up to 60 s). */
  private String domWhen(String expression, String text) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = eval(expression);
      if (last.contains(text)) {
        return eval("document.documentElement.outerHTML");
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the page never showed '" + text + "' in " + expression + "; last: '"
        + (last.length() > 300 ? last.substring(0, 300) + "..." : last) + "'");
  }

  /** A PNG of the page as it is displayed. */
  byte[] screenshot() throws Exception {
    return Base64.getDecoder().decode(call("Page.captureScreenshot", Map.of("format", "png"))
        .path("data").asText());
  }

  @Override
  public void close() throws IOException {
    socket.abort();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.walk(profile)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
