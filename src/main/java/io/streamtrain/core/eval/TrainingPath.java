package io.streamtrain.core.eval;

import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.core.data.ExampleSlots;
import io.streamtrain.core.data.ShuffleBuffer;
import io.streamtrain.core.drift.DriftConfig;
import io.streamtrain.core.random.Xoshiro256;
import io.streamtrain.core.train.Batching;
import io.streamtrain.core.train.ModelTrainer;
import io.streamtrain.core.train.TrainerState;
import io.streamtrain.core.train.TrainingConfig;
import java.io.DataInput;
import java.io.DataOutput;
import java.nio.charset.StandardCharsets;

/**
 * The training job's path for one model, mirrored step for step in a replay: the mini-batcher (a shuffle buffer of
 * capacity K seeded as the job seeds it, a flush in random batches when a sample's event time reaches the last
 * one's plus the idle gap, a random batch of B whenever the buffer is full) and the trainer's step, with the drift
 * watch around each step when there is one. Samples come in once their labels are due.
 */
final class TrainingPath {
  private final ModelTrainer trainer;
  private final TrainerState state;
  private final Batching batching;
  private final ShuffleBuffer<Example> shuffle;
  private long lastEventTime = Long.MIN_VALUE;
  private long added;
  /** The drift watch around each training step (null: none). */
  private DriftTrack drift;

  TrainingPath(TrainingConfig config, String modelId) {
    trainer = new ModelTrainer(config);
    state = trainer.newState(modelId);
    batching = config.batching();
    shuffle = new ShuffleBuffer<>(batching.shuffleCapacity(), shuffleSeed(batching.seed(), modelId), SLOTS);
  }

  /**
   * Seed of a model's shuffle: the configured seed mixed with a stable hash of the model id; the training job's
   * mini-batcher (MiniBatcherFunction.seedFor) and its data-parallel workers call this one function.
   */
  static long shuffleSeed(long seed, String modelId) {
    long h = 1125899906842597L;
    for (byte b : modelId.getBytes(StandardCharsets.UTF_8)) {
      h = 31 * h + b;
    }
    return Xoshiro256.splitMix(seed ^ h);
  }

  ModelTrainer trainer() {
    return trainer;
  }

  TrainerState state() {
    return state;
  }

  DriftTrack drift() {
    return drift;
  }

  void watchDrift(DriftConfig config) {
    drift = new DriftTrack(config);
  }

  /** A sample whose label is due; {@code arrivals} is the number of samples of the stream that have arrived. */
  void add(Example e, long arrivals) {
    long t = e.eventTime();
    // MiniBatcherFunction.processElement, step for step.
    if (batching.idleGapMs() > 0 && !shuffle.isEmpty() && t >= lastEventTime + batching.idleGapMs()) {
      flush(arrivals);
    }
    shuffle.add(e);
    if (t > lastEventTime) {
      lastEventTime = t;
    }
    added++;
    if (shuffle.size() >= batching.fill(added)) {
      trainBatch(arrivals);
    }
  }

  /** Trains out the shuffle buffer in random batches. */
  void flush(long arrivals) {
    while (!shuffle.isEmpty()) {
      trainBatch(arrivals);
    }
  }

  private void trainBatch(long arrivals) {
    Batch b = trainer.batch();
    b.drawFrom(shuffle, batching.batchSize());
    if (drift == null) {
      trainer.train(state, b);
      return;
    }
    drift.beforeStep(state);
    ModelTrainer.StepResult r = trainer.train(state, b);
    drift.afterStep(trainer, r, state, arrivals);
  }

  /** Copies into reused slots; the replay keeps its buffer in memory, so it is never serialized. */
  static final ShuffleBuffer.SlotCodec<Example> SLOTS = new ExampleSlots() {
    @Override
    public void write(Example sample, DataOutput o) {
      throw new UnsupportedOperationException("replay shuffle buffers are not checkpointed");
    }

    @Override
    public void read(DataInput in, Example into) {
      throw new UnsupportedOperationException("replay shuffle buffers are not checkpointed");
    }
  };
}
