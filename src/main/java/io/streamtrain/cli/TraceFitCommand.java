package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.fit.FitResult;
import io.streamtrain.core.fit.Minimizer;
import io.streamtrain.core.fit.Minimizers;
import io.streamtrain.core.fit.ModelObjective;
import io.streamtrain.core.model.Model;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code streamtrain trace fit --spec FILE.json}: a batch method of {@code streamtrain fit} (Newton-CG, L-BFGS,
 * nonlinear CG) on a model over one batch of given rows, every iteration printed. Spec keys: {@code model},
 * {@code initial}, {@code data} as in {@code trace train}; {@code method} as a fit spec's (see {@link Minimizers}).
 * Output: {@code {"iterations": [{"iteration", "loss", "grad_max_abs", "grad_norm", "step_norm", "curvature",
 * "note", "passes"}, ...], "result": {"converged", "reason", "iterations", "loss", "grad_max_abs", "passes"},
 * "final": {params...}}}.
 */
@Command(
    name = "fit",
    mixinStandardHelpOptions = true,
    description = "Trace a batch method (newton_cg, lbfgs, cg) on a model over given rows: every iteration, as JSON.")
public final class TraceFitCommand extends JsonTraceCommand {
  static final ConfigDef SPEC = TraceData.modelTraceSpec();
  static final Key<Minimizer> METHOD = SPEC.required("method", Types.reader(Minimizers::fromSpec),
      "as a fit spec's: `{type: newton_cg | lbfgs | cg, ...}`");

  @Override
  Map<String, Object> result(SpecReader r) {
    return trace(r);
  }

  /** Runs the trace described by {@code r}; spec errors are {@link SpecException}s naming the key. */
  public static Map<String, Object> trace(SpecReader r) {
    ConfigValues v = SPEC.parse(r);
    TraceData td = TraceData.parse(v, "trace fit");
    Minimizer method = v.get(METHOD);
    Model model = td.spec().newModel(td.rows());
    double[] params = TraceData.initial(v, model);
    Batch batch = model.newBatch(td.rows());
    td.fill(batch, 0, td.rows());
    List<Map<String, Object>> its = new ArrayList<>();
    FitResult res = method.minimize(params, new ModelObjective(model, List.of(batch)), it -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("iteration", it.iteration());
      m.put("loss", it.loss());
      m.put("grad_max_abs", it.gradMaxAbs());
      m.put("grad_norm", it.gradNorm());
      m.put("step_norm", it.stepNorm());
      m.put("curvature", it.curvature());
      m.put("note", it.note());
      m.put("passes", it.passes());
      its.add(m);
    });
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("converged", res.converged());
    result.put("reason", res.reason());
    result.put("iterations", res.iterations());
    result.put("loss", res.loss());
    result.put("grad_max_abs", res.gradMaxAbs());
    result.put("passes", res.passes());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("iterations", its);
    out.put("result", result);
    out.put("final", model.layout().toNested(params));
    return out;
  }
}
