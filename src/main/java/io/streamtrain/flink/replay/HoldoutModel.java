package io.streamtrain.flink.replay;

import java.util.Map;

/**
 * The model a holdout replay scores: its model section, parameters, buffers, snapshot version (null when the
 * parameters are not a published snapshot) and the name it is reported under. Found by
 * {@link io.streamtrain.replay.Holdouts} (model topic, a parameters file) or {@link SavepointModels} (a savepoint).
 */
public record HoldoutModel(Map<String, Object> model, double[] params, double[] buffers, Long version,
    String name) {}
