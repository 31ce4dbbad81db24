package io.streamtrain.flink.training;

import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerEvent;
import io.streamtrain.core.train.TrainerState;
import java.util.List;
import java.util.Map;

/** A model's state carried over a restart whose job brought a different training configuration. */
final class Migrations {
  private Migrations() {}

  /**
   * A restarted job brought a different configuration for this model: keep what still fits (parameters and
   * buffers when every group of the new model exists in the old one under the same name with the same shape, as
   * a warm start maps them; the counters and the version), start the optimizer and schedule afresh, and say so in
   * the next report. Equal lengths are not enough: [2, 6, 1] and [2, 4, 2, 1] have as many parameters, in other
   * shapes.
   */
  static TrainerSlot migrate(TrainerSlot old, String configJson, ModelTrainer trainer, List<TrainerEvent> events) {
    TrainerState o = old.state;
    TrainerState n = trainer.newState(o.modelId);
    String why = keepParameters(old, o, trainer, n);
    n.version = o.version;
    n.samplesSeen = o.samplesSeen;
    n.rejectedSamples = o.rejectedSamples;
    n.maxEventTime = o.maxEventTime;
    n.lastSnapshotEventTime = o.lastSnapshotEventTime;
    events.add(new TrainerEvent("config_changed", o.step,
        why == null
            ? "training configuration changed on restart: parameters kept, optimizer and schedule restarted"
            : "training configuration changed on restart with new shapes (" + why + "): model re-initialized"));
    events.add(TrainerEvent.trainingPath(o.step, trainer.path()));
    return new TrainerSlot(configJson, n);
  }

  /**
   * Copies the old state's parameters and buffers into {@code n} group by group (names and shapes from both
   * configurations' layouts); returns null when they were kept, else why not (n then keeps its fresh
   * initialization).
   */
  static String keepParameters(TrainerSlot old, TrainerState o, ModelTrainer trainer, TrainerState n) {
    io.streamtrain.core.model.Model from;
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> oldConfig = new com.fasterxml.jackson.databind.ObjectMapper().readValue(old.configJson,
          Map.class);
      from = io.streamtrain.core.train.TrainingConfig.fromSpec(new io.streamtrain.core.SpecReader("", oldConfig))
          .model().newModel(1);
    } catch (java.io.IOException | RuntimeException e) {
      return "the previous configuration no longer reads: " + e.getMessage();
    }
    io.streamtrain.core.model.Model to = trainer.model();
    double[] params = n.params.clone();
    double[] buffers = n.buffers.clone();
    try {
      io.streamtrain.core.model.WarmStart.copy("model", from.layout(), o.params, to.layout(), params, false);
      io.streamtrain.core.model.WarmStart.copy("model", from.bufferLayout(), o.buffers, to.bufferLayout(),
          buffers, false);
    } catch (io.streamtrain.core.SpecException e) {
      return e.getMessage();
    }
    System.arraycopy(params, 0, n.params, 0, params.length);
    System.arraycopy(buffers, 0, n.buffers, 0, buffers.length);
    return null;
  }
}
