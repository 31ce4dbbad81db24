package io.streamtrain.flink.parallel;

import io.streamtrain.core.parallel.ParallelConfig;
import io.streamtrain.core.parallel.ShardUpdate;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by merge shard ({@link Routed#shardKey}): the core {@link io.streamtrain.core.parallel.RoundCombiner}
 * merges the workers' updates of the shard round by round; the merged rounds go to the rounds topic (and from there
 * back to every worker) and to the model's publisher.
 */
public final class CombinerFunction extends KeyedProcessFunction<String, Routed, ShardUpdate> {
  private static final long serialVersionUID = 1L;

  private final ParallelConfig par;
  private transient ValueState<ParallelSlots.Combiner> state;

  public CombinerFunction(ParallelConfig par) {
    this.par = par;
  }

  @Override
  public void open(OpenContext ctx) {
    state = getRuntimeContext().getState(new ValueStateDescriptor<>("parallel-combiner",
        new ParallelSlots.CombinerSerializer()));
  }

  @Override
  public void processElement(Routed r, Context ctx, Collector<ShardUpdate> out) throws Exception {
    ParallelSlots.Combiner c = state.value();
    if (c == null) {
      c = new ParallelSlots.Combiner(par, r.update.modelId(), Routed.indexOf(ctx.getCurrentKey()));
    }
    c.combiner.accept(r.update, out::collect);
    state.update(c);
  }
}
