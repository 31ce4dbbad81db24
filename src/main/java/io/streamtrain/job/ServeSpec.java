package io.streamtrain.job;

import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import io.streamtrain.job.JobSpec.Start;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code streamtrain serve} runs: topics, what happens to a request for a model with no version yet, the
 * request source's start, checkpointing and parallelism. Every key is declared once in {@link #SPEC} (the README's
 * serve table is generated from it); all have defaults, so an empty spec serves the default topics of a training
 * job ({@code models}) from {@code requests} to {@code predictions}.
 */
public final class ServeSpec implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** What a request for a model id without a complete version yet gets. */
  public enum NoModel { REJECT, WAIT }

  /** Topic names. */
  public record Topics(String requests, String models, String predictions, String rejected, int partitions)
      implements java.io.Serializable {}

  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<String> NAME = SPEC.define("name", Types.STRING, "serve",
      Validators.matches("[A-Za-z0-9._-]{1,100}", "1-100 of letters, digits, '.', '_', '-'"),
      "serve job name: consumer group and transactional-id prefix");

  private static final ConfigDef TOPICS = new ConfigDef();
  static final Key<String> REQUESTS = TOPICS.define("requests", Types.STRING, "requests",
      "({default}): ScoreRequest records");
  static final Key<String> MODELS = TOPICS.define("models", Types.STRING, "models",
      "({default}): the training job's compacted model topic, followed from its beginning (read_committed)");
  static final Key<String> PREDICTIONS = TOPICS.define("predictions", Types.STRING, "predictions",
      "({default}): Prediction records, exactly once (read them read_committed)");
  static final Key<String> REJECTED = TOPICS.define("rejected", Types.STRING, "rejected-samples",
      "({default}): RejectedSample records of malformed requests and requests no version can score, with the"
          + " reason");
  static final Key<Integer> PARTITIONS = TOPICS.define("partitions", Types.INT, 2, Validators.intRange(1, 10_000),
      "({default}) partitions of the topics serve creates when missing");
  static final Key<Topics> TOPICS_KEY = SPEC.section("topics", TOPICS, v -> new Topics(v.get(REQUESTS),
      v.get(MODELS), v.get(PREDICTIONS), v.get(REJECTED), v.get(PARTITIONS)), "{keys}");

  static final Key<NoModel> NO_MODEL = SPEC.define("no_model", Types.enumOf(NoModel.class), NoModel.WAIT,
      "wait \\| reject: a request for a model with no complete version yet waits in keyed state until the model's"
          + " first version arrives, or goes to the rejected topic (reason NO_MODEL_VERSION); ({default}: at a"
          + " start the requests topic may be read before the model topic's versions, so reject would refuse"
          + " requests a published version could score)");
  static final Key<Integer> WAIT_MAX = SPEC.define("wait_max", Types.INT, 10_000,
      Validators.intRange(1, 10_000_000), "with `no_model: wait`, at most this many requests wait per model id;"
          + " more are rejected (reason WAIT_LIMIT)");

  private static final ConfigDef SOURCE = new ConfigDef();
  static final Key<Start> START = SOURCE.define("start", Types.enumOf(Start.class), Start.COMMITTED,
      "earliest \\| latest \\| committed (the group's committed offsets, earliest without them) for the"
          + " requests topic; a restore from a checkpoint or savepoint always continues where it stopped");
  static final Key<ConfigValues> SOURCE_KEY = SPEC.section("source", SOURCE, v -> v, "{keys}");

  private static final ConfigDef CHECKPOINT = new ConfigDef();
  static final Key<Long> INTERVAL = CHECKPOINT.define("interval_ms", Types.LONG, 1000L,
      Validators.longAtLeast(10, "at least 10 ms"), "({default}) predictions become visible to read_committed"
          + " readers when the checkpoint after them completes");
  static final Key<String> STORAGE = CHECKPOINT.optional("storage", Types.STRING, "(a URI such as"
      + " file:///var/lib/streamtrain/checkpoints; default: Flink's default for the environment)");
  static final Key<ConfigValues> CHECKPOINT_KEY = SPEC.section("checkpoint", CHECKPOINT, v -> v, "{keys}");

  static final Key<Integer> PARALLELISM = SPEC.define("parallelism", Types.INT, 2, Validators.intRange(1, 1024),
      "the job's Flink parallelism");

  private final Map<String, Object> raw;
  private final String name;
  private final Topics topics;
  private final NoModel noModel;
  private final int waitMax;
  private final Start start;
  private final long checkpointIntervalMs;
  private final String checkpointStorage;
  private final int parallelism;

  private ServeSpec(Map<String, Object> raw) {
    this.raw = raw;
    ConfigValues v = SPEC.parse(new SpecReader("", raw));
    name = v.get(NAME);
    topics = v.get(TOPICS_KEY);
    noModel = v.get(NO_MODEL);
    waitMax = v.get(WAIT_MAX);
    start = v.get(SOURCE_KEY).get(START);
    checkpointIntervalMs = v.get(CHECKPOINT_KEY).get(INTERVAL);
    checkpointStorage = v.get(CHECKPOINT_KEY).get(STORAGE);
    parallelism = v.get(PARALLELISM);
  }

  /** Parses and validates {@code raw} (the YAML's map); every error names its key. */
  public static ServeSpec fromMap(Map<String, Object> raw) {
    return new ServeSpec(new LinkedHashMap<>(raw));
  }

  public Map<String, Object> raw() {
    return raw;
  }

  public String name() {
    return name;
  }

  public Topics topics() {
    return topics;
  }

  public NoModel noModel() {
    return noModel;
  }

  public int waitMax() {
    return waitMax;
  }

  public Start start() {
    return start;
  }

  public long checkpointIntervalMs() {
    return checkpointIntervalMs;
  }

  /** The checkpoint storage URI, or null for Flink's default. */
  public String checkpointStorage() {
    return checkpointStorage;
  }

  public int parallelism() {
    return parallelism;
  }
}
