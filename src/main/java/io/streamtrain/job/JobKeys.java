package io.streamtrain.job;

import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import io.streamtrain.core.diag.DiagnosticsConfig;
import io.streamtrain.core.drift.DriftConfig;
import io.streamtrain.core.parallel.ParallelConfig;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.job.JobSpec.Start;
import io.streamtrain.job.JobSpec.Topics;

/**
 * The job spec's keys, each declared once (name, type, default, validator, doc): {@link JobSpec} parses with them and
 * the README's job table is generated from them ({@code io.streamtrain.cli.ConfigDocs}).
 */
final class JobKeys {
  private JobKeys() {}

  /** The top-level keys. */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<String> NAME = SPEC.define("name", Types.STRING, "streamtrain",
      Validators.matches("[A-Za-z0-9._-]{1,100}", "1-100 of letters, digits, '.', '_', '-'"),
      "job name: consumer group and transactional-id prefix");

  static {
    SPEC.include(TrainingConfig.SPEC);
  }

  private static final ConfigDef WARM = new ConfigDef();
  static final Key<String> WARM_TOPIC = WARM.computed("topic", Types.STRING, "the job's `models` topic",
      Validators.any(), "");
  static final Key<String> WARM_ID = WARM.optional("model_id", Types.STRING, "(optional: every new model starts"
      + " from this model's snapshot, e.g. a global model new tenants start from; default: each model from its own"
      + " id's)");
  static final Key<Long> WARM_VERSION = WARM.optional("version", Types.LONG, "(with `model_id`; default the"
      + " latest)");
  static final Key<ConfigValues> WARM_START = SPEC.section("warm_start", WARM, v -> v, "start models that have no"
      + " state in this job from published snapshots: {keys}. Read before the job starts (read_committed, checksum"
      + " checked) and mapped onto each configuration's layout (same group names and shapes, else an error naming"
      + " the group, the model and both shapes); optimizer and schedule start fresh; a `warm_started` event in the"
      + " model's first report; on the job's own model topic versions go on from the snapshot's. A replay of the"
      + " job's spec starts its models the same way. Models restored from a checkpoint or savepoint keep their"
      + " state");
  static final Key<Object> DRIFT = SPEC.optional("drift", Types.ANY, "drift detection (off without this section;"
      + " job-wide or per `models` entry): `detector` adwin \\| page_hinkley \\| ddm \\| eddm (or `{type,"
      + " ...parameters}`: " + DriftConfig.keysDoc() + "), `signal` error (progressive 0/1 per sample, classifiers) \\| loss (batch loss),"
      + " `reaction` none \\| reset_optimizer \\| `{type: boost_lr, factor, steps}` \\| background (DDM, EDDM);"
      + " see \"Streams that change\" below");

  /** A {@code models} entry: a match and training keys replacing the default's. */
  static final ConfigDef MODELS_ENTRY = new ConfigDef();
  static final Key<String> MATCH = MODELS_ENTRY.required("match", Types.STRING, "");

  static final Key<Object> ENTRY_DIAGNOSTICS = MODELS_ENTRY.optional("diagnostics", Types.ANY, "");
  static final Key<Object> ENTRY_DRIFT = MODELS_ENTRY.optional("drift", Types.ANY, "");

  static {
    MODELS_ENTRY.include(TrainingConfig.SPEC);
  }

  static final Key<Object> MODELS = SPEC.optional("models", Types.ANY, "per-model-id overrides: `[{match: REGEX,"
      + " model: ..., optimizer: ...}]`, first match wins");
  static final Key<String> ACCEPT = SPEC.define("accept", Types.STRING, ".*", Validators.regex(), "regex of model"
      + " ids to train (`{default}`); others are rejected as UNKNOWN_MODEL");

  private static final ConfigDef TOPICS = new ConfigDef();
  static final Key<String> SAMPLES = TOPICS.define("samples", Types.STRING, "samples", "");
  static final Key<String> METRICS_TOPIC = TOPICS.define("metrics", Types.STRING, "metrics", "");
  static final Key<String> MODELS_TOPIC = TOPICS.define("models", Types.STRING, "models", "({default}; compacted)");
  static final Key<String> REJECTED = TOPICS.define("rejected", Types.STRING, "rejected-samples", "");
  static final Key<Integer> PARTITIONS = TOPICS.define("partitions", Types.INT, 2, Validators.intRange(1, 10_000),
      "for topics the job creates");
  static final Key<Topics> TOPICS_KEY = SPEC.section("topics", TOPICS, v -> new Topics(v.get(SAMPLES),
      v.get(METRICS_TOPIC), v.get(MODELS_TOPIC), v.get(REJECTED), v.get(PARTITIONS)), "{keys}");

  private static final ConfigDef SNAPSHOTS = new ConfigDef();
  static final Key<Long> EVERY_STEPS = SNAPSHOTS.define("every_steps", Types.LONG, 100L, Validators.longAtLeast(0),
      "");
  static final Key<Long> EVERY_EVENT_TIME = SNAPSHOTS.define("every_event_time_ms", Types.LONG, 0L,
      Validators.longAtLeast(0), "({default} = off)");
  static final Key<ConfigValues> SNAPSHOTS_KEY = SPEC.section("snapshots", SNAPSHOTS, v -> v, "{keys}; a final"
      + " snapshot at the end of a bounded input");

  private static final ConfigDef METRICS = new ConfigDef();
  static final Key<Integer> EVERY_BATCHES = METRICS.define("every_batches", Types.INT, 10,
      Validators.intRange(1, Integer.MAX_VALUE), "");
  static final Key<ConfigValues> METRICS_KEY = SPEC.section("metrics", METRICS, v -> v, "{keys}");

  private static final ConfigDef CHECKPOINT = new ConfigDef();
  static final Key<Long> INTERVAL = CHECKPOINT.define("interval_ms", Types.LONG, 5000L,
      Validators.longAtLeast(10, "at least 10 ms"), "");
  static final Key<String> STORAGE = CHECKPOINT.optional("storage", Types.STRING, "(a URI such as"
      + " file:///var/lib/streamtrain/checkpoints; default: Flink's default for the environment)");
  static final Key<ConfigValues> CHECKPOINT_KEY = SPEC.section("checkpoint", CHECKPOINT, v -> v, "{keys}");

  static final Key<Integer> PARALLELISM = SPEC.define("parallelism", Types.INT, 2, Validators.intRange(1, 1024),
      "the job's Flink parallelism");
  static final Key<Long> OUT_OF_ORDERNESS = SPEC.define("watermark_out_of_orderness_ms", Types.LONG, 0L,
      Validators.longAtLeast(0), "({default}) how far event time may go back within the samples topic (not"
      + " with `input.labels`, which has its own)");

  private static final ConfigDef SOURCE = new ConfigDef();
  static final Key<Start> START = SOURCE.define("start", Types.enumOf(Start.class), Start.EARLIEST,
      "earliest \\| latest \\| committed");
  static final Key<Boolean> BOUNDED = SOURCE.define("bounded", Types.BOOLEAN, false, "true stops at the offsets"
      + " that were latest when the job started ({default}: a live job runs forever)");
  static final Key<ConfigValues> SOURCE_KEY = SPEC.section("source", SOURCE, v -> v, "{keys}");

  static final Key<ParallelConfig> PARALLEL = SPEC.section("parallel", ParallelConfig.SPEC, ParallelConfig::of,
      "data-parallel"
      + " training of each model: {keys}; workers 1 (the default) is the single trainer (see \"One model on several"
      + " cores or machines\" and docs/parallel.md)");
  static final Key<Object> INPUT = SPEC.optional("input", Types.ANY, "what the samples topic holds: `{format:"
      + " sample}` (the default: streamtrain's Avro `Sample`) or events of your own shape, `{format: json\\|avro"
      + "\\|avro_registry, mapping: ..., schema: ..., registry: ...}`, turned into samples by configuration (see"
      + " \"Training from your own events\" below); `labels: {...}` takes the labels from a second topic (see"
      + " \"Delayed labels\")");
  static final Key<DiagnosticsConfig> DIAGNOSTICS = SPEC.reader("diagnostics", DiagnosticsConfig::fromSpec,
      "training diagnostics for every model, on by default; a `models` entry's own section replaces it (see \"Why"
      + " is training stuck? Diagnostics\" and docs/diagnostics.md)");

}
