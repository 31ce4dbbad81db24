package io.streamtrain.flink.training;

import io.streamtrain.job.JobSpec;
import java.util.HashMap;
import java.util.Map;

/**
 * Model id to the index of the job spec's training configuration that trains it (-1: no configuration accepts
 * it), cached: the decoder hands over the same String while the id repeats, so a repeat costs one comparison, and
 * up to {@link #MAX_CACHED} ids are kept (beyond that, ids are resolved against the spec's patterns each time).
 * Not thread-safe: one per operator instance.
 */
final class ConfigRoutes {
  static final int MAX_CACHED = 100_000;
  private final JobSpec spec;
  private final Map<String, Integer> cache = new HashMap<>();
  private String lastId;
  private int last;
  private boolean firstSeen;

  ConfigRoutes(JobSpec spec) {
    this.spec = spec;
  }

  int of(String id) {
    firstSeen = false;
    if (id == lastId) {
      return last;
    }
    Integer cfg = cache.get(id);
    if (cfg == null) {
      cfg = spec.configIndex(id);
      if (cache.size() < MAX_CACHED) {
        cache.put(id, cfg);
        firstSeen = true;
      }
    }
    lastId = id;
    last = cfg;
    return cfg;
  }

  /** Whether the last {@link #of} call cached its id for the first time (each cached id is first seen once). */
  boolean firstSeen() {
    return firstSeen;
  }
}
