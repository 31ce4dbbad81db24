package io.streamtrain.replay;

import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import io.streamtrain.core.eval.LabelDelay;
import io.streamtrain.core.metric.MetricsSpec;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.io.ReaderOptions;
import io.streamtrain.replay.ReplaySpec.Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A replay spec's keys, each declared once (name, type, default, validator, doc): {@link ReplaySpec} parses with
 * them and the README's replay table is generated from them ({@code io.streamtrain.cli.ConfigDocs}).
 */
final class ReplayKeys {
  private ReplayKeys() {}

  static final ConfigDef SOURCE = new ConfigDef();
  static final Key<String> TOPIC = SOURCE.optional("topic", Types.STRING, "");
  static final Key<Object> START = SOURCE.optional("start", Types.ANY, "");
  static final Key<Object> END = SOURCE.optional("end", Types.ANY, "");
  static final Key<String> FILE = SOURCE.optional("file", Types.STRING, "");
  static final Key<Object> INPUT = SOURCE.optional("input", Types.ANY, "topic only: what the topic holds, as a job"
      + " spec's `input` (events of your own shape in JSON or Avro, and their mapping; with `labels`, the topic is"
      + " the features topic and its labels topic is joined as in the job, read from `source.start` when that is a"
      + " timestamp, else from the earliest offset, to its end); default: the configurations' jobs' `input` when"
      + " they have one, else Sample records");
  static final Key<String> FORMAT = SOURCE.computed("format", Types.STRING, "libsvm for .svm, .libsvm, .svmlight;"
      + " else csv", Validators.of(List.of("csv", "libsvm")::contains, "one of [csv, libsvm]"), "file only: as"
      + " `produce`'s `--format`");
  static final Key<String> LABEL = SOURCE.optional("label", Types.STRING, "file only: as `produce`'s `--label`");
  static final Key<String> MODEL_ID = SOURCE.define("model_id", Types.STRING, "default", "file only: as"
      + " `produce`'s `--model-id`; default `{default}`");
  static final Key<Long> START_TIME = SOURCE.define("start_time", Types.LONG, ReaderOptions.DEFAULT_START_TIME,
      "file only: the first row's event time in epoch ms ({default}: 2026-01-01)");
  static final Key<Long> TIME_STEP_MS = SOURCE.define("time_step_ms", Types.LONG, 1L, "file only: event time"
      + " between consecutive rows");
  static final Key<Object> CATEGORICAL = SOURCE.optional("categorical", Types.ANY, "file only, CSV: the columns"
      + " that are categorical fields, hashed as name=value (a list, or names separated by commas), as `produce"
      + " --categorical`");
  static final Key<Boolean> HASHED_NUMERIC = SOURCE.define("hashed_numeric", Types.BOOLEAN, false, "file only:"
      + " numeric columns as named fields hashed by column name, as `produce --hashed-numeric` (standardization"
      + " then applies to them)");
  static final Key<Object> LABEL_MAP = SOURCE.optional("label_map", Types.ANY, "file only: `auto`, or `{WORD:"
      + " VALUE, ...}` for labels that are words (as `--label-map`)");
  static final Key<String> SIDECAR = SOURCE.optional("sidecar", Types.STRING, "file only: a sidecar `produce`"
      + " wrote: its label map and standardization are applied (not with `label_map` or `standardize`)");
  static final Key<Boolean> STANDARDIZE = SOURCE.define("standardize", Types.BOOLEAN, false, "file only,"
      + " prequential: standardize numeric columns with the mean and population std of the training rows (the test"
      + " rows use the same figures); a holdout replay takes the training figures from `source.sidecar` instead");
  static final Key<Integer> PASSES = SOURCE.define("passes", Types.INT, 1, Validators.intRange(1, 10_000), "file"
      + " only: passes (epochs) over the training rows; the models keep training from pass to pass, and the"
      + " prequential figures cover every pass");
  static final Key<Long> SHUFFLE = SOURCE.optional("shuffle", Types.LONG, "file only: a seed; each pass sends the"
      + " training rows in a new seeded random order (for files sorted by class)");

  static final ConfigDef SPLIT = new ConfigDef();
  static final Key<Double> TEST_FRACTION = SPLIT.define("test_fraction", Types.DOUBLE, null,
      Validators.range(0.0, true, 1.0, true), "");
  static final Key<Long> SEED = SPLIT.define("seed", Types.LONG, 0L, "");
  static final Key<Object> TEST_ROWS = SPLIT.optional("test_rows", Types.ANY, "");
  static final Key<ConfigValues> SPLIT_KEY = SOURCE.optionalSection("split", SPLIT, v -> v, "file only,"
      + " prequential: `{test_fraction: F, seed: S}` (a seeded random F of the rows, rounded) or `{test_rows: [FROM,"
      + " TO]}` (samples counted from 0, TO exclusive) are held out: after the training passes they are scored by"
      + " the models as training left them, never trained on, as `test_log_loss`, `test_accuracy`, ... (`test_mse`,"
      + " `test_rmse`, `test_mae` for regression); the default `rank_by` is then `test_log_loss` (`test_mse`) and"
      + " the confusion matrix counts the test rows");

  /** The source keys only a file takes. */
  static final List<String> FILE_KEYS = fileKeys();

  /** A prequential configuration: its name, a job file and/or inline training sections. */
  static final ConfigDef CONFIG = new ConfigDef();
  static final Key<String> CONFIG_NAME = CONFIG.required("name", Types.STRING,
      Validators.matches("[A-Za-z0-9._+-]{1,100}", "a unique name of letters, digits, '.', '_', '+', '-'"), "");
  static final Key<String> CONFIG_JOB = CONFIG.optional("job", Types.STRING, "");

  static {
    CONFIG.include(TrainingConfig.SPEC);
    for (String k : List.of("models", "accept", "warm_start", "drift", "parallel")) {
      CONFIG.optional(k, Types.ANY, "");
    }
  }

  /** The training sections a configuration takes from a job file or inline. */
  static final List<String> TRAINING_KEYS = CONFIG.names().subList(2, CONFIG.names().size());

  static final ConfigDef HOLDOUT = new ConfigDef();
  static final Key<String> HOLDOUT_MODEL_ID = HOLDOUT.required("model_id", Types.STRING, "");
  static final Key<String> HOLDOUT_TOPIC = HOLDOUT.optional("topic", Types.STRING, "");
  static final Key<Long> HOLDOUT_VERSION = HOLDOUT.optional("version", Types.LONG, "");
  static final Key<String> PARAMS_FILE = HOLDOUT.optional("params_file", Types.STRING, "");
  static final Key<Map<String, Object>> HOLDOUT_MODEL = HOLDOUT.optional("model", Types.MAP, "");
  static final Key<String> SAVEPOINT = HOLDOUT.optional("savepoint", Types.STRING, "");

  static final ConfigDef OUTPUT = new ConfigDef();
  static final Key<String> OUTPUT_TOPIC = OUTPUT.optional("topic", Types.STRING, "the evaluation topic (omitted:"
      + " none)");
  static final Key<String> REPORT = OUTPUT.computed("report", Types.STRING, "target/replay/NAME/report.json",
      Validators.any(), "the JSON report's path");
  static final Key<String> CHARTS = OUTPUT.computed("charts", Types.STRING, "target/replay/NAME", Validators.any(),
      "the charts' directory");

  static final ConfigDef SPEC = new ConfigDef();
  static final Key<String> NAME = SPEC.define("name", Types.STRING, "replay",
      Validators.matches("[A-Za-z0-9._-]{1,100}", "1-100 of letters, digits, '.', '_', '-'"), "run name");
  static final Key<Mode> MODE = SPEC.define("mode", Types.enumOf(Mode.class), Mode.PREQUENTIAL, "`prequential`"
      + " or `holdout`");
  static final Key<ConfigValues> SOURCE_KEY = SPEC.requiredSection("source", SOURCE, v -> v, "`{topic, start,"
      + " end}` (a recorded range, above) or `{file: PATH}` (CSV or LIBSVM, read as `produce` reads it)");
  static final Key<Object> CONFIGS = SPEC.optional("configs", Types.ANY, "prequential: the configurations (above)");
  static final Key<ConfigValues> HOLDOUT_KEY = SPEC.optionalSection("holdout", HOLDOUT, v -> v, "the model holdout"
      + " mode scores (above)");
  static final Key<MetricsSpec> METRICS = SPEC.section("metrics", MetricsSpec.SPEC, MetricsSpec::of, "{keys}");
  static final Key<LabelDelay> LABEL_DELAY = SPEC.section("label_delay", LabelDelay.SPEC, LabelDelay::of, "{keys}");
  static final Key<ConfigValues> OUTPUT_KEY = SPEC.section("output", OUTPUT, v -> v, "{keys}");
  static final Key<String> RANK_BY = SPEC.optional("rank_by", Types.STRING, "any reported metric (`log_loss`, or"
      + " `mse` for regression; `test_*` with a split)");
  static final Key<Integer> PARALLELISM = SPEC.define("parallelism", Types.INT, 2, Validators.intRange(1, 1024),
      "embedded Flink parallelism");
  static final Key<Boolean> BASELINE = SPEC.define("baseline", Types.BOOLEAN, true, "prequential only: the"
      + " `(baseline)` row beside the ranking");

  private static List<String> fileKeys() {
    List<String> keys = new ArrayList<>(SOURCE.names());
    keys.removeAll(List.of(TOPIC.name(), START.name(), END.name(), FILE.name(), INPUT.name()));
    return List.copyOf(keys);
  }
}
