package io.streamtrain.flink.training;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpecs;
import io.streamtrain.core.model.WarmStart;
import io.streamtrain.core.train.TrainingConfig;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.SnapshotAssembler.Assembled;
import io.streamtrain.job.JobSpec;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * The initial models of a job's {@code warm_start}, resolved on the client before the job starts and shipped with
 * it: published snapshots read from the model topic, mapped group by group onto the layout of the configuration
 * each model will train with ({@link WarmStart}: same group names and shapes, or an error naming the group, the
 * model and both shapes, so a mismatch stops the job before it starts instead of failing its tasks). With
 * {@code model_id}, one snapshot serves as a template for every configuration; without it, each accepted model id
 * that has a snapshot starts from its own. A model that resumes from a checkpoint or savepoint keeps its state:
 * the table only applies to models that have no state in this job yet.
 */
public final class WarmStarts implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String KEY = "warm_start";

  /** Parameters and buffers in a configuration's layout, and where they came from. */
  public record Initial(String sourceId, long sourceVersion, double[] params, double[] buffers, long version)
      implements Serializable {}

  private final Map<String, Initial> byModel;
  private final Initial[] byConfig;

  WarmStarts(Map<String, Initial> byModel, Initial[] byConfig) {
    this.byModel = byModel;
    this.byConfig = byConfig;
  }

  /** The initial model for {@code modelId} under configuration {@code cfg}, or null (start from the initializer). */
  public Initial lookup(String modelId, int cfg) {
    if (byConfig != null) {
      return cfg >= 0 && cfg < byConfig.length ? byConfig[cfg] : null;
    }
    return byModel.get(modelId);
  }

  /** Reads the snapshots the job's warm_start names and maps them; null when the spec has no warm_start. */
  public static WarmStarts load(JobSpec spec, KafkaSettings kafka) {
    JobSpec.WarmStartSpec w = spec.warmStart();
    if (w == null) {
      return null;
    }
    if (w.modelId() != null) {
      Assembled s = ModelSnapshots.read(kafka, w.topic(), w.modelId()::equals, w.version(), KEY + ".topic")
          .get(w.modelId());
      if (s == null) {
        throw new SpecException(KEY + ".model_id", w.modelId() + (w.version() == null ? "" : " version "
            + w.version()), "a model id (and version) published on topic " + w.topic());
      }
      Initial[] byConfig = new Initial[spec.configs().size()];
      for (int i = 0; i < byConfig.length; i++) {
        // A template's versions belong to the template: the new models number their own from 1.
        byConfig[i] = map(s, spec.configs().get(i), 0, "configuration " + i);
      }
      return new WarmStarts(Map.of(), byConfig);
    }
    Map<String, Assembled> found = ModelSnapshots.read(kafka, w.topic(), id -> spec.configIndex(id) >= 0, null,
        KEY + ".topic");
    boolean sameTopic = w.topic().equals(spec.topics().models());
    Map<String, Initial> byModel = new TreeMap<>();
    for (Map.Entry<String, Assembled> e : found.entrySet()) {
      Assembled s = e.getValue();
      // On the job's own model topic a model's versions go on from the snapshot's, so they only ever increase.
      long version = sameTopic ? s.version() : 0;
      byModel.put(e.getKey(), map(s, spec.configs().get(spec.configIndex(e.getKey())), version,
          "model '" + e.getKey() + "'"));
    }
    return new WarmStarts(byModel, null);
  }

  /** The snapshot's parameters and buffers in {@code cfg}'s layout (errors name {@code what}). */
  static Initial map(Assembled a, TrainingConfig cfg, long version, String what) {
    ModelSnapshot s = a.head();
    String key = KEY + " (snapshot " + s.getModelId() + " v" + s.getVersion() + " for " + what + ")";
    Model from = ModelSpecs.fromSpec(new SpecReader(key, ModelSnapshots.modelSpec(s, key))).newModel();
    Model to = cfg.model().newModel();
    double[] params = new double[to.numParams()];
    double[] buffers = new double[to.numBuffers()];
    WarmStart.copy(key, from.layout(), a.parameters(), to.layout(), params, false);
    WarmStart.copy(key, from.bufferLayout(), ModelSnapshots.buffers(s), to.bufferLayout(), buffers, false);
    return new Initial(s.getModelId(), s.getVersion(), params, buffers, version);
  }
}
