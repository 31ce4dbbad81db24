package io.streamtrain.core.state;

import java.io.DataOutput;
import java.io.IOException;

/**
 * Writes the body of one state part. Called twice per part by {@link PartWriter} (once to measure, once to write),
 * so it must write the same bytes both times: it reads the state, never changes it.
 */
@FunctionalInterface
public interface PartBody {
  void write(DataOutput out) throws IOException;
}
