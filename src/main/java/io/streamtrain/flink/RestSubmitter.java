package io.streamtrain.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Submits a job jar to a running Flink cluster over its REST API ({@code POST /jars/upload}, then {@code POST
 * /jars/{id}/run}), the way {@code streamtrain train --cluster HOST:PORT} reaches a cluster without a Flink
 * installation on the client. Flink 2.x reads program arguments only from {@code programArgsList} (it silently
 * ignores the old {@code programArgs} string), so that is what is sent.
 */
public final class RestSubmitter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  public RestSubmitter(String hostPort) {
    this.base = hostPort.startsWith("http://") || hostPort.startsWith("https://") ? hostPort : "http://" + hostPort;
  }

  /** Uploads the jar and returns the id the cluster gave it. */
  public String upload(Path jar) throws IOException, InterruptedException {
    String boundary = "streamtrain-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String head =
        "--" + boundary + "\r\n"
            + "Content-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName() + "\"\r\n"
            + "Content-Type: application/x-java-archive\r\n\r\n";
    body.write(head.getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(jar));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + "/jars/upload"))
            .timeout(Duration.ofMinutes(2))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build();
    JsonNode r = send(req);
    String filename = r.path("filename").asText();
    if (filename.isEmpty()) {
        throw new IOException("jar upload answered without a filename: " + r);
    }
    return Path.of(filename).getFileName().toString();
  }

  /** Runs an uploaded jar and returns the job id. */
  public String run(String jarId, String entryClass, List<String> args, Integer parallelism, String savepointPath)
      throws IOException, InterruptedException {
    ObjectNode req = JSON.createObjectNode();
    req.put("entryClass", entryClass);
    req.set("programArgsList", JSON.valueToTree(args));
    if (parallelism != null) {
      req.put("parallelism", parallelism);
    }
    if (savepointPath != null) {
      req.put("savepointPath", savepointPath);
    }
    HttpRequest http =
        HttpRequest.newBuilder(URI.create(base + "/jars/" + jarId + "/run"))
            .timeout(Duration.ofMinutes(2))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(req)))
            .build();
    JsonNode r = send(http);
    String jobId = r.path("jobid").asText();
    if (jobId.isEmpty()) {
      throw new IOException("job run answered without a job id: " + r);
    }
    return jobId;
  }

  /** The job's status string (RUNNING, FINISHED, FAILED, ...). */
  public String jobState(String jobId) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId)).GET().build()).path("state").asText();
  }

  /** Stops the job with a savepoint into {@code targetDir}; returns the trigger id to poll. */
  public String stopWithSavepoint(String jobId, String targetDir) throws IOException, InterruptedException {
    return stopWithSavepoint(jobId, targetDir, false);
  }

  /**
   * Stops the job with a savepoint; with {@code drain} the sources first emit the end-of-input watermark, so
   * event-time timers fire (the trainer's final flush, report and snapshot) before the savepoint.
   */
  public String stopWithSavepoint(String jobId, String targetDir, boolean drain)
      throws IOException, InterruptedException {
    ObjectNode req = JSON.createObjectNode();
    req.put("targetDirectory", targetDir);
    req.put("drain", drain);
    HttpRequest http =
        HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId + "/stop"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(req)))
            .build();
    return send(http).path("request-id").asText();
  }

  /** Cancels a job (used in cleanup). */
  public void cancel(String jobId) throws IOException, InterruptedException {
    send(HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId + "?mode=cancel"))
        .method("PATCH", HttpRequest.BodyPublishers.noBody())
        .build());
  }

  private JsonNode send(HttpRequest req) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IOException(req.method() + " " + req.uri() + " failed with HTTP " + r.statusCode() + ": " + r.body());
    }
    return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
  }
}
