package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.fit.Lbfgs;
import io.streamtrain.core.fit.LbfgsConfig;
import io.streamtrain.core.fit.ModelObjective;
import io.streamtrain.core.fit.Objective;
import io.streamtrain.core.model.Model;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code streamtrain trace lbfgs --spec FILE.json}: torch.optim.LBFGS on a model's objective over one fixed batch
 * (all rows of {@code data}), {@code steps} calls of {@code optimizer.step(closure)}, for comparison with torch.
 * Spec keys: {@code model}, {@code initial} and {@code data} as in {@code trace train}; {@code lbfgs} with torch's
 * names ({@code lr}, {@code max_iter}, {@code max_eval}, {@code tolerance_grad}, {@code tolerance_change},
 * {@code history_size}, {@code line_search_fn}: null or "strong_wolfe"); {@code steps} (default 1). Output:
 * {@code {"steps": [{"loss": the value step() returned, "params": {...}, "func_evals": n, "n_iter": n}, ...],
 * "evaluations": [the objective at every closure call, in order]}}, the counters as torch's optimizer state
 * holds them.
 */
@Command(
    name = "lbfgs",
    mixinStandardHelpOptions = true,
    description = "Trace torch.optim.LBFGS on a model over one batch: per step loss, parameters and counters, as JSON.")
public final class TraceLbfgsCommand extends JsonTraceCommand {
  static final ConfigDef SPEC = TraceData.modelTraceSpec();
  static final Key<LbfgsConfig> LBFGS = SPEC.optional("lbfgs", Types.reader(LbfgsConfig::fromSpec),
      "torch.optim.LBFGS's names and defaults");
  static final Key<Integer> STEPS = SPEC.define("steps", Types.INT, 1, Validators.intRange(1, 1_000_000),
      "calls of optimizer.step(closure)");

  @Override
  Map<String, Object> result(SpecReader r) {
    return trace(r);
  }

  /** Runs the trace described by {@code r}; spec errors are {@link SpecException}s naming the key. */
  public static Map<String, Object> trace(SpecReader r) {
    ConfigValues v = SPEC.parse(r);
    TraceData td = TraceData.parse(v, "trace lbfgs");
    LbfgsConfig cfg = v.has(LBFGS) ? v.get(LBFGS) : LbfgsConfig.defaults();
    int steps = v.get(STEPS);
    Model model = td.spec().newModel(td.rows());
    double[] params = TraceData.initial(v, model);
    Batch batch = model.newBatch(td.rows());
    td.fill(batch, 0, td.rows());
    ModelObjective objective = new ModelObjective(model, List.of(batch));
    List<Double> evaluations = new ArrayList<>();
    Objective recorded = new Objective() {
      @Override
      public int dimension() {
        return objective.dimension();
      }

      @Override
      public double valueAndGradient(double[] x, double[] grad) {
        double f = objective.valueAndGradient(x, grad);
        evaluations.add(f);
        return f;
      }

      @Override
      public double value(double[] x) {
        return objective.value(x);
      }

      @Override
      public void hessianVector(double[] x, double[] v, double[] out) {
        objective.hessianVector(x, v, out);
      }
    };
    Lbfgs lbfgs = new Lbfgs(cfg, model.numParams());
    List<Map<String, Object>> out = new ArrayList<>(steps);
    for (int s = 0; s < steps; s++) {
      double loss = lbfgs.step(params, recorded);
      Map<String, Object> step = new LinkedHashMap<>();
      step.put("loss", loss);
      step.put("params", model.layout().toNested(params));
      step.put("func_evals", lbfgs.functionEvaluations());
      step.put("n_iter", lbfgs.iterations());
      out.add(step);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("steps", out);
    result.put("evaluations", evaluations);
    return result;
  }
}
