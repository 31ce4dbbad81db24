package io.streamtrain.flink.training;

import io.streamtrain.avro.Buffer;
import io.streamtrain.avro.LayerShape;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.ModelSpec;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ParamGroup;
import io.streamtrain.core.model.ParamLayout;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.io.ParameterChecksum;
import io.streamtrain.io.SnapshotParts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds the wire {@link ModelSnapshot} records of a model: spec (type, tensor shapes, feature space, model JSON),
 * parameters, buffers, optimizer, version and the CRC32C checksum defined in schemas/ModelSnapshot.avsc, split
 * into parts when the parameters exceed one record's bound ({@link SnapshotParts}), so a model of any size
 * publishes without raising a Kafka limit.
 */
public final class Snapshots {
  private Snapshots() {}

  /** True when every parameter and buffer is finite: only such a model may be published. */
  public static boolean allFinite(TrainerState s) {
    for (double d : s.params) {
      if (!Double.isFinite(d)) {
        return false;
      }
    }
    for (double d : s.buffers) {
      if (!Double.isFinite(d)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Publishes a due snapshot of the trainer's state as its next version ({@link
   * io.streamtrain.core.train.SnapshotCadence#published}), {@code origin} (null: none) on its first part; false,
   * and nothing published or marked, when a parameter or buffer is not finite.
   */
  public static boolean publishIfFinite(TrainerState s, Model model, Map<String, ?> modelSpec, String origin,
      Consumer<ModelSnapshot> out) {
    if (!allFinite(s)) {
      return false;
    }
    long version = io.streamtrain.core.train.SnapshotCadence.published(s);
    publish(s, model, modelSpec, version, s.maxEventTime, p -> {
      if (origin != null && p.getPart() == 0) {
        p.setOrigin(origin);
      }
      out.accept(p);
    });
    return true;
  }

  /**
   * Publishes the model as the records of one snapshot version ({@link SnapshotParts#split}: one record for a
   * model of up to {@value SnapshotParts#PART_PARAMETERS} parameters, else parts of at most 512 KiB of
   * parameters each), handing each to {@code out} as it is built.
   */
  public static void publish(TrainerState s, Model model, Map<String, ?> modelSpec, long version, long createdAt,
      Consumer<ModelSnapshot> out) {
    SnapshotParts.split(head(s, model, modelSpec, version, createdAt), s.params, out);
  }

  /**
   * Publishes parameters and buffers that no trainer produced (e.g. a batch fit), as {@link #publish} does for a
   * trainer's state: {@code step} and {@code samplesSeen} say what the model has seen, {@code optimizer} what
   * fitted it.
   */
  public static void publish(String modelId, double[] params, double[] buffers, long step, long samplesSeen,
      String optimizer, Model model, Map<String, ?> modelSpec, long version, long createdAt,
      Consumer<ModelSnapshot> out) {
    SnapshotParts.split(head(modelId, params, buffers, step, samplesSeen, optimizer, model, modelSpec, version,
        createdAt), params, out);
  }

  /** The snapshot without its parameters (they are added by {@link SnapshotParts#split}), checksum set. */
  static ModelSnapshot head(TrainerState s, Model model, Map<String, ?> modelSpec, long version,
      long createdAt) {
    return head(s.modelId, s.params, s.buffers, s.step, s.samplesSeen, s.optimizer.type(), model, modelSpec,
        version, createdAt);
  }

  private static ModelSnapshot head(String modelId, double[] params, double[] bufferValues, long step,
      long samplesSeen, String optimizer, Model model, Map<String, ?> modelSpec, long version, long createdAt) {
    List<LayerShape> layers = new ArrayList<>();
    for (ParamGroup g : model.layout().groups()) {
      layers.add(new LayerShape(g.name(), toList(g.shape())));
    }
    ParamLayout bl = model.bufferLayout();
    List<Buffer> buffers = new ArrayList<>();
    for (ParamGroup g : bl.groups()) {
      List<Double> values = new ArrayList<>(g.size());
      for (int i = g.offset(); i < g.end(); i++) {
        values.add(bufferValues[i]);
      }
      buffers.add(new Buffer(g.name(), values));
    }
    io.streamtrain.core.feature.FeatureSpace fs = model.featureSpace();
    String featureJson = "{\"dense\":" + fs.denseDim() + ",\"sparse\":" + fs.sparseDim() + ",\"hash_bits\":"
        + fs.hashBits() + "}";
    return ModelSnapshot.newBuilder()
        .setModelId(modelId)
        .setVersion(version)
        .setStep(step)
        .setSamplesSeen(samplesSeen)
        .setCreatedAt(Instant.ofEpochMilli(createdAt == Long.MIN_VALUE ? 0 : createdAt))
        .setSpec(new ModelSpec(model.spec().type().specName, layers, featureJson,
            TrainerSlot.canonicalJson(modelSpec)))
        .setParameters(List.of())
        .setBuffers(buffers)
        .setOptimizer(optimizer)
        .setChecksum(ParameterChecksum.of(params))
        .build();
  }

  private static List<Integer> toList(int[] a) {
    return new ArrayList<>(Arrays.stream(a).boxed().toList());
  }
}
