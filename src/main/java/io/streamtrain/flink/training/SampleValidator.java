package io.streamtrain.flink.training;

import io.streamtrain.avro.RejectedSample;
import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import io.streamtrain.core.feature.RejectReason;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.events.EventDecoder;
import io.streamtrain.io.events.InputSpec;
import io.streamtrain.job.JobSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The validation of one sample, without Flink: resolves its training configuration from its model id, checks it
 * against the model's input space, and says where it goes. Records that did not decode and samples of models the
 * job does not train are rejected outright (no model counts them); samples of a known model that do not fit it
 * keep their reason and travel on to the model (its metrics count them), their named fields restored for the
 * rejected topic; good samples get their named fields hashed here, in parallel across source subtasks. Also keeps
 * the model ids a subtask's lag markers go to (the first {@link #MAX_LAG_MODELS} it accepted).
 */
final class SampleValidator {
  /** Where a sample goes after {@link #check}. */
  enum Verdict {
    /** Did not decode: to the rejected output. */
    UNDECODABLE,
    /** No configuration trains its model: to the rejected output. */
    UNKNOWN_MODEL,
    /** Does not fit its model: on to the model, which counts it (its reason set). */
    INVALID,
    /** On to the model for training. */
    ACCEPTED
  }

  /** Model ids a subtask sends lag markers to: the first ones it accepted (a bound on markers per second). */
  static final int MAX_LAG_MODELS = 1024;
  private final FeatureSpace[] spaces;
  private final ConfigRoutes routes;
  private final MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
  private final Rejections rejections = new Rejections();
  /** Accepted model ids in the order first seen, with their configuration (null: no lag markers). */
  private final List<String> lagModels;
  private final List<Integer> lagConfigs;
  private SampleCodec codec;
  private MutableSample scratch;
  /** Events as input: the mapping, and a decoder keeping every value (made when first needed). */
  private final InputSpec input;
  private EventDecoder names;

  SampleValidator(JobSpec spec, boolean trackLagModels) {
    spaces = new FeatureSpace[spec.configs().size()];
    for (int i = 0; i < spaces.length; i++) {
      spaces[i] = spec.configs().get(i).model().features();
    }
    routes = new ConfigRoutes(spec);
    input = spec.input().isEvents() ? spec.input() : null;
    lagModels = trackLagModels ? new ArrayList<>() : null;
    lagConfigs = trackLagModels ? new ArrayList<>() : null;
  }

  /** Validates {@code r} in place (configuration index, reason and message, hashed fields) and says where it goes. */
  Verdict check(SampleRecord r) {
    if (r.isRejected() && r.raw != null) {
      return Verdict.UNDECODABLE;
    }
    String id = r.example.modelId();
    int cfg = routes.of(id);
    // Each accepted id is cached once, so it is added once.
    if (routes.firstSeen() && cfg >= 0 && lagModels != null && lagModels.size() < MAX_LAG_MODELS) {
      lagModels.add(id);
      lagConfigs.add(cfg);
    }
    if (cfg < 0) {
      r.reason = RejectReason.UNKNOWN_MODEL.name();
      r.message = "no training configuration accepts model id '" + id + "'";
      return Verdict.UNKNOWN_MODEL;
    }
    r.configIndex = cfg;
    if (!r.isRejected()) {
      RejectReason why = io.streamtrain.core.data.Validation.check(spaces[cfg], r.example);
      if (why != RejectReason.OK) {
        r.reason = why.name();
        r.message = why.description();
      }
    }
    if (r.isRejected()) {
      // Named fields hashed while decoding: the rejected topic gets the sample with its names, to fix and replay.
      restoreNames(r);
      return Verdict.INVALID;
    }
    if (spaces[cfg].hashBits() > 0) {
      // The named fields' strings do not cross the keyBy, and the model's one trainer thread does not hash them
      // (same slots and signs as Batch.add).
      r.example.hashNamedFields(spaces[cfg], hasher);
    }
    return Verdict.ACCEPTED;
  }

  /** The rejected-topic record of a sample {@link #check} sent there. */
  RejectedSample rejected(SampleRecord r) {
    return rejections.toAvro(r);
  }

  /**
   * Lag markers of a reader whose lag is split by data-parallel worker ({@code byWorker[w]}, -1: the reader reads
   * none of worker w's partitions): one per accepted model id and worker with a figure, the worker in
   * {@link SampleRecord#partition}. With one entry, one marker per model: the batchers of those models learn this
   * reader's lag (the single trainer's).
   */
  List<SampleRecord> lagMarkers(int subtask, long[] byWorker) {
    List<SampleRecord> out = new ArrayList<>(lagModels.size() * byWorker.length);
    for (int i = 0; i < lagModels.size(); i++) {
      for (int w = 0; w < byWorker.length; w++) {
        if (byWorker[w] >= 0) {
          // A fresh record per marker: the collector may keep it (a harness does), and this runs once a second.
          SampleRecord m = SampleRecord.lagMarker(lagModels.get(i), lagConfigs.get(i), subtask, byWorker[w]);
          m.partition = w;
          out.add(m);
        }
      }
    }
    return out;
  }

  private void restoreNames(SampleRecord r) {
    if (r.source == null) {
      return;
    }
    if (codec == null) {
      codec = new SampleCodec();
      scratch = new MutableSample();
    }
    try {
      if (input == null) {
        SampleDeserializer.restoreNames(r, codec, scratch);
      } else {
        if (names == null) {
          names = EventDecoder.of(input, input.featureFields());
        }
        SampleDeserializer.restoreNames(r, input.mapping(), names, scratch);
      }
    } catch (java.io.IOException | RuntimeException e) {
      throw new IllegalStateException("a record that decoded once no longer decodes", e);
    }
  }
}
