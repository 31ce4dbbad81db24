package io.streamtrain.flink.training;

import io.streamtrain.avro.RejectedSample;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.data.ExampleCodec;
import io.streamtrain.job.JobSpec;
import java.io.IOException;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by model id: fills the model's shuffle buffer and emits a mini-batch of B drawn uniformly at random
 * whenever the buffer is full; flushes the buffer in random batches when the model's event time jumps by more
 * than the idle gap, when the watermark passes the idle gap, and at the end of a bounded input. Rejected samples
 * of the model are sent to the rejected output and counted into the next batch. All state (buffer, generator,
 * timer) is keyed state, so replay and recovery give the same batches. Lag markers from the validate subtasks
 * only update {@link ConsumerLags} (operator memory, not state) and ride with the model's next batch as its
 * {@code consumerLag}; they never enter the buffer, the state, the timers or the event time.
 *
 * <p>Good samples usually arrive in chunks ({@link SampleChunker}): the batcher decodes them one by one, in order,
 * into one reused example and treats each exactly as a sample that arrived alone, so a chunk changes no batch; the
 * state is read and written once per chunk instead of once per sample.
 */
public final class MiniBatcherFunction extends KeyedProcessFunction<String, SampleRecord, MiniBatch> {
  private static final long serialVersionUID = 1L;

  private final Map<String, Object> specMap;
  private final OutputTag<RejectedSample> rejectedTag;
  private transient ValueState<BatcherState> state;
  private transient BatchAssembler batches;
  private transient Rejections rejections;
  /** Where a chunk's samples are decoded, one at a time, before the buffer copies them into its slots. */
  private transient Example scratch;
  private transient DataInputDeserializer chunkIn;

  public MiniBatcherFunction(Map<String, Object> specMap, OutputTag<RejectedSample> rejectedTag) {
    this.specMap = specMap;
    this.rejectedTag = rejectedTag;
  }

  @Override
  public void open(OpenContext ctx) {
    state = getRuntimeContext().getState(new ValueStateDescriptor<>("batcher", new BatcherState.Serializer()));
    batches = new BatchAssembler(JobSpec.fromMap(specMap));
    rejections = new Rejections();
    scratch = new Example();
    chunkIn = new DataInputDeserializer();
  }

  /** Seed of a model's shuffle: the configured seed mixed with a stable hash of the model id. */
  public static long seedFor(long seed, String modelId) {
    return io.streamtrain.core.eval.Prequential.shuffleSeed(seed, modelId); // one function for the job and replay
  }

  @Override
  public void processElement(SampleRecord r, Context ctx, Collector<MiniBatch> out) throws Exception {
    String modelId = ctx.getCurrentKey();
    if (r.isLagMarker()) {
      batches.noteLag(modelId, r);
      return;
    }
    BatcherState s = batches.stateOf(state.value(), modelId, r.configIndex);
    if (r.isRejected()) {
      batches.rejected(s, r.configIndex);
      ctx.output(rejectedTag, rejections.toAvro(r));
    } else if (r.isChunk()) {
      chunkIn.setBuffer(r.chunk, 0, r.chunkLength);
      scratch.setModelId(modelId);
      for (int i = 0; i < r.chunkCount; i++) {
        ExampleCodec.INSTANCE.readBody(chunkIn, scratch);
        register(ctx, batches.add(modelId, s, scratch, r.configIndex, out));
      }
      if (chunkIn.available() != 0) {
        throw new IOException("sample chunk of model " + modelId + " has " + chunkIn.available()
            + " bytes after its " + r.chunkCount + " samples");
      }
    } else {
      register(ctx, batches.add(modelId, s, r.example, r.configIndex, out));
    }
    state.update(s);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<MiniBatch> out) throws Exception {
    BatcherState s = state.value();
    if (s == null) {
      return;
    }
    register(ctx, batches.onTimer(ctx.getCurrentKey(), s, timestamp, out));
    state.update(s);
  }

  private static void register(Context ctx, long timer) {
    if (timer != BatchAssembler.NO_TIMER) {
      ctx.timerService().registerEventTimeTimer(timer);
    }
  }
}
