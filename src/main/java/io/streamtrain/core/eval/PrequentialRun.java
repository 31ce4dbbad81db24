package io.streamtrain.core.eval;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.metric.MetricsSpec;
import io.streamtrain.core.train.TrainingConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Several training configurations evaluated side by side on one sequence of samples: each sample goes to every
 * configuration, and within a configuration to its model id's own {@link Prequential}, so every configuration
 * sees exactly the same samples in the same order (a fair comparison). A configuration routes a model id to its
 * {@link TrainingConfig} (a job spec may train ids differently) or to null for ids it does not train, which are
 * counted as unknown. Evaluations are kept in first-seen order, so results do not depend on hash order.
 */
public final class PrequentialRun {
  /** A named configuration: model id -> training configuration, or null when the id is not trained. */
  public record Config(String name, Function<String, TrainingConfig> route) {}

  private final List<Config> configs;
  private final MetricsSpec metrics;
  private final LabelDelay delay;
  private final Consumer<EvalPoint> points;
  private final List<Map<String, Prequential>> byConfig = new ArrayList<>();
  private long unknown;

  public PrequentialRun(List<Config> configs, MetricsSpec metrics, LabelDelay delay, Consumer<EvalPoint> points) {
    this.configs = List.copyOf(configs);
    this.metrics = metrics;
    this.delay = delay;
    this.points = points;
    for (int i = 0; i < configs.size(); i++) {
      byConfig.add(new LinkedHashMap<>());
    }
  }

  public void accept(Example e) {
    String id = e.modelId();
    for (int c = 0; c < configs.size(); c++) {
      Map<String, Prequential> m = byConfig.get(c);
      Prequential p = m.get(id);
      if (p == null) {
        TrainingConfig tc = configs.get(c).route().apply(id);
        if (tc == null) {
          unknown++;
          continue;
        }
        p = Prequential.prequential(configs.get(c).name(), id, tc, metrics, delay, points);
        m.put(id, p);
      }
      p.accept(e);
    }
  }

  /** End of input for every evaluation, in configuration order then first-seen model id order. */
  public void finish() {
    for (Map<String, Prequential> m : byConfig) {
      for (Prequential p : m.values()) {
        p.finish();
      }
    }
  }

  /** The evaluation of {@code modelId} under configuration {@code config}, or null. */
  public Prequential get(String config, String modelId) {
    for (int c = 0; c < configs.size(); c++) {
      if (configs.get(c).name().equals(config)) {
        return byConfig.get(c).get(modelId);
      }
    }
    return null;
  }

  /** Samples of model ids that a configuration does not train (counted once per configuration). */
  public long unknown() {
    return unknown;
  }
}
