package io.streamtrain.flink.replay;

import io.streamtrain.flink.training.SampleRecord;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;

/**
 * Sends each replayed sample to every configuration that trains its model id (its index in
 * {@link SampleRecord#configIndex}), so all configurations see the same samples; in holdout mode only samples
 * of the scored model pass; with a baseline, a model id some configuration trains also goes to the baseline. Records that did not decode and samples no configuration trains are counted (Flink
 * counters {@code replayUndecodable}, {@code replayUnrouted}) and dropped: a replay reads, it publishes no rejects.
 * Emitting one instance several times is safe because the next edge is a keyBy, which serializes at emit time.
 */
public final class ReplayFanOut extends RichFlatMapFunction<SampleRecord, SampleRecord> {
  private static final long serialVersionUID = 1L;
  private final ReplayPlan plan;
  private transient Map<String, int[]> routes;
  private transient Counter undecodable;
  private transient Counter unrouted;
  /** Whether samples carry their partition across the keyBy (data-parallel configurations deal them to workers). */
  private transient boolean partitions;

  public ReplayFanOut(ReplayPlan plan) {
    this.plan = plan;
  }

  @Override
  public void open(OpenContext ctx) {
    routes = new HashMap<>();
    var g = getRuntimeContext().getMetricGroup().addGroup("streamtrain");
    undecodable = g.counter("replay_undecodable_total");
    unrouted = g.counter("replay_unrouted_total");
    partitions = plan.maxWorkers() > 1;
  }

  @Override
  public void flatMap(SampleRecord r, Collector<SampleRecord> out) {
    if (r.isRejected()) {
      undecodable.inc();
      return;
    }
    String id = r.example.modelId();
    int[] to = routes.get(id);
    if (to == null) {
      to = route(id);
      if (routes.size() < 100_000) {
        routes.put(id, to);
      }
    }
    if (to.length == 0) {
      unrouted.inc();
      return;
    }
    r.carryPartition = partitions;
    for (int c : to) {
      r.configIndex = c;
      out.collect(r);
    }
  }

  private int[] route(String id) {
    if (plan.isHoldout()) {
      return id.equals(plan.holdoutModelId) ? new int[] {0} : new int[0];
    }
    int n = 0;
    int[] all = new int[plan.size() + 1];
    for (int c = 0; c < plan.size(); c++) {
      if (plan.route(c, id) != null) {
        all[n++] = c;
      }
    }
    if (n > 0 && plan.hasBaseline()) {
      all[n++] = plan.size(); // the baseline scores every model id some configuration trains
    }
    return java.util.Arrays.copyOf(all, n);
  }
}
