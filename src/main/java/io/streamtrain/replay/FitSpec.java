package io.streamtrain.replay;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import io.streamtrain.core.fit.Minimizer;
import io.streamtrain.core.fit.Minimizers;
import io.streamtrain.core.train.TrainingConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fit spec ({@code mode: fit} in jobs/replay/*.yaml): fit one model to a bounded range with a batch method and
 * publish it for a streaming job's {@code warm_start}. Keys: {@code name}; {@code mode: fit}; {@code source} exactly
 * as a replay's (a topic range or a file, see {@link ReplaySpec}); {@code job} (the job spec file whose model
 * section for {@code model_id} decides the model, so the published layout is the one that job trains);
 * {@code model_id} (default "default"); {@code method} (see {@link Minimizers}; default newton_cg);
 * {@code batch_rows} (rows per in-memory batch of the objective, default 4096; the objective is the mean over all
 * rows whatever the batching, except with batch norm); {@code publish}: {@code topic} (default the job's models
 * topic) and {@code model_id} (default model_id), or {@code publish: false} to only report.
 */
public final class FitSpec {
  /** The keys of a fit spec, each declared once; the README's fit table is generated from them. */
  public static final ConfigDef SPEC = new ConfigDef();
  static final Key<String> NAME = SPEC.define("name", Types.STRING, "fit", "run name");
  static final Key<String> MODE = SPEC.required("mode", Types.STRING,
      Validators.of("fit"::equals, "fit (prequential and holdout specs run with `replay`)"), "`fit`");
  static final Key<Object> SOURCE = SPEC.required("source", Types.ANY, "as a replay's: a topic range or a file (its"
      + " training rows, one pass)");
  static final Key<String> JOB = SPEC.required("job", Types.STRING, "the job spec file whose model section for"
      + " `model_id` is fitted");
  static final Key<String> MODEL_ID = SPEC.define("model_id", Types.STRING, "default", "the model id whose model"
      + " section is fitted; default `{default}`");
  static final Key<Map<String, Object>> METHOD = SPEC.computed("method", Types.MAP, "newton_cg", Validators.any(),
      "`type` `{default}` by default; " + Minimizers.keysDoc());
  static final Key<Integer> BATCH_ROWS = SPEC.define("batch_rows", Types.INT, 4096, Validators.intRange(1, 1 << 24),
      "rows per in-memory batch; the objective is the mean over all rows either way (with batch norm, statistics"
      + " are per batch)");
  static final Key<Object> PUBLISH = SPEC.optional("publish", Types.ANY, "`{topic, model_id}` (the job's models"
      + " topic, the fitted model id): a ModelSnapshot, the next version after any of that id on the topic, in one"
      + " transaction; `false`: only report");

  private static final ConfigDef PUBLISH_SPEC = new ConfigDef();
  static final Key<String> PUBLISH_TOPIC = PUBLISH_SPEC.optional("topic", Types.STRING, "");
  static final Key<String> PUBLISH_ID = PUBLISH_SPEC.optional("model_id", Types.STRING, "");

  /** The top-level keys' names. */
  public static final List<String> KEYS = SPEC.names();

  private final ReplaySpec replay;
  private final String modelId;
  private final TrainingConfig config;
  private final Minimizer method;
  private final Map<String, Object> methodSpec;
  private final int batchRows;
  private final String publishTopic;
  private final String publishId;
  private final io.streamtrain.job.JobSpec.Topics jobTopics;

  public FitSpec(Map<String, Object> raw, Path base) {
    SpecReader r = new SpecReader("", raw);
    r.rejectUnknown(KEYS);
    if (!"fit".equals(raw.get(MODE.name()))) { // named first, and with what is allowed also when absent
      throw new SpecException(MODE.name(), raw.get(MODE.name()), "allowed: " + MODE.validator().allowed());
    }
    ConfigValues v = SPEC.parse(r);
    String job = v.get(JOB);
    Map<String, Object> asReplay = new LinkedHashMap<>();
    asReplay.put("name", v.get(NAME));
    asReplay.put("source", v.get(SOURCE));
    asReplay.put("configs", List.of(Map.of("name", "fit", "job", job)));
    replay = new ReplaySpec(asReplay, base);
    modelId = v.get(MODEL_ID);
    config = replay.configs().get(0).route(modelId);
    if (config == null) {
      throw new SpecException(MODEL_ID.name(), modelId, "allowed: a model id that job " + job + " accepts");
    }
    if (config.model().scaling() != null) {
      throw new SpecException(JOB.name(), job, "allowed: a job whose model has no scaling section (a fit does not"
          + " keep online input statistics; standardize the data set with the source's standardize option)");
    }
    methodSpec = v.get(METHOD, Map.of("type", METHOD.defaultDoc()));
    method = Minimizers.fromSpec(new SpecReader(METHOD.name(), methodSpec));
    batchRows = v.get(BATCH_ROWS);
    Object pub = v.raw(PUBLISH);
    if (Boolean.FALSE.equals(pub)) {
      jobTopics = null;
      publishTopic = null;
      publishId = null;
    } else {
      ConfigValues p = PUBLISH_SPEC.parse(pub == null ? new SpecReader(PUBLISH.name(), Map.of())
          : r.child(PUBLISH.name()));
      // The job file as a training job reads it (a replay configuration keeps only its training sections).
      jobTopics = io.streamtrain.job.JobSpecFiles.load(base.resolve(job)).topics();
      publishTopic = p.get(PUBLISH_TOPIC, jobTopics.models());
      publishId = p.get(PUBLISH_ID, modelId);
    }
  }

  /** The source and job, validated as a one-configuration replay. */
  public ReplaySpec replay() {
    return replay;
  }

  public String name() {
    return replay.name();
  }

  public String modelId() {
    return modelId;
  }

  /** The job's training configuration for {@link #modelId()}: its model section is what is fitted. */
  public TrainingConfig config() {
    return config;
  }

  public Minimizer method() {
    return method;
  }

  public Map<String, Object> methodSpec() {
    return methodSpec;
  }

  public int batchRows() {
    return batchRows;
  }

  /** The model topic to publish to; null with {@code publish: false}. */
  public String publishTopic() {
    return publishTopic;
  }

  /** Partitions for a model topic the fit creates: the job's {@code topics.partitions}. */
  public int publishPartitions() {
    return jobTopics == null ? 1 : jobTopics.partitions();
  }

  public String publishModelId() {
    return publishId;
  }

  /** Reads a YAML spec; paths in it resolve against the working directory, as a replay spec's do. */
  public static FitSpec load(Path file) {
    try {
      Map<String, Object> raw = new com.fasterxml.jackson.databind.ObjectMapper(
          new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readValue(java.nio.file.Files.readAllBytes(file),
          new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {});
      return new FitSpec(raw, Path.of("."));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new SpecException("spec", "no such file: " + file);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SpecException("spec", file + " is not valid YAML: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw new SpecException("spec", "cannot read " + file + ": " + e.getMessage());
    }
  }
}
