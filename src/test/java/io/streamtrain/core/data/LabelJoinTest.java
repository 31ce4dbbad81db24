package io.streamtrain.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class LabelJoinTest {
  record F(long time, long seq, double x) {}

  record L(long time, long seq, double value) {}

  /** What a decided feature looks like from outside: when, which feature, which label. */
  record Out(long decidedAt, long time, long seq, double x, double label, boolean labelled) {}

  private static Example feature(F f) {
    return new Example().setModelId("m").setEventTime(f.time).addDense(f.x);
  }

  /**
   * The rule stated directly: each feature takes its first label (time, then seq) in [tf, tf + w], decided at
   * that label's time; without one it is decided at tf + w (a negative, or nothing). Output ordered by decision
   * time, then feature time and seq.
   */
  private static List<Out> reference(List<F> fs, List<L> ls, long w, boolean negatives) {
    List<Out> out = new ArrayList<>();
    for (F f : fs) {
      L first = ls.stream().filter(l -> l.time >= f.time && l.time <= f.time + w)
          .min(Comparator.comparingLong(L::time).thenComparingLong(L::seq)).orElse(null);
      if (first != null) {
        out.add(new Out(first.time, f.time, f.seq, f.x, first.value, true));
      } else if (negatives) {
        out.add(new Out(f.time + w, f.time, f.seq, f.x, -1, false));
      }
    }
    out.sort(Comparator.comparingLong(Out::decidedAt).thenComparingLong(Out::time).thenComparingLong(Out::seq));
    return out;
  }

  /**
   * Events arrive in a random interleaving that respects a watermark: an event of time t arrives before the
   * watermark passes t. At each watermark step, advance is called at every pending decision time up to it (as
   * Flink fires timers), in order.
   */
  private static List<Out> run(List<F> fs, List<L> ls, long w, boolean negatives, long seed) {
    LabelJoin join = new LabelJoin(w, negatives, -1);
    LabelJoin.Pending p = new LabelJoin.Pending();
    SplittableRandom r = new SplittableRandom(seed);
    List<Object> events = new ArrayList<>(fs);
    events.addAll(ls);
    // Shuffle, then sort by a jittered time so arrival order differs from event-time order within a bound.
    List<long[]> keyed = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      Object e = events.get(i);
      long t = e instanceof F f ? f.time : ((L) e).time;
      keyed.add(new long[] {t + r.nextInt(50), i});
    }
    keyed.sort(Comparator.comparingLong((long[] a) -> a[0]).thenComparingLong(a -> a[1]));
    TreeSet<Long> timers = new TreeSet<>();
    List<Out> out = new ArrayList<>();
    long[] at = new long[1];
    LabelJoin.Decided sink = (s, seq, labelled) ->
        out.add(new Out(at[0], s.eventTime(), seq, s.denseValue(0), s.label(), labelled));
    for (long[] k : keyed) {
      Object e = events.get((int) k[1]);
      if (e instanceof F f) {
        timers.add(join.addFeature(p, feature(f), f.seq));
      } else {
        L l = (L) e;
        timers.add(join.addLabel(p, l.time, l.seq, l.value));
      }
      // The watermark trails arrival by the jitter bound: every event of time <= k[0] - 50 has arrived.
      long watermark = k[0] - 50;
      while (!timers.isEmpty() && timers.first() <= watermark) {
        at[0] = timers.pollFirst();
        join.advance(p, at[0], sink);
      }
    }
    while (!timers.isEmpty()) {
      at[0] = timers.pollFirst();
      join.advance(p, at[0], sink);
    }
    assertThat(p.featureCount()).isZero();
    assertThat(p.labelCount()).isZero();
    return out;
  }

  @Test
  void matchesTheStatedRuleWhateverTheArrivalOrder() {
    for (long seed = 1; seed <= 200; seed++) {
      SplittableRandom r = new SplittableRandom(seed * 7919);
      long w = r.nextInt(5) == 0 ? 0 : 1 + r.nextInt(200);
      List<F> fs = new ArrayList<>();
      List<L> ls = new ArrayList<>();
      int n = 1 + r.nextInt(20);
      for (int i = 0; i < n; i++) {
        fs.add(new F(r.nextInt(400), i, r.nextDouble()));
      }
      for (int i = 0; i < r.nextInt(25); i++) {
        ls.add(new L(r.nextInt(600), 1000 + r.nextInt(1000), r.nextInt(3)));
      }
      boolean negatives = r.nextBoolean();
      List<Out> want = reference(fs, ls, w, negatives);
      assertThat(run(fs, ls, w, negatives, seed)).as("seed %d", seed).isEqualTo(want);
      assertThat(run(fs, ls, w, negatives, seed + 100_000)).as("seed %d, other order", seed).isEqualTo(want);
    }
  }

  @Test
  void decidesAPositiveAtItsLabelAndANegativeWhenTheWindowCloses() {
    LabelJoin join = new LabelJoin(100, true, 0);
    LabelJoin.Pending p = new LabelJoin.Pending();
    assertThat(join.addFeature(p, new Example().setEventTime(1000).addDense(1), 1)).isEqualTo(1100);
    join.addFeature(p, new Example().setEventTime(1010).addDense(2), 2);
    join.addLabel(p, 1050, 9, 1.0);
    join.addLabel(p, 1200, 10, 1.0); // after both windows: matches nothing
    List<String> out = new ArrayList<>();
    LabelJoin.Decided d = (s, seq, labelled) -> out.add(s.denseValue(0) + "=" + s.label() + (labelled ? "" : "!"));
    assertThat(join.advance(p, 1049, d)).isZero();
    assertThat(out).isEmpty();
    join.advance(p, 1050, d);
    assertThat(out).containsExactly("1.0=1.0", "2.0=1.0");
    join.addFeature(p, new Example().setEventTime(1300).addDense(3), 3);
    assertThat(join.advance(p, 1399, d)).as("the label at 1200 matched nothing").isEqualTo(1);
    join.advance(p, 1400, d);
    assertThat(out).containsExactly("1.0=1.0", "2.0=1.0", "3.0=0.0!");
    assertThat(p.isEmpty()).isTrue();
  }

  @Test
  void dropsTimedOutFeaturesWhenAskedAndReusesSlots() {
    LabelJoin join = new LabelJoin(10, false, 0);
    LabelJoin.Pending p = new LabelJoin.Pending();
    List<Long> seqs = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 4; i++) {
        join.addFeature(p, new Example().setEventTime(100L * round + i).addDense(i), 10L * round + i);
      }
      join.addLabel(p, 100L * round + 2, 0, 1);
      join.advance(p, 100L * round + 50, (s, seq, labelled) -> seqs.add(seq));
    }
    // Features 0, 1, 2 of each round see the label at +2; feature 3 times out and is dropped.
    assertThat(seqs).containsExactly(0L, 1L, 2L, 10L, 11L, 12L, 20L, 21L, 22L);
    assertThat(p.fExample.length).as("slots grow to the most features held at once").isEqualTo(4);
  }
}
