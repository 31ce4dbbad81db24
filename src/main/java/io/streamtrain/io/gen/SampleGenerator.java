package io.streamtrain.io.gen;

import io.streamtrain.io.MutableSample;

/**
 * An endless, seeded synthetic stream of labeled samples, in the manner of MOA's stream generators: the same
 * name, parameters and seed always give the same samples in the same order. Event times are {@code startTime + i
 * * timeStepMs} for the i-th sample. Implementations fill dense features and the label; the caller sets the model
 * id.
 */
public interface SampleGenerator {
  /** Fills {@code into} (cleared first) with sample number {@link #index()} and advances. */
  void next(MutableSample into);

  /** How many samples have been generated so far. */
  long index();

  /** Number of dense features per sample. */
  int dimensions();
}
