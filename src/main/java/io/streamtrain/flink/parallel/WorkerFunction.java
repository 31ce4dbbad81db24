package io.streamtrain.flink.parallel;

import io.streamtrain.core.parallel.ParallelConfig;
import io.streamtrain.core.parallel.ShardUpdate;
import io.streamtrain.flink.training.MiniBatcherFunction;
import io.streamtrain.flink.training.SampleRecord;
import io.streamtrain.flink.training.TrainerSlot;
import io.streamtrain.job.JobSpec;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by worker ({@link Routed#workerKey}): input 1 is the samples of the partitions the worker owns (each with
 * its partition), input 2 the merged rounds read back from the rounds topic; the core {@link
 * io.streamtrain.core.parallel.RoundWorker} does the rest, and its updates go to the combiners keyed by shard. The
 * end of a bounded input arrives as the watermark's end of time (the rounds input's watermark is always at the end
 * of time, so the samples' alone decide it).
 */
public final class WorkerFunction extends KeyedCoProcessFunction<String, SampleRecord, Routed, Routed> {
  private static final long serialVersionUID = 1L;

  private final Map<String, Object> specMap;
  private final ParallelConfig par;
  private final int partitions;
  private transient JobSpec spec;
  private transient ValueState<ParallelSlots.Worker> state;
  private transient io.streamtrain.core.data.Example scratch;
  private transient org.apache.flink.core.memory.DataInputDeserializer chunkIn;

  public WorkerFunction(Map<String, Object> specMap, ParallelConfig par, int partitions) {
    this.specMap = specMap;
    this.par = par;
    this.partitions = partitions;
  }

  @Override
  public void open(OpenContext ctx) {
    spec = JobSpec.fromMap(specMap);
    state = getRuntimeContext().getState(new ValueStateDescriptor<>("parallel-worker",
        new ParallelSlots.WorkerSerializer()));
    scratch = new io.streamtrain.core.data.Example();
    chunkIn = new org.apache.flink.core.memory.DataInputDeserializer();
  }

  /** The shuffle seed of worker {@code w} of a model: the batching seed, the model id and the worker mixed. */
  static long seedFor(long seed, String modelId, int w) {
    return io.streamtrain.core.parallel.RoundWorker.seedFor(MiniBatcherFunction.seedFor(seed, modelId), w);
  }

  private ParallelSlots.Worker slot(String key, String modelId, Context ctx) throws Exception {
    ParallelSlots.Worker w = state.value();
    if (w == null) {
      int cfg = spec.configIndex(modelId);
      String json = TrainerSlot.canonicalJson(spec.configMap(cfg));
      int index = Routed.indexOf(key);
      w = new ParallelSlots.Worker(par, json, modelId, index, partitions,
          seedFor(spec.configs().get(cfg).batching().seed(), modelId, index));
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }
    return w;
  }

  private static Consumer<ShardUpdate> to(Collector<Routed> out) {
    return u -> out.collect(new Routed(Routed.shardKey(u.modelId(), u.shard()), u));
  }

  @Override
  public void processElement1(SampleRecord r, Context ctx, Collector<Routed> out) throws Exception {
    if (r.isLagMarker() || r.isRejected()) {
      return; // rejected samples went to their topic at validation; lag is not reported per worker
    }
    ParallelSlots.Worker w = slot(ctx.getCurrentKey(), r.example.modelId(), ctx);
    if (r.isChunk()) {
      // One partition's consecutive samples, decoded one by one into a reused example (as the batcher does).
      chunkIn.setBuffer(r.chunk, 0, r.chunkLength);
      scratch.setModelId(r.example.modelId());
      Consumer<ShardUpdate> sink = to(out);
      for (int i = 0; i < r.chunkCount; i++) {
        io.streamtrain.core.data.ExampleCodec.INSTANCE.readBody(chunkIn, scratch);
        w.worker.accept(r.partition, scratch, sink);
      }
    } else if (!r.isTouch()) {
      w.worker.accept(r.partition, r.example, to(out));
    }
    state.update(w);
  }

  @Override
  public void processElement2(Routed m, Context ctx, Collector<Routed> out) throws Exception {
    ParallelSlots.Worker w = state.value();
    if (w == null) {
      return; // a worker that has seen nothing yet starts from the initial model and needs no merge before round 0
    }
    w.worker.acceptMerged(m.update, to(out));
    state.update(w);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Routed> out) throws Exception {
    ParallelSlots.Worker w = state.value();
    if (w != null) {
      w.worker.endOfInput(to(out));
      state.update(w);
    }
  }
}
