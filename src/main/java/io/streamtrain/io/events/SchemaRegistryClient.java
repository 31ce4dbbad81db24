package io.streamtrain.io.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * Fetches Avro schemas by id from a schema registry with the Confluent REST API ({@code GET
 * {url}/schemas/ids/{id}} answering {@code {"schema": "..."}}), which Confluent Schema Registry serves and
 * Apicurio Registry serves under {@code /apis/ccompat/v7}. Optional HTTP basic authentication. Schemas are
 * immutable per id, so each is fetched once and cached.
 */
public final class SchemaRegistryClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String url;
  private final String authorization;
  private final HttpClient http;
  private final ConcurrentHashMap<Integer, Schema> cache = new ConcurrentHashMap<>();

  public SchemaRegistryClient(String url, String user, String password) {
    this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.authorization = user == null ? null : "Basic " + Base64.getEncoder().encodeToString(
        (user + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** The schema of {@code id}; IOException naming the id and the registry's answer when it has none. */
  public Schema schema(int id) throws IOException {
    Schema s = cache.get(id);
    if (s != null) {
      return s;
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/schemas/ids/" + id))
        .timeout(Duration.ofSeconds(30)).header("Accept", "application/vnd.schemaregistry.v1+json, application/json");
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    HttpResponse<String> r;
    try {
      r = http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching schema id " + id, e);
    }
    if (r.statusCode() != 200) {
      throw new IOException("schema id " + id + ": the registry at " + url + " answered HTTP " + r.statusCode());
    }
    JsonNode body = JSON.readTree(r.body());
    JsonNode text = body.get("schema");
    if (text == null || !text.isTextual()) {
      throw new IOException("schema id " + id + ": the registry's answer has no \"schema\" text");
    }
    String type = body.hasNonNull("schemaType") ? body.get("schemaType").asText() : "AVRO";
    if (!type.equals("AVRO")) {
      throw new IOException("schema id " + id + " is a " + type + " schema, not Avro");
    }
    s = new Schema.Parser().parse(text.asText());
    cache.put(id, s);
    return s;
  }
}
