package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trace specs' declared keys: bad values fail naming the key, absent ones take their declared defaults. */
class TraceSpecKeysTest {
  private static final Map<String, Object> LOGISTIC = Map.of("type", "logistic");
  private static final Map<String, Object> DATA = Map.of("X", List.of(List.of(1.0, 2.0), List.of(0.5, -1.0)),
      "y", List.of(1.0, 0.0));

  private static SpecReader spec(Map<String, Object> m) {
    return new SpecReader("", m);
  }

  @Test
  void badValuesNameTheirKey() {
    assertThatThrownBy(() -> TraceClipCommand.trace(spec(Map.of("clip", Map.of("type", "value", "clip_value", 1.0),
        "param_split", List.of(-1, 3), "gradients", List.of(List.of(1.0, 2.0))))))
        .isInstanceOf(SpecException.class)
        .hasMessage("param_split[0]: -1 is not allowed; allowed: a size >= 0");
    assertThatThrownBy(() -> TraceOptimizerCommand.trace(spec(Map.of("optimizer", Map.of("type", "sgd", "lr", 0.1),
        "params", List.of(1.0), "gradients", List.of(List.of(1.0)), "lr_schedule", List.of("fast")))))
        .hasMessage("lr_schedule[0]: \"fast\" is not allowed; allowed: a number");
    assertThatThrownBy(() -> TraceTrainCommand.trace(spec(Map.of("model", LOGISTIC, "data", DATA,
        "optimizer", Map.of("type", "sgd", "lr", 0.1), "batch_size", 1, "epochs", -1))))
        .hasMessage("epochs: -1 is not allowed; allowed: an integer in [0, 1000000]");
    assertThatThrownBy(() -> TraceTrainCommand.trace(spec(Map.of("model", LOGISTIC, "data", DATA,
        "optimizer", Map.of("type", "sgd", "lr", 0.1)))))
        .hasMessage("batch_size: missing; it is required");
    assertThatThrownBy(() -> TraceLbfgsCommand.trace(spec(Map.of("model", LOGISTIC,
        "data", Map.of("X", List.of(List.of(1.0, "two")), "y", List.of(1.0))))))
        .hasMessage("data.X[0][1]: \"two\" is not allowed; allowed: a number");
    assertThatThrownBy(() -> TraceFitCommand.trace(spec(Map.of("model", LOGISTIC, "data", Map.of("X", List.of(),
        "y", List.of(), "w", List.of()), "method", Map.of("type", "cg")))))
        .hasMessageStartingWith("data.w: unknown key; allowed keys here are [X, y, weights]");
    assertThatThrownBy(() -> TraceScheduleCommand.run(spec(Map.of("schedule", Map.of("type", "StepLR",
        "step_size", 2), "base_lr", 0.1, "steps", 3, "optimizer", "lbfgs"))))
        .hasMessage("optimizer: \"lbfgs\" is not allowed; allowed: one of [sgd, rmsprop, adam, adamw, adagrad]");
    assertThatThrownBy(() -> TraceTrainCommand.trace(spec(Map.of("model", LOGISTIC, "data", DATA, "epoch", 2))))
        .hasMessage("epoch: unknown key; allowed keys here are [model, initial, optimizer, data, batch_size, epochs];"
            + " did you mean epochs?");
  }

  @Test
  void absentKeysTakeTheirDeclaredDefaults() {
    // epochs 1: one pass of two batches of one row
    Map<String, Object> out = TraceTrainCommand.trace(spec(Map.of("model", LOGISTIC, "data", DATA,
        "optimizer", Map.of("type", "sgd", "lr", 0.1), "batch_size", 1)));
    assertThat((List<?>) out.get("batch_losses")).hasSize(1);
    assertThat((List<?>) ((List<?>) out.get("batch_losses")).get(0)).hasSize(2);
    // steps 1: one call of step(closure)
    Map<String, Object> lb = TraceLbfgsCommand.trace(spec(Map.of("model", LOGISTIC, "data", DATA)));
    assertThat((List<?>) lb.get("steps")).hasSize(1);
    // OneCycleLR needs no base_lr; sgd's momentum is cycled
    Map<String, Object> oc = TraceScheduleCommand.run(spec(Map.of("schedule", Map.of("type", "OneCycleLR",
        "max_lr", 0.1, "total_steps", 4), "steps", 4)));
    assertThat((List<?>) oc.get("lr")).hasSize(4);
    assertThat(oc).containsKey("momentum");
  }
}
