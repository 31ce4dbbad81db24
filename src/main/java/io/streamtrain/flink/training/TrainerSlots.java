package io.streamtrain.flink.training;

import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerEvent;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.job.JobSpec;
import java.util.List;

/**
 * The trainer side of a job's configurations: one {@link ModelTrainer} per configuration (built on first use) and
 * the slot a model trains in. A model without state starts from its warm start or its initializer; a model whose
 * state was written under another configuration is migrated ({@link Migrations}). Either says so in events.
 */
final class TrainerSlots {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrainerSlots.class);
  private final JobSpec spec;
  private final WarmStarts warmStarts;
  private final ModelTrainer[] trainers;
  private final String[] configJson;

  TrainerSlots(JobSpec spec, WarmStarts warmStarts) {
    this.spec = spec;
    this.warmStarts = warmStarts;
    int n = spec.configs().size();
    this.trainers = new ModelTrainer[n];
    this.configJson = new String[n];
    for (int i = 0; i < n; i++) {
      configJson[i] = TrainerSlot.canonicalJson(spec.configMap(i));
    }
  }

  ModelTrainer trainer(int cfg) {
    if (trainers[cfg] == null) {
      trainers[cfg] = new ModelTrainer(spec.configs().get(cfg)).enableDiagnostics(spec.diagnostics(cfg));
      LOG.info("configuration {} trains on the {} path", cfg, trainers[cfg].path().describe());
    }
    return trainers[cfg];
  }

  /**
   * The slot model {@code modelId} trains in under configuration {@code cfg}: {@code slot} itself when it was
   * written under that configuration, a new one otherwise (null slot: the model's first state in this job).
   */
  TrainerSlot load(TrainerSlot slot, String modelId, int cfg, List<TrainerEvent> events) {
    if (slot == null) {
      return new TrainerSlot(configJson[cfg], newState(modelId, cfg, events));
    }
    if (!slot.configJson.equals(configJson[cfg])) {
      return Migrations.migrate(slot, configJson[cfg], trainer(cfg), events);
    }
    return slot;
  }

  /** A model's first state in this job: from its warm start when there is one, else from its initializer. */
  private TrainerState newState(String modelId, int cfg, List<TrainerEvent> events) {
    ModelTrainer trainer = trainer(cfg);
    TrainerState s = trainer.newState(modelId);
    events.add(TrainerEvent.trainingPath(0L, trainer.path()));
    WarmStarts.Initial init = warmStarts == null ? null : warmStarts.lookup(modelId, cfg);
    if (init != null) {
      s.warmStart(init.params(), init.buffers(), init.version());
      events.add(TrainerEvent.warmStarted(init.sourceId(), init.sourceVersion(), init.version()));
    }
    return s;
  }
}
