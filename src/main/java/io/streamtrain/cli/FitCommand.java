package io.streamtrain.cli;

import io.streamtrain.core.fit.FitListener;
import io.streamtrain.replay.FitRunner;
import io.streamtrain.replay.FitSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code streamtrain fit jobs/replay/X.yaml}: fits a model to a bounded range (a topic range or a file) with a batch
 * method (Newton-CG, L-BFGS, nonlinear CG) to a tolerance, printing one line per iteration (loss, gradient norms,
 * step, curvature found, passes over the data), and publishes the result as a snapshot that a training job's
 * {@code warm_start} loads (see {@link FitSpec}). Exit 0 when the tolerance was met, 1 when the method stopped
 * short of it (the snapshot is published either way, and the last line says why it stopped).
 */
@Command(
    name = "fit",
    mixinStandardHelpOptions = true,
    description = "Fit a model to a bounded range with a batch second-order method and publish it for warm_start.")
public final class FitCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SPEC.yaml", description = "The fit spec (mode: fit).")
  Path specFile;

  @Mixin KafkaOptions kafka = new KafkaOptions();

  @Override
  public Integer call() {
    FitSpec fit = FitSpec.load(specFile);
    PrintWriter out = spec.commandLine().getOut();
    out.printf("fit %s: model %s of %s with %s%n", fit.name(), fit.modelId(),
        fit.config().model().type().specName, fit.methodSpec());
    out.println(" iter          loss   max|grad|      |grad|        step   curvature  passes  note");
    out.flush();
    FitListener progress = it -> {
      out.printf("%5d  %12.9f  %10.3e  %10.3e  %10.3e  %10.3e  %6d  %s%n", it.iteration(), it.loss(),
          it.gradMaxAbs(), it.gradNorm(), it.stepNorm(), it.curvature(), it.passes(), it.note());
      out.flush();
    };
    FitRunner.Outcome o = FitRunner.run(fit, kafka.settings(), progress);
    out.printf("data: %d rows of %s in %d batches (%d of other model ids, %d rejected); loss %.9f -> %.9f%n",
        o.rows(), fit.modelId(), o.batches(), o.otherModels(), o.rejected(), o.initialLoss(), o.result().loss());
    out.printf("%s after %d iterations, %d passes: %s%n", o.result().converged() ? "converged" : "stopped",
        o.result().iterations(), o.result().passes(), o.result().reason());
    if (o.topic() != null) {
      out.printf("published %s version %d to %s (warm_start: {topic: %s, model_id: %s})%n", o.modelId(),
          o.version(), o.topic(), o.topic(), o.modelId());
    }
    out.flush();
    return o.result().converged() ? 0 : 1;
  }
}
