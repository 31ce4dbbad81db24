package io.streamtrain.flink.serving;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.Prediction;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.client.ModelClient;
import io.streamtrain.job.ServeSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Scores requests keyed by model id with the latest complete version of their model. Versions arrive broadcast,
 * already assembled and verified ({@link VersionAssembler}); one newer than the held version replaces it in the
 * broadcast state in a single put, so a request is scored by one version entirely. The version is checked against
 * its checksum and turned into a scorer's {@link ModelClient.Version} by the same code as {@link ModelClient}
 * ({@code ModelVersions.of}), and scored by its {@code Scorer} ({@link RequestScorer}): a prediction equals the
 * client's to the last bit.
 * A request that does not fit the model's features, or finds no version (with {@code no_model: reject}, or beyond
 * {@code wait_max} waiting), goes to the rejected output with its reason; with {@code no_model: wait} it waits in
 * keyed state and is scored when the first version arrives.
 */
public final class ServeFunction
    extends KeyedBroadcastProcessFunction<String, RequestRecord, ModelSnapshot, Prediction> {
  private static final long serialVersionUID = 1L;
  public static final String NO_MODEL_VERSION = "NO_MODEL_VERSION";
  public static final String WAIT_LIMIT = "WAIT_LIMIT";

  /** The latest complete version of each model, as one record with all its parameters. */
  public static final MapStateDescriptor<String, ModelSnapshot> VERSIONS =
      new MapStateDescriptor<>("versions", Types.STRING, new AvroTypeInfo<>(ModelSnapshot.class));
  static final ListStateDescriptor<RequestRecord> WAITING = new ListStateDescriptor<>("waiting", RequestRecord.TYPE);

  private final ServeSpec.NoModel noModel;
  private final int waitMax;
  private final OutputTag<RejectedSample> rejected;
  private transient Map<String, ModelClient.Version> parsed;
  private transient RequestScorer scorer;
  private transient ListState<RequestRecord> waiting;
  private transient ValueState<Integer> waitingCount;

  public ServeFunction(ServeSpec spec, OutputTag<RejectedSample> rejected) {
    this.noModel = spec.noModel();
    this.waitMax = spec.waitMax();
    this.rejected = rejected;
  }

  @Override
  public void open(OpenContext context) {
    parsed = new HashMap<>();
    scorer = new RequestScorer();
    waiting = getRuntimeContext().getListState(WAITING);
    waitingCount = getRuntimeContext().getState(new ValueStateDescriptor<>("waiting-count", Types.INT));
  }

  @Override
  public void processElement(RequestRecord r, ReadOnlyContext ctx, Collector<Prediction> collector)
      throws Exception {
    if (r.reason != null) {
      ctx.output(rejected, ServeRecords.reject(r, r.reason, r.message));
      return;
    }
    ModelClient.Version v = version(r.example.modelId(), ctx.getBroadcastState(VERSIONS));
    if (v != null) {
      RejectedSample no = scorer.score(v, r, collector);
      if (no != null) {
        ctx.output(rejected, no);
      }
    } else if (noModel == ServeSpec.NoModel.REJECT) {
      ctx.output(rejected, ServeRecords.reject(r, NO_MODEL_VERSION, ServeRecords.noVersion(r)));
    } else {
      Integer n = waitingCount.value();
      int count = n == null ? 0 : n;
      if (count >= waitMax) {
        ctx.output(rejected, ServeRecords.reject(r, WAIT_LIMIT, ServeRecords.noVersion(r) + ", and " + count
            + " requests wait for it already (wait_max " + waitMax + ")"));
        return;
      }
      waiting.add(r);
      waitingCount.update(count + 1);
    }
  }

  @Override
  public void processBroadcastElement(ModelSnapshot s, Context ctx, Collector<Prediction> collector)
      throws Exception {
    BroadcastState<String, ModelSnapshot> state = ctx.getBroadcastState(VERSIONS);
    ModelSnapshot held = state.get(s.getModelId());
    if (held != null && held.getVersion() >= s.getVersion()) {
      return;
    }
    ModelClient.Version v = ServeRecords.verified(s, parsed.get(s.getModelId()));
    if (v == null) {
      return; // the checksum failed: the held version stays
    }
    state.put(s.getModelId(), s);
    parsed.put(s.getModelId(), v);
    if (noModel == ServeSpec.NoModel.WAIT) {
      // Requests that waited for this model's first version, scored in their arrival order.
      ctx.applyToKeyedState(WAITING, (key, list) -> {
        if (!key.equals(v.modelId())) {
          return;
        }
        List<RequestRecord> ready = new ArrayList<>();
        list.get().forEach(ready::add);
        list.clear();
        for (RequestRecord r : ready) {
          RejectedSample no = scorer.score(v, r, collector);
          if (no != null) {
            ctx.output(rejected, no);
          }
        }
      });
    }
  }

  /** The version of {@code modelId} in the broadcast state, parsed once per version (again after a restore). */
  private ModelClient.Version version(String modelId, ReadOnlyBroadcastState<String, ModelSnapshot> state)
      throws Exception {
    ModelClient.Version v = parsed.get(modelId);
    ModelSnapshot s = state.get(modelId);
    if (s == null) {
      return null;
    }
    if (v == null || v.version() != s.getVersion()) {
      v = ServeRecords.verified(s, v);
      parsed.put(modelId, v);
    }
    return v;
  }
}
