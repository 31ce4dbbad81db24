package io.streamtrain.client;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.model.ModelSpec;
import io.streamtrain.core.model.ModelSpecs;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.SnapshotParts;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * From model-topic records to complete, checksum-verified {@link ModelClient.Version}s, with no Kafka consumer and
 * no Flink: what {@link ModelClient}'s follower thread and the serve job's Flink functions share. Records go in
 * ({@link #add}) in any order; {@link #newer} hands out each model's newest complete version above the one a
 * reader holds ({@link SnapshotAssembler} decides completeness and checks the checksum), built by {@link #of}.
 */
public final class ModelVersions {
  private final SnapshotAssembler assembler;
  private long undecodable;

  /** Versions of the model ids {@code modelIds} accepts. */
  public ModelVersions(Predicate<String> modelIds) {
    this.assembler = new SnapshotAssembler(modelIds, null);
  }

  /** Takes one record value of the model topic; a value that is no ModelSnapshot is counted and skipped. */
  public void add(byte[] value) {
    ModelSnapshot s = SnapshotParts.decode(value);
    if (s == null) {
      undecodable++;
      return;
    }
    assembler.add(s);
  }

  /** Takes one decoded record of the model topic. */
  public void add(ModelSnapshot s) {
    assembler.add(s);
  }

  /**
   * Per model (in id order), its newest complete version when it is newer than {@code held} returns for the id
   * (null: none held); the spec is parsed again only when the model's configuration changed.
   */
  public List<ModelClient.Version> newer(Function<String, ModelClient.Version> held) {
    List<ModelClient.Version> out = new ArrayList<>();
    for (SnapshotAssembler.Assembled a : assembler.complete().values()) {
      ModelClient.Version h = held.apply(a.modelId());
      if (h == null || h.version() < a.version()) {
        out.add(of(a, h));
      }
    }
    return out;
  }

  /** Records skipped: not decodable as a ModelSnapshot, or malformed parts. */
  public long skipped() {
    return undecodable + assembler.skipped();
  }

  /** Versions whose parts all arrived but whose parameters failed their checksum (never handed out). */
  public int corruptModels() {
    return assembler.corruptModels().size();
  }

  /**
   * The version {@code a} as a scorer uses it; reuses {@code held}'s parsed spec when both come from the same
   * model configuration (versions of one training configuration share it).
   */
  public static ModelClient.Version of(SnapshotAssembler.Assembled a, ModelClient.Version held) {
    ModelSnapshot head = a.head();
    String json = head.getSpec().getModelJson();
    ModelSpec spec = held != null && held.modelJson().equals(json)
        ? held.spec()
        : ModelSpecs.fromSpec(new SpecReader("model_json", ModelSnapshots.modelSpec(head, "model_json")));
    return new ModelClient.Version(a.modelId(), a.version(), head.getStep(), spec, json, a.parameters(),
        ModelSnapshots.buffers(head));
  }
}
