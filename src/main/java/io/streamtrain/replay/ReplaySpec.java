package io.streamtrain.replay;

import static io.streamtrain.replay.ReplayKeys.*;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.eval.LabelDelay;
import io.streamtrain.core.metric.MetricsSpec;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.io.events.InputSpec;
import io.streamtrain.job.JobSpec;
import io.streamtrain.job.JobSpecFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A replay spec (jobs/replay-*.yaml), validated completely before anything starts. Its keys are declared once, in
 * {@link ReplayKeys} (the README's replay table is generated from them): {@code name}, {@code mode}
 * ({@link Mode}), {@code source} (a topic range between two {@link Bound}s, or a file replayed as {@link FileRun}
 * says), {@code configs} for prequential mode (each {@code {name, job: jobs/X.yaml, ...}} takes the training sections
 * of a job spec file and/or gives them inline; inline sections replace the file's, in the default section and in
 * every {@code models} entry, so replaying with a job's own file reproduces that job's parameters), {@code holdout}
 * ({@code model_id}, then exactly one of {@code topic} with an optional {@code version}, {@code params_file} with
 * {@code model}, or {@code savepoint}), {@code metrics} ({@link MetricsSpec}), {@code label_delay}
 * ({@link LabelDelay}), {@code output}, {@code rank_by}, {@code parallelism} and {@code baseline}.
 */
public final class ReplaySpec {
  /** What a replay does: test-then-train several configurations, or score one fixed model. */
  public enum Mode { PREQUENTIAL, HOLDOUT }

  /** The top-level keys. */
  public static final ConfigDef SPEC = ReplayKeys.SPEC;
  public static final List<String> KEYS = SPEC.names();
  // A key given twice is an error naming it, not "the last one silently wins" (YAML itself forbids duplicates).
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /**
   * A boundary of the replayed range: earliest, latest, a timestamp for all partitions ({@code timestamp}),
   * epoch milliseconds per partition ({@code offsets} of a {@link Kind#TIMESTAMPS} bound) or offsets per partition.
   */
  public record Bound(Kind kind, long timestamp, Map<Integer, Long> offsets) implements java.io.Serializable {
    /** The forms a bound takes. */
    public enum Kind { EARLIEST, LATEST, TIMESTAMP, TIMESTAMPS, OFFSETS }

    /** Whether the bound is a point in time (for all partitions or per partition). */
    public boolean isTime() {
      return kind == Kind.TIMESTAMP || kind == Kind.TIMESTAMPS;
    }
  }

  /** Where the replayed samples come from: a topic between two bounds, or a file and how it is replayed. */
  public record Source(String topic, Bound start, Bound end, Path file, Map<String, Object> fileOptions,
      FileRun run) {}

  /**
   * How a file is replayed: {@code passes} over its training rows (each pass in file order, or in a seeded random
   * order with {@code shuffle: SEED}), then its test rows, scored only: a seeded random {@code test_fraction} of the
   * rows ({@code split: {test_fraction: F, seed: S}}) or a range of rows ({@code split: {test_rows: [FROM, TO]}},
   * counted from 0 over the file's samples, end exclusive); no split: every row trains. Standardization
   * ({@code standardize: true}) is fitted on the training rows only; a {@code sidecar} written by {@code produce}
   * brings its label map and standardization instead, so replay reads a file as training did.
   */
  public record FileRun(int passes, Long shuffle, double testFraction, long splitSeed, long testFrom, long testTo,
      boolean standardize, String labelMap, Path sidecar) {
    public boolean hasSplit() {
      return testFraction > 0 || testTo > testFrom;
    }

    /**
     * Class index to label word, from an explicit label map or the sidecar's (empty for {@code auto} without a
     * sidecar, and for maps whose values are not class indices).
     */
    public Map<Integer, String> classNames() {
      String text = sidecar != null ? io.streamtrain.io.Sidecar.read("source.sidecar", sidecar).labelMap() : labelMap;
      Map<Integer, String> names = new TreeMap<>();
      if (text == null || text.trim().equalsIgnoreCase("auto")) {
        return names;
      }
      for (String pair : text.split(",")) {
        int eq = pair.indexOf('=');
        try {
          names.put(Integer.parseInt(pair.substring(eq + 1).trim()), pair.substring(0, eq).trim());
        } catch (NumberFormatException e) {
          return Map.of();
        }
      }
      return names;
    }
  }

  /** A named training setup: the job spec it routes model ids with. */
  public record Config(String name, JobSpec job) {
    public TrainingConfig route(String modelId) {
      int i = job.configIndex(modelId);
      return i < 0 ? null : job.configs().get(i);
    }
  }

  /** What holdout mode scores; {@code savepoint} is a path resolved against the spec's base, or a URI. */
  public record Holdout(String modelId, String topic, Long version, Path paramsFile, Map<String, Object> model,
      String savepoint) {}

  private final Map<String, Object> raw;
  private final String name;
  private final Mode mode;
  private final InputSpec input;
  private final Source source;
  private final List<Config> configs = new ArrayList<>();
  private final Holdout holdout;
  private final MetricsSpec metrics;
  private final LabelDelay labelDelay;
  private final String outputTopic;
  private final Path report;
  private final Path charts;
  private final String rankBy;
  private final int parallelism;
  private final boolean baseline;

  /** Parses {@code raw}; relative paths (job files, data files) resolve against {@code base}. */
  public ReplaySpec(Map<String, Object> raw, Path base) {
    this.raw = raw;
    if ("fit".equals(raw.get(MODE.name()))) {
      throw new SpecException("mode", "fit", "allowed here: prequential or holdout; a fit spec runs with"
          + " `streamtrain fit` (see FitSpec)");
    }
    ConfigValues v = SPEC.parse(new SpecReader("", raw));
    name = v.get(NAME);
    mode = v.get(MODE);
    ConfigValues s = v.get(SOURCE_KEY);
    source = SourceSpecs.parse(s, base);
    Object jobsInput = null;
    if (mode == Mode.PREQUENTIAL) {
      if (v.has(HOLDOUT_KEY)) {
        throw new SpecException("holdout", v.raw(HOLDOUT_KEY), "allowed only with mode: holdout");
      }
      jobsInput = configs(v.reader(), base);
      holdout = null;
    } else {
      if (v.has(CONFIGS)) {
        throw new SpecException("configs", v.raw(CONFIGS), "allowed only with mode: prequential");
      }
      if (!v.has(HOLDOUT_KEY)) {
        throw new SpecException("holdout", "missing; it is required");
      }
      holdout = holdout(v.get(HOLDOUT_KEY), base);
    }
    metrics = v.get(METRICS);
    labelDelay = v.get(LABEL_DELAY);
    ConfigValues o = v.get(OUTPUT_KEY);
    outputTopic = o.get(OUTPUT_TOPIC);
    report = base.resolve(o.get(REPORT, "target/replay/" + name + "/report.json"));
    charts = base.resolve(o.get(CHARTS, "target/replay/" + name));
    rankBy = v.get(RANK_BY);
    baseline = v.get(BASELINE);
    if (mode == Mode.HOLDOUT && v.has(BASELINE)) {
      throw new SpecException("baseline", v.raw(BASELINE), "allowed only with mode: prequential");
    }
    if (mode == Mode.HOLDOUT && source.run() != null && (source.run().hasSplit() || source.run().passes() > 1)) {
      String key = source.run().hasSplit() ? SPLIT_KEY.name() : PASSES.name();
      throw new SpecException("source." + key, source.fileOptions().get(key), "allowed only with mode: prequential"
          + " (a holdout model is not trained; score a test file instead)");
    }
    if (mode == Mode.HOLDOUT && source.run() != null && source.run().standardize()) {
      throw new SpecException("source.standardize", true, "allowed only with mode: prequential: a holdout model was"
          + " trained on data standardized with its training figures; give source.sidecar (written by produce"
          + " --standardize) to apply those");
    }
    for (Config c : configs) {
      if (c.job().parallel().enabled() && !labelDelay.none()) {
        throw new SpecException("configs." + c.name() + ".parallel.workers", c.job().parallel().workers(),
            "allowed only without label_delay: data-parallel workers predict and train each sample as it enters"
            + " their rounds; replay the configuration with workers 1 to study a label delay");
      }
    }
    parallelism = v.get(PARALLELISM);
    int[] dense = configs.stream().flatMap(c -> c.job().configs().stream())
        .mapToInt(t -> t.model().features().denseDim()).toArray();
    input = SourceSpecs.input(s, source, jobsInput, dense, base);
    for (Config c : configs) {
      if (c.job().parallel().enabled() && input != null && input.labels() != null) {
        throw new SpecException("configs." + c.name() + ".parallel.workers", c.job().parallel().workers(),
            "allowed only without input.labels (as in the training job)");
      }
    }
  }

  /** Parses the prequential configurations; returns the input section their jobs share, or null. */
  private Object configs(SpecReader r, Path base) {
    List<SpecReader> cs = r.children(CONFIGS.name());
    if (cs.isEmpty()) {
      throw new SpecException("configs", "[]", "allowed: at least one configuration");
    }
    Object jobsInput = null;
    LinkedHashSet<String> names = new LinkedHashSet<>();
    for (SpecReader c : cs) {
      ConfigValues cv = CONFIG.parse(c);
      String cname = cv.get(CONFIG_NAME);
      if (!names.add(cname)) {
        throw new SpecException(cv.path(CONFIG_NAME), cname, "allowed: " + CONFIG_NAME.validator().allowed());
      }
      configs.add(new Config(cname, JobSpec.fromMap(jobMap(c, base))));
      if (cv.has(CONFIG_JOB)) {
        Object in = JobSpecFiles.load(base.resolve(cv.get(CONFIG_JOB))).raw().get("input");
        if (in != null && jobsInput == null) {
          jobsInput = in;
        } else if (in != null && !in.equals(jobsInput)) {
          throw new SpecException(cv.path(CONFIG_JOB), cv.raw(CONFIG_JOB), "jobs with one input section (the"
              + " configurations' jobs read their samples differently; give source.input)");
        }
      }
    }
    return jobsInput;
  }

  private static Holdout holdout(ConfigValues h, Path base) {
    int sources = (h.has(HOLDOUT_TOPIC) ? 1 : 0) + (h.has(PARAMS_FILE) ? 1 : 0) + (h.has(SAVEPOINT) ? 1 : 0);
    if (sources != 1) {
      throw new SpecException("holdout", h.reader().map().keySet(),
          "allowed: exactly one of topic, params_file or savepoint");
    }
    if (h.has(HOLDOUT_VERSION) && !h.has(HOLDOUT_TOPIC)) {
      throw new SpecException("holdout.version", h.raw(HOLDOUT_VERSION),
          "allowed only with holdout.topic (a savepoint or a params_file holds one set of parameters)");
    }
    if (h.has(SAVEPOINT) && h.has(HOLDOUT_MODEL)) {
      throw new SpecException("holdout.model", "given", "allowed only with topic or params_file: a savepoint"
          + " carries the model section of the configuration that trained it");
    }
    Path params = h.has(PARAMS_FILE) ? base.resolve(h.get(PARAMS_FILE)) : null;
    Map<String, Object> model = h.get(HOLDOUT_MODEL);
    if (params != null && model == null) {
      throw new SpecException("holdout.model", "missing", "a params_file needs the model section it belongs to");
    }
    return new Holdout(h.get(HOLDOUT_MODEL_ID), h.get(HOLDOUT_TOPIC), h.get(HOLDOUT_VERSION), params, model,
        h.has(SAVEPOINT) ? savepointLocation(h.get(SAVEPOINT), base) : null);
  }

  /** What the source topic holds: Sample records, or events and their mapping (source.input or the jobs'). */
  public InputSpec input() {
    return input;
  }

  /** A savepoint URI (s3://, file:...) as given; a plain path resolved against the spec's base directory. */
  private static String savepointLocation(String given, Path base) {
    if (given.isBlank()) {
      throw new SpecException("holdout.savepoint", "\"\"", "allowed: a savepoint or checkpoint directory");
    }
    return given.contains("://") || given.startsWith("file:") ? given : base.resolve(given).toString();
  }

  /** The job spec map of one configuration: the job file's training sections, then the inline ones over them. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> jobMap(SpecReader c, Path base) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (c.has(CONFIG_JOB.name())) {
      JobSpec file = JobSpecFiles.load(base.resolve(c.requireString(CONFIG_JOB.name())));
      for (String k : TRAINING_KEYS) {
        if (file.raw().containsKey(k)) {
          m.put(k, JobSpecFiles.copy(Map.of("v", file.raw().get(k))).get("v"));
        }
      }
      JobSpec.WarmStartSpec w = file.warmStart();
      if (w != null) {
        // The job's warm start with its topic resolved (it defaults to the job's model topic, which the replay's
        // configuration does not carry), so the replay starts each model where the job did.
        Map<String, Object> ws = new LinkedHashMap<>();
        ws.put("topic", w.topic());
        if (w.modelId() != null) {
          ws.put("model_id", w.modelId());
        }
        if (w.version() != null) {
          ws.put("version", w.version());
        }
        m.put("warm_start", ws);
      }
    }
    for (String k : TRAINING_KEYS) {
      if (!c.has(k)) {
        continue;
      }
      Object v = c.raw(k);
      m.put(k, v);
      if (!k.equals("models") && !k.equals("accept") && m.get("models") instanceof List<?> list
          && !c.has("models")) {
        List<Object> replaced = new ArrayList<>();
        for (Object e : list) {
          Map<String, Object> entry = new LinkedHashMap<>((Map<String, Object>) e);
          if (entry.containsKey(k)) {
            entry.put(k, v);
          }
          replaced.add(entry);
        }
        m.put("models", replaced);
      }
    }
    if (!m.containsKey("model") && !m.containsKey("models")) {
      throw new SpecException(c.key("model"), "missing", "a configuration needs 'job' or a model and optimizer");
    }
    m.put("name", "replay");
    return m;
  }

  public static ReplaySpec load(Path file) {
    try {
      Map<String, Object> raw = YAML.readValue(Files.readAllBytes(file),
          new TypeReference<LinkedHashMap<String, Object>>() {});
      return new ReplaySpec(raw, Path.of("."));
    } catch (NoSuchFileException e) {
      throw new SpecException("spec", "no such file: " + file);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SpecException("spec", file + " is not valid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new SpecException("spec", "cannot read " + file + ": " + e.getMessage());
    }
  }

  public Map<String, Object> raw() {
    return raw;
  }

  public String name() {
    return name;
  }

  /** The mode as the spec writes it (prequential, holdout); see {@link #modeKind()}. */
  public String mode() {
    return Types.name(mode);
  }

  public Mode modeKind() {
    return mode;
  }

  public boolean holdoutMode() {
    return mode == Mode.HOLDOUT;
  }

  public Source source() {
    return source;
  }

  public List<Config> configs() {
    return configs;
  }

  public Holdout holdout() {
    return holdout;
  }

  public MetricsSpec metrics() {
    return metrics;
  }

  public LabelDelay labelDelay() {
    return labelDelay;
  }

  public String outputTopic() {
    return outputTopic;
  }

  public Path report() {
    return report;
  }

  public Path charts() {
    return charts;
  }

  /** The ranking metric, or null for the task's loss. */
  public String rankBy() {
    return rankBy;
  }

  public int parallelism() {
    return parallelism;
  }

  /** Whether a prequential replay also ranks the trivial baseline (class frequencies, or the mean). */
  public boolean baseline() {
    return baseline;
  }
}
