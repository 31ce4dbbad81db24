package io.streamtrain.io.gen;

import io.streamtrain.io.MutableSample;
import java.util.SplittableRandom;

/** Shared bookkeeping of the generators: the seeded RNG, the sample counter and deterministic event times. */
abstract class AbstractGenerator implements SampleGenerator {
  protected final SplittableRandom rng;
  private final long startTime;
  private final long timeStepMs;
  private long index;

  AbstractGenerator(long seed, long startTime, long timeStepMs) {
    this.rng = new SplittableRandom(seed);
    this.startTime = startTime;
    this.timeStepMs = timeStepMs;
  }

  @Override
  public final void next(MutableSample into) {
    String modelId = into.modelId;
    into.clear();
    into.modelId = modelId;
    into.eventTime = startTime + index * timeStepMs;
    generate(into, index);
    index++;
  }

  /** Fills features and label of sample {@code i}; drift happens here. */
  protected abstract void generate(MutableSample into, long i);

  @Override
  public final long index() {
    return index;
  }
}
