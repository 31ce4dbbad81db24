package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.config.ConfigDef;
import io.streamtrain.core.config.ConfigValues;
import io.streamtrain.core.config.Key;
import io.streamtrain.core.config.Types;
import io.streamtrain.core.config.Validators;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpec;
import io.streamtrain.core.model.ModelSpecs;
import io.streamtrain.core.optim.Optimizer;
import io.streamtrain.core.optim.Optimizers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code streamtrain trace train --spec FILE.json}: trains a model in the core on given data and prints the final
 * parameters and every batch loss, for comparison with a torch training loop. Spec keys: {@code model} (see
 * {@link ModelSpecs}; without {@code features} the dense width is taken from the data), {@code initial}
 * (optional, the starting parameters in the layout below; otherwise the model's initializer with its seed),
 * {@code optimizer} (torch names, see {@link Optimizers}), {@code data} ({@code X}: rows of dense values,
 * {@code y}: labels, optional {@code weights}), {@code batch_size}, {@code epochs}. Batches are consecutive rows
 * in order (the last one may be shorter), no shuffling; each step computes the batch-mean loss and its gradient
 * in training mode, advances batch-norm running statistics, then applies the optimizer. Output: {@code
 * {"final": {params..., buffers...}, "batch_losses": [[epoch 1], [epoch 2], ...]}}. Layouts: linear and logistic
 * {@code {"weight": [w...], "bias": b}}; softmax {@code {"weight": [[K rows]], "bias": [K]}}; mlp {@code {"W1":
 * [[out][in]], "b1": [...], "gamma1", "beta1" (batch norm), ..., "running_mean1", "running_var1"}} (see
 * {@link ModelSpec}).
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Trace training: final parameters and batch losses of a model trained on given data, as JSON.")
public final class TraceTrainCommand extends JsonTraceCommand {
  static final ConfigDef SPEC = new ConfigDef();
  static final Key<SpecReader> MODEL = SPEC.declare(TraceData.MODEL);
  static final Key<SpecReader> INITIAL = SPEC.declare(TraceData.INITIAL);
  static final Key<Map<String, Object>> OPTIMIZER = SPEC.required("optimizer", Types.MAP,
      "torch.optim's names and defaults");
  static final Key<ConfigValues> DATA = SPEC.declare(TraceData.DATA);
  static final Key<Integer> BATCH_SIZE = SPEC.required("batch_size", Types.INT,
      Validators.intRange(1, Integer.MAX_VALUE), "rows per batch, consecutive (the last may be shorter)");
  static final Key<Integer> EPOCHS = SPEC.define("epochs", Types.INT, 1, Validators.intRange(0, 1_000_000),
      "passes over the rows");

  @Override
  Map<String, Object> result(SpecReader r) {
    return trace(r);
  }

  /** Runs the training trace described by {@code r}; spec errors are {@link SpecException}s naming the key. */
  public static Map<String, Object> trace(SpecReader r) {
    ConfigValues v = SPEC.parse(r);
    TraceData td = TraceData.parse(v, "trace train");
    double[][] x = td.x();
    ModelSpec ms = td.spec();
    int batchSize = v.get(BATCH_SIZE);
    int epochs = v.get(EPOCHS);
    Model model = ms.newModel(Math.min(batchSize, x.length));
    double[] params = TraceData.initial(v, model);
    double[] buffers = new double[model.numBuffers()];
    model.initBuffers(buffers);
    Optimizer opt = Optimizers.fromSpec(v.reader().child(OPTIMIZER.name()), model.numParams());

    Batch batch = model.newBatch(Math.min(batchSize, x.length));
    double[] grad = new double[model.numParams()];
    List<List<Double>> losses = new ArrayList<>(epochs);
    long step = 0;
    for (int ep = 0; ep < epochs; ep++) {
      List<Double> epochLosses = new ArrayList<>();
      for (int start = 0; start < x.length; start += batchSize) {
        td.fill(batch, start, Math.min(x.length, start + batchSize));
        model.setDropoutStep(step++);
        double loss = model.lossAndGradient(params, batch, grad);
        model.updateBuffers(params, batch, buffers);
        opt.step(params, grad);
        epochLosses.add(loss);
      }
      losses.add(epochLosses);
    }
    Map<String, Object> fin = new LinkedHashMap<>(model.layout().toNested(params));
    fin.putAll(model.bufferLayout().toNested(buffers));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("final", fin);
    out.put("batch_losses", losses);
    return out;
  }
}
