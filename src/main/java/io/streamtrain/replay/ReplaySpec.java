package io.streamtrain.replay;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
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
 * A replay spec (jobs/replay-*.yaml), validated completely before anything starts. Top-level keys:
 * <ul>
 *   <li>{@code name} (letters, digits, '.', '_', '-'); {@code mode}: {@code prequential} (default) or
 *       {@code holdout}
 *   <li>{@code source}: either {@code topic} with {@code start} and {@code end}, each {@code earliest} /
 *       {@code latest} (defaults), {@code {timestamp: MS}}, {@code {timestamps: {PARTITION: MS, ...}}} or {@code {offsets: {PARTITION: OFFSET, ...}}} (end
 *       offsets exclusive); or {@code file} (CSV or LIBSVM, as {@code produce} reads them) with optional
 *       {@code format}, {@code label}, {@code model_id}, {@code start_time}, {@code time_step_ms},
 *       {@code hashed_numeric}, and how it is replayed ({@link FileRun}: {@code passes}, {@code shuffle},
 *       {@code split}, {@code standardize}, {@code label_map}, {@code sidecar})
 *   <li>{@code configs} (prequential): a list of {@code {name: N, job: jobs/X.yaml, ...}}; each takes the training
 *       sections of a job spec file (model, optimizer, clip, schedule, batching, models, accept) and/or gives
 *       them inline; inline sections replace the file's, in the default section and in every {@code models}
 *       entry. Replaying with a job's own file reproduces that job's parameters. A {@code drift} section runs
 *       the job's drift watch and reaction around each step; points then carry {@code drift_warnings} and
 *       {@code drift_detections}.
 *   <li>{@code holdout}: {@code model_id}, then exactly one of {@code topic} (a model topic; {@code version},
 *       default the latest), {@code params_file} (JSON with {@code parameters}, optional {@code buffers}) plus
 *       {@code model}, or {@code savepoint} (a training job's savepoint or retained checkpoint directory, or a
 *       file-system URI; the model section and parameters both come from it)
 *   <li>{@code metrics}: see {@link MetricsSpec}; {@code label_delay}: see {@link LabelDelay}
 *   <li>{@code output}: {@code topic} (evaluation topic; omitted = none), {@code report} (JSON path, default
 *       target/replay/NAME/report.json), {@code charts} (directory, default target/replay/NAME)
 *   <li>{@code rank_by}: metric ranking the configurations (default log_loss, or mse for regression; their
 *       {@code test_} forms with a split); {@code parallelism} (default 2); {@code baseline} (prequential, default
 *       true: the trivial {@link io.streamtrain.core.eval.Prior} reported beside the ranking)
 * </ul>
 */
public final class ReplaySpec {
  private final InputSpec input;
  public static final List<String> KEYS = List.of("name", "mode", "source", "configs", "holdout", "metrics",
      "label_delay", "output", "rank_by", "parallelism", "baseline");
  /** Source keys that only a file source takes. */
  static final List<String> FILE_KEYS = List.of("format", "label", "model_id", "start_time", "time_step_ms",
      "label_map", "sidecar", "standardize", "passes", "split", "shuffle", "hashed_numeric");
  static final List<String> TRAINING_KEYS = List.of("model", "optimizer", "clip", "schedule", "batching", "guard",
      "models", "accept", "warm_start", "drift");
  // A key given twice is an error naming it, not "the last one silently wins" (YAML itself forbids duplicates).
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /**
   * A boundary of the replayed range: earliest, latest, a timestamp for all partitions, timestamps per partition
   * ({@code {timestamps: {0: MS, 1: MS}}}) or offsets per partition.
   */
  public record Bound(String kind, long timestamp, Map<Integer, Long> offsets) implements java.io.Serializable {
    static Bound parse(SpecReader parent, String key, String dflt) {
      if (!parent.has(key)) {
        return new Bound(dflt, 0, Map.of());
      }
      Object v = parent.raw(key);
      if (v instanceof String s) {
        if (s.equals("earliest") || s.equals("latest")) {
          return new Bound(s, 0, Map.of());
        }
        throw new SpecException(parent.key(key), s, "allowed: earliest, latest, {timestamp: MS}, {timestamps: {P: MS}}, {offsets: {P: O}}");
      }
      SpecReader r = SpecReader.asReader(parent.key(key), v);
      r.rejectUnknown("timestamp", "timestamps", "offsets");
      int given = (r.has("timestamp") ? 1 : 0) + (r.has("timestamps") ? 1 : 0) + (r.has("offsets") ? 1 : 0);
      if (given != 1) {
        throw new SpecException(parent.key(key), v, "allowed: exactly one of timestamp, timestamps or offsets");
      }
      if (r.has("timestamp")) {
        long ts = r.getLong("timestamp", 0);
        if (ts < 0) {
          throw new SpecException(r.key("timestamp"), ts, "allowed: epoch milliseconds >= 0");
        }
        return new Bound("timestamp", ts, Map.of());
      }
      boolean perPartitionTime = r.has("timestamps");
      Map<Integer, Long> offsets = new TreeMap<>();
      SpecReader o = r.child(perPartitionTime ? "timestamps" : "offsets");
      for (String p : o.map().keySet()) {
        int partition;
        try {
          partition = Integer.parseInt(p.trim());
        } catch (NumberFormatException e) {
          throw new SpecException(o.key(p), p, "allowed: a partition number");
        }
        long off = o.getLong(p, 0);
        if (partition < 0 || off < 0) {
          throw new SpecException(o.key(p), off, perPartitionTime
              ? "allowed: partition >= 0 and epoch milliseconds >= 0" : "allowed: partition >= 0 and offset >= 0");
        }
        offsets.put(partition, off);
      }
      // For "timestamps" the map holds epoch milliseconds per partition instead of offsets.
      return new Bound(perPartitionTime ? "timestamps" : "offsets", 0, offsets);
    }
  }

  /** Where the replayed samples come from. */
  /**
   * An end before its start is a mistake, not an empty replay: caught here where both bounds are the same kind of
   * figure (timestamps with timestamps, offsets with offsets, per partition where both name it). Mixed kinds
   * (an offset start, a timestamp end) only compare against the topic's data; the replay then reads what lies
   * between them.
   */
  static void checkOrder(Bound start, Bound end) {
    boolean startTime = start.kind().equals("timestamp") || start.kind().equals("timestamps");
    boolean endTime = end.kind().equals("timestamp") || end.kind().equals("timestamps");
    if (startTime && endTime) {
      for (int p : partitionsOf(start, end)) {
        long a = start.kind().equals("timestamp") ? start.timestamp() : start.offsets().getOrDefault(p, -1L);
        long b = end.kind().equals("timestamp") ? end.timestamp() : end.offsets().getOrDefault(p, -1L);
        if (a >= 0 && b >= 0 && b < a) {
          throw new SpecException("source.end", b, "it is before source.start (" + a + ")"
              + (p >= 0 ? " for partition " + p : "") + "; allowed: an end at or after the start");
        }
      }
    } else if (start.kind().equals("offsets") && end.kind().equals("offsets")) {
      for (Map.Entry<Integer, Long> e : start.offsets().entrySet()) {
        Long b = end.offsets().get(e.getKey());
        if (b != null && b < e.getValue()) {
          throw new SpecException("source.end.offsets." + e.getKey(), b, "it is before source.start.offsets."
              + e.getKey() + " (" + e.getValue() + "); allowed: an end offset at or after the start (end exclusive)");
        }
      }
    }
  }

  /** The partitions either bound names, or just -1 when both are topic-wide. */
  private static java.util.Set<Integer> partitionsOf(Bound start, Bound end) {
    java.util.Set<Integer> ps = new java.util.TreeSet<>(start.offsets().keySet());
    ps.addAll(end.offsets().keySet());
    if (ps.isEmpty()) {
      ps.add(-1);
    }
    return ps;
  }

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

    static FileRun parse(SpecReader s, Path base) {
      int passes = s.getInt("passes", 1, 1, 10_000);
      Long shuffle = s.has("shuffle") ? s.getLong("shuffle", 0) : null;
      double fraction = 0;
      long seed = 0;
      long from = 0;
      long to = 0;
      if (s.has("split")) {
        SpecReader sp = s.child("split");
        sp.rejectUnknown("test_fraction", "seed", "test_rows");
        if (sp.has("test_fraction") == sp.has("test_rows")) {
          throw new SpecException(s.key("split"), sp.map().keySet(),
              "allowed: exactly one of test_fraction (with an optional seed) or test_rows: [FROM, TO]");
        }
        if (sp.has("test_fraction")) {
          fraction = sp.getDouble("test_fraction", 0, 0.0, true, 1.0, true);
          seed = sp.getLong("seed", 0);
        } else {
          if (sp.has("seed")) {
            throw new SpecException(sp.key("seed"), sp.raw("seed"), "allowed only with test_fraction");
          }
          Object v = sp.raw("test_rows");
          if (!(v instanceof List<?> l) || l.size() != 2 || !(l.get(0) instanceof Number a)
              || !(l.get(1) instanceof Number b) || a.longValue() < 0 || b.longValue() <= a.longValue()) {
            throw new SpecException(sp.key("test_rows"), v, "allowed: [FROM, TO], rows counted from 0, FROM < TO"
                + " (TO exclusive)");
          }
          from = ((Number) l.get(0)).longValue();
          to = ((Number) l.get(1)).longValue();
        }
      }
      boolean standardize = s.getBoolean("standardize", false);
      String labelMap = null;
      if (s.has("label_map")) {
        Object v = s.raw("label_map");
        if (v instanceof Map<?, ?> m) {
          StringBuilder b = new StringBuilder();
          m.forEach((k, x) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(x));
          labelMap = b.toString();
        } else {
          labelMap = String.valueOf(v);
        }
        io.streamtrain.io.LabelMap.parse(s.key("label_map"), labelMap); // fail here, naming the key
      }
      Path sidecar = null;
      if (s.has("sidecar")) {
        sidecar = base.resolve(s.requireString("sidecar"));
        if (!Files.isRegularFile(sidecar)) {
          throw new SpecException(s.key("sidecar"), sidecar, "allowed: an existing sidecar file written by produce");
        }
        if (labelMap != null || standardize) {
          throw new SpecException(s.key("sidecar"), sidecar, "allowed without label_map and standardize: the"
              + " sidecar carries the label map and standardization training used");
        }
      }
      return new FileRun(passes, shuffle, fraction, seed, from, to, standardize, labelMap, sidecar);
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
  private final String mode;
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
    Object jobsInput = null;
    this.raw = raw;
    SpecReader r = new SpecReader("", raw);
    if ("fit".equals(raw.get("mode"))) {
      throw new SpecException("mode", "fit", "allowed here: prequential or holdout; a fit spec runs with"
          + " `streamtrain fit` (see FitSpec)");
    }
    r.rejectUnknown(KEYS);
    name = r.getString("name", "replay");
    if (!name.matches("[A-Za-z0-9._-]{1,100}")) {
      throw new SpecException("name", name, "allowed: 1-100 of letters, digits, '.', '_', '-'");
    }
    mode = r.getEnum("mode", "prequential", List.of("prequential", "holdout"));
    SpecReader s = r.child("source");
    List<String> sourceKeys = new ArrayList<>(List.of("topic", "start", "end", "file", "input"));
    sourceKeys.addAll(FILE_KEYS);
    s.rejectUnknown(sourceKeys);
    if (s.has("topic") == s.has("file")) {
      throw new SpecException("source", s.map().keySet(), "allowed: exactly one of topic or file");
    }
    if (s.has("topic")) {
      source = new Source(s.requireString("topic"), Bound.parse(s, "start", "earliest"), Bound.parse(s, "end",
          "latest"), null, Map.of(), null);
      checkOrder(source.start(), source.end());
      for (String k : FILE_KEYS) {
        if (s.has(k)) {
          throw new SpecException(s.key(k), s.raw(k), "allowed only with source.file");
        }
      }
    } else {
      Path f = base.resolve(s.requireString("file"));
      if (!Files.isRegularFile(f)) {
        throw new SpecException("source.file", f, "allowed: an existing CSV or LIBSVM file");
      }
      if (s.has("start") || s.has("end")) {
        throw new SpecException("source.start", s.raw("start"), "allowed only with source.topic");
      }
      Map<String, Object> opts = new LinkedHashMap<>(s.map());
      opts.remove("file");
      source = new Source(null, null, null, f, opts, FileRun.parse(s, base));
    }
    if (mode.equals("prequential")) {
      if (r.has("holdout")) {
        throw new SpecException("holdout", r.raw("holdout"), "allowed only with mode: holdout");
      }
      List<SpecReader> cs = r.children("configs");
      if (cs.isEmpty()) {
        throw new SpecException("configs", "[]", "allowed: at least one configuration");
      }
      LinkedHashSet<String> names = new LinkedHashSet<>();
      for (SpecReader c : cs) {
        List<String> allowed = new ArrayList<>(TRAINING_KEYS);
        allowed.add("name");
        allowed.add("job");
        c.rejectUnknown(allowed);
        String cname = c.requireString("name");
        if (!cname.matches("[A-Za-z0-9._+-]{1,100}") || !names.add(cname)) {
          throw new SpecException(c.key("name"), cname, "allowed: a unique name of letters, digits, '.', '_', '+', '-'");
        }
        configs.add(new Config(cname, JobSpec.fromMap(jobMap(c, base))));
        if (c.has("job")) {
          Object in = JobSpecFiles.load(base.resolve(c.requireString("job"))).raw().get("input");
          if (in != null && jobsInput == null) {
            jobsInput = in;
          } else if (in != null && !in.equals(jobsInput)) {
            throw new SpecException(c.key("job"), c.raw("job"), "jobs with one input section (the configurations'"
                + " jobs read their samples differently; give source.input)");
          }
        }
      }
      holdout = null;
    } else {
      if (r.has("configs")) {
        throw new SpecException("configs", r.raw("configs"), "allowed only with mode: prequential");
      }
      SpecReader h = r.child("holdout");
      h.rejectUnknown("model_id", "topic", "version", "params_file", "model", "savepoint");
      int sources = (h.has("topic") ? 1 : 0) + (h.has("params_file") ? 1 : 0) + (h.has("savepoint") ? 1 : 0);
      if (sources != 1) {
        throw new SpecException("holdout", h.map().keySet(),
            "allowed: exactly one of topic, params_file or savepoint");
      }
      if (h.has("version") && !h.has("topic")) {
        throw new SpecException("holdout.version", h.raw("version"),
            "allowed only with holdout.topic (a savepoint or a params_file holds one set of parameters)");
      }
      if (h.has("savepoint") && h.has("model")) {
        throw new SpecException("holdout.model", "given", "allowed only with topic or params_file: a savepoint"
            + " carries the model section of the configuration that trained it");
      }
      Long version = h.has("version") ? h.getLong("version", 0) : null;
      Path params = h.has("params_file") ? base.resolve(h.requireString("params_file")) : null;
      @SuppressWarnings("unchecked")
      Map<String, Object> model = h.has("model") ? (Map<String, Object>) h.child("model").map() : null;
      if (params != null && model == null) {
        throw new SpecException("holdout.model", "missing", "a params_file needs the model section it belongs to");
      }
      holdout = new Holdout(h.requireString("model_id"), h.has("topic") ? h.requireString("topic") : null, version,
          params, model, h.has("savepoint") ? savepointLocation(h.requireString("savepoint"), base) : null);
    }
    metrics = r.has("metrics") ? MetricsSpec.fromSpec(r.child("metrics")) : MetricsSpec.DEFAULT;
    labelDelay = r.has("label_delay") ? LabelDelay.fromSpec(r.child("label_delay")) : LabelDelay.NONE;
    SpecReader o = r.has("output") ? r.child("output") : new SpecReader("output", Map.of());
    o.rejectUnknown("topic", "report", "charts");
    outputTopic = o.getString("topic", null);
    report = base.resolve(o.getString("report", "target/replay/" + name + "/report.json"));
    charts = base.resolve(o.getString("charts", "target/replay/" + name));
    rankBy = r.getString("rank_by", null);
    baseline = r.getBoolean("baseline", true);
    if (mode.equals("holdout") && r.has("baseline")) {
      throw new SpecException("baseline", r.raw("baseline"), "allowed only with mode: prequential");
    }
    if (mode.equals("holdout") && source.run() != null && (source.run().hasSplit() || source.run().passes() > 1)) {
      String key = source.run().hasSplit() ? "split" : "passes";
      throw new SpecException("source." + key, source.fileOptions().get(key), "allowed only with mode: prequential"
          + " (a holdout model is not trained; score a test file instead)");
    }
    if (mode.equals("holdout") && source.run() != null && source.run().standardize()) {
      throw new SpecException("source.standardize", true, "allowed only with mode: prequential: a holdout model was"
          + " trained on data standardized with its training figures; give source.sidecar (written by produce"
          + " --standardize) to apply those");
    }
    parallelism = r.getInt("parallelism", 2, 1, 1024);
    Object inputRaw = s.has("input") ? s.raw("input") : source.topic() != null ? jobsInput : null;
    if (inputRaw == null) {
      input = InputSpec.SAMPLES;
    } else {
      if (source.topic() == null) {
        throw new SpecException("source.input", inputRaw, "allowed only with source.topic (files are CSV or LIBSVM)");
      }
      Map<String, Object> in = new LinkedHashMap<>(SpecReader.asReader("source.input", inputRaw).map());
      if (in.get("schema") instanceof String sch && !sch.trim().startsWith("{")) {
        in.put("schema", base.resolve(sch).toString());
      }
      if (in.get("labels") instanceof Map<?, ?> lm && lm.get("schema") instanceof String sch
          && !sch.trim().startsWith("{")) {
        Map<String, Object> labels = new LinkedHashMap<>(SpecReader.asReader("source.input.labels", lm).map());
        labels.put("schema", base.resolve(sch).toString());
        in.put("labels", labels);
      }
      int[] dense = configs.stream().flatMap(c -> c.job().configs().stream())
          .mapToInt(t -> t.model().features().denseDim()).toArray();
      input = InputSpec.parse(new SpecReader("source.input", in), dense);
    }
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
    if (c.has("job")) {
      JobSpec file = JobSpecFiles.load(base.resolve(c.requireString("job")));
      if (file.parallel().enabled()) {
        org.slf4j.LoggerFactory.getLogger(ReplaySpec.class).warn("job {} trains each model with parallel.workers {}"
            + " (data-parallel rounds); this replay trains one trainer per model on the same samples, so its figures"
            + " are the single trainer's: replaying the rounds themselves is not built (docs/parallel.md)",
            c.requireString("job"), file.parallel().workers());
      }
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

  public String mode() {
    return mode;
  }

  public boolean holdoutMode() {
    return mode.equals("holdout");
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
