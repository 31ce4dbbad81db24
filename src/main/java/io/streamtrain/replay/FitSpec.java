package io.streamtrain.replay;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
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
  public static final List<String> KEYS =
      List.of("name", "mode", "source", "job", "model_id", "method", "batch_rows", "publish");

  private final ReplaySpec replay;
  private final String modelId;
  private final TrainingConfig config;
  private final Minimizer method;
  private final Map<String, Object> methodSpec;
  private final int batchRows;
  private final String publishTopic;
  private final String publishId;
  private final io.streamtrain.job.JobSpec.Topics jobTopics;

  @SuppressWarnings("unchecked")
  public FitSpec(Map<String, Object> raw, Path base) {
    SpecReader r = new SpecReader("", raw);
    r.rejectUnknown(KEYS);
    String mode = r.getString("mode", null);
    if (!"fit".equals(mode)) {
      throw new SpecException("mode", mode, "allowed: fit (prequential and holdout specs run with `replay`)");
    }
    String job = r.requireString("job");
    Map<String, Object> asReplay = new LinkedHashMap<>();
    asReplay.put("name", r.getString("name", "fit"));
    asReplay.put("source", r.require("source"));
    asReplay.put("configs", List.of(Map.of("name", "fit", "job", job)));
    replay = new ReplaySpec(asReplay, base);
    modelId = r.getString("model_id", "default");
    config = replay.configs().get(0).route(modelId);
    if (config == null) {
      throw new SpecException("model_id", modelId, "allowed: a model id that job " + job + " accepts");
    }
    methodSpec = r.has("method") ? (Map<String, Object>) r.child("method").map() : Map.of("type", "newton_cg");
    method = Minimizers.fromSpec(new SpecReader("method", methodSpec));
    batchRows = r.getInt("batch_rows", 4096, 1, 1 << 24);
    Object pub = r.raw("publish");
    if (Boolean.FALSE.equals(pub)) {
      jobTopics = null;
      publishTopic = null;
      publishId = null;
    } else {
      SpecReader p = pub == null ? new SpecReader("publish", Map.of()) : r.child("publish");
      p.rejectUnknown("topic", "model_id");
      // The job file as a training job reads it (a replay configuration keeps only its training sections).
      jobTopics = io.streamtrain.job.JobSpecFiles.load(base.resolve(job)).topics();
      publishTopic = p.getString("topic", jobTopics.models());
      publishId = p.getString("model_id", modelId);
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
