package io.streamtrain.io.events;

import java.io.Serializable;

/**
 * What a job's samples topic holds ({@code input} in the job spec): {@code format} sample (streamtrain's Avro
 * Sample), json, avro (the writer schema's JSON in {@code schemaJson}) or avro_registry (the registry's URL and
 * optional basic-auth credentials, placeholders already resolved), and for the event formats the mapping to
 * samples.
 */
public record InputSpec(String format, EventMapping mapping, String schemaJson, String registryUrl,
    String registryUser, String registryPassword) implements Serializable {
  public boolean isEvents() {
    return mapping != null;
  }
}
