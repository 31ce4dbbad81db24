package io.streamtrain.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.data.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The trainer's rules around a step that the Flink function only calls: the snapshot cadence (steps, event time,
 * forced, end of input, never before a step), stale hashed samples taken out and counted, and the events' texts.
 */
class TrainerStepRulesTest {
  static TrainerState state() {
    return new ModelTrainer(TrainerStateTest.config(Map.of("model", Map.of("type", "logistic", "features",
        Map.of("dense", 2, "hash_bits", 4)), "optimizer", Map.of("type", "sgd", "lr", 0.1)))).newState("m");
  }

  @Test
  void snapshotsAreDueByStepsByEventTimeWhenForcedAndAtTheEnd() {
    TrainerState s = state();
    SnapshotCadence bySteps = new SnapshotCadence(10, 0);
    assertThat(bySteps.due(s, true, true)).as("never before the first step").isFalse();
    s.step = 9;
    assertThat(bySteps.due(s, false, false)).isFalse();
    assertThat(bySteps.due(s, false, true)).isTrue();
    s.step = 10;
    assertThat(bySteps.due(s, false, false)).isTrue();
    assertThat(SnapshotCadence.published(s)).isEqualTo(1);
    assertThat(s.lastSnapshotStep).isEqualTo(10);
    assertThat(bySteps.due(s, true, false)).as("nothing new at the end").isFalse();
    s.step = 11;
    assertThat(bySteps.due(s, true, false)).isTrue();

    TrainerState t = state();
    SnapshotCadence byTime = new SnapshotCadence(0, 1_000);
    t.step = 1;
    t.maxEventTime = 5_000;
    assertThat(byTime.due(t, false, false)).as("the cadence starts at the first event").isFalse();
    assertThat(t.lastSnapshotEventTime).isEqualTo(5_000);
    t.maxEventTime = 5_999;
    assertThat(byTime.due(t, false, false)).isFalse();
    t.maxEventTime = 6_000;
    assertThat(byTime.due(t, false, false)).isTrue();
    SnapshotCadence.published(t);
    assertThat(t.lastSnapshotEventTime).isEqualTo(6_000);
    assertThat(t.version).isEqualTo(1);
  }

  @Test
  void staleHashedSamplesAreTakenOutCountedAndReportedOnce() {
    TrainerState s = state();
    List<Example> fresh = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      fresh.add(Example.dense(new double[] {i, 1}, 1).addHashed(i, 1.0, 4));
    }
    List<TrainerEvent> events = new ArrayList<>();
    assertThat(StaleHashes.drop(fresh, 4, s, events)).isSameAs(fresh);
    assertThat(events).isEmpty();
    List<Example> mixed = new ArrayList<>(fresh);
    mixed.add(1, Example.dense(new double[] {9, 9}, 0).addHashed(3, 1.0, 6));
    mixed.add(Example.dense(new double[] {8, 8}, 0).addHashed(5, 1.0, 6));
    s.step = 7;
    assertThat(StaleHashes.drop(mixed, 4, s, events)).containsExactlyElementsOf(fresh);
    assertThat(s.rejectedSamples).isEqualTo(2);
    assertThat(s.interval.rejected).isEqualTo(2);
    assertThat(events).containsExactly(new TrainerEvent("stale_hashed_samples", 7, "2 buffered samples were hashed"
        + " into 6 bits, the configuration now has hash_bits 4; not trained, counted as rejected"));
  }

  @Test
  void eventTimesWidenTheIntervalAndTheLatest() {
    TrainerState s = state();
    s.noteEventTimes(List.of(Example.dense(new double[] {0, 0}, 0).setEventTime(30),
        Example.dense(new double[] {0, 0}, 0).setEventTime(10),
        Example.dense(new double[] {0, 0}, 0).setEventTime(20)));
    assertThat(s.interval.eventMin).isEqualTo(10);
    assertThat(s.interval.eventMax).isEqualTo(30);
    assertThat(s.maxEventTime).isEqualTo(30);
    s.interval.reset();
    s.noteEventTimes(List.of(Example.dense(new double[] {0, 0}, 0).setEventTime(25)));
    assertThat(s.interval.eventMin).isEqualTo(25);
    assertThat(s.maxEventTime).isEqualTo(30);
  }

  @Test
  void warmStartTextSaysWhereVersionsContinue() {
    assertThat(TrainerEvent.warmStarted("g", 3, 0).message())
        .isEqualTo("parameters and buffers from snapshot g version 3; optimizer and schedule fresh");
    assertThat(TrainerEvent.warmStarted("g", 3, 3).message()).endsWith("; versions continue from 3");
  }
}
