package io.streamtrain.core.train;

import io.streamtrain.core.data.Example;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples whose named fields were hashed for another width than the model's configuration (samples buffered in a
 * checkpointed shuffle buffer when a restart changed {@code hash_bits}): they cannot be trained, so they are taken
 * out of the batch and counted as rejected, with one event per batch, instead of failing the job on every restart.
 */
public final class StaleHashes {
  private StaleHashes() {}

  /**
   * The batch without stale samples: {@code batch} itself when it has none (the usual case: no copy), else a new
   * list; the stale ones are counted as rejected on {@code s} and reported by an event added to {@code events}.
   */
  public static List<Example> drop(List<Example> batch, int bits, TrainerState s, List<TrainerEvent> events) {
    List<Example> keep = null;
    int stale = 0;
    int staleBits = 0;
    for (int i = 0; i < batch.size(); i++) {
      Example e = batch.get(i);
      if (e.hashedLength() > 0 && e.hashedBits() != bits) {
        if (keep == null) {
          keep = new ArrayList<>(batch.subList(0, i)); // the first stale sample: copy what came before it
        }
        stale++;
        staleBits = e.hashedBits();
      } else if (keep != null) {
        keep.add(e);
      }
    }
    if (keep == null) {
      return batch;
    }
    s.noteRejected(stale);
    events.add(TrainerEvent.staleHashes(s.step, stale, staleBits, bits));
    return keep;
  }
}
