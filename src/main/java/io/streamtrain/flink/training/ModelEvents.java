package io.streamtrain.flink.training;

import io.streamtrain.avro.TrainingEvent;
import io.streamtrain.core.diag.DiagEvent;
import io.streamtrain.core.train.TrainerEvent;
import io.streamtrain.core.train.TrainerState;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;

/**
 * A model's events not yet reported (keyed state: they belong in the model's next report, and a checkpoint taken
 * before it carries them, so a restored job reports them as the uninterrupted one would), and the core's events of
 * the element being processed ({@link #core}, reused), which join them in order at {@link #flush}.
 */
final class ModelEvents {
  private final ListState<TrainingEvent> state;
  /** The trainer's events of the current element, in order, until {@link #flush}. */
  final List<TrainerEvent> core = new ArrayList<>();

  ModelEvents(ListState<TrainingEvent> state) {
    this.state = state;
  }

  /** The keyed state itself (the drift watch adds its events there directly). */
  ListState<TrainingEvent> state() {
    return state;
  }

  /** The element's trainer events, then the diagnostics' events of the state's last step, into the state. */
  void flush(TrainerState s) throws Exception {
    for (int i = 0; i < core.size(); i++) {
      TrainerEvent e = core.get(i);
      state.add(new TrainingEvent(e.type(), e.step(), e.message()));
    }
    core.clear();
    if (s.diag.hasEvents()) {
      for (DiagEvent e : s.diag.drainEvents()) {
        state.add(new TrainingEvent(e.type(), e.step(), e.message()));
      }
    }
  }

  /** The events not yet reported, in order. */
  List<TrainingEvent> pending() throws Exception {
    List<TrainingEvent> out = new ArrayList<>();
    Iterable<TrainingEvent> it = state.get();
    if (it != null) {
      it.forEach(out::add);
    }
    return out;
  }

  void clear() {
    state.clear();
  }
}
