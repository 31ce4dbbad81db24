package io.streamtrain.core.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.SpecReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Save/restore of a schedule's state mid-run continues bit-identically: a run of n steps equals a run of k steps,
 * {@code writeState}, {@code readState} into another scheduler built from the same spec (one that has itself been
 * stepped elsewhere), and n - k more steps, compared bit for bit on lr, momentum and step count.
 */
class ScheduleStateProperties {

  record Case(Map<String, Object> schedule, double baseLr, int steps, int split, int targetPreSteps, double[] metrics) {
    LrScheduler build() {
      return Schedules.fromSpec(new SpecReader("schedule", schedule), baseLr);
    }

    @Override
    public String toString() {
      return schedule + " base_lr=" + baseLr + " steps=" + steps + " split=" + split;
    }
  }

  @Property(tries = 300)
  void restoreContinuesBitIdentically(@ForAll("cases") Case c) throws IOException {
    LrScheduler reference = c.build();
    long[] refLr = new long[c.steps];
    long[] refMom = new long[c.steps];
    for (int t = 0; t < c.steps; t++) {
      refLr[t] = Double.doubleToRawLongBits(reference.lr());
      refMom[t] = Double.doubleToRawLongBits(reference.currentMomentum());
      advance(reference, c, t);
    }

    LrScheduler first = c.build();
    for (int t = 0; t < c.split; t++) {
      advance(first, c, t);
    }
    byte[] saved = save(first);

    LrScheduler resumed = c.build();
    for (int t = 0; t < c.targetPreSteps; t++) {
      advance(resumed, c, c.steps - 1 - t); // some other history, to be overwritten
    }
    resumed.readState(new DataInputStream(new ByteArrayInputStream(saved)));
    assertThat(save(resumed)).as("state round-trips byte for byte").isEqualTo(saved);
    for (int t = c.split; t < c.steps; t++) {
      assertThat(resumed.stepCount()).isEqualTo(t);
      assertThat(Double.doubleToRawLongBits(resumed.lr())).as("lr bits at step %d", t).isEqualTo(refLr[t]);
      assertThat(Double.doubleToRawLongBits(resumed.currentMomentum()))
          .as("momentum bits at step %d", t)
          .isEqualTo(refMom[t]);
      advance(resumed, c, t);
    }
  }

  static void advance(LrScheduler s, Case c, int t) {
    if (s.needsMetric()) {
      s.step(c.metrics[t]);
    } else {
      s.step();
    }
  }

  static byte[] save(LrScheduler s) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    s.writeState(new DataOutputStream(bytes));
    return bytes.toByteArray();
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<Map<String, Object>> schedule =
        Arbitraries.oneOf(
            simple(),
            oneCycle(),
            plateau(),
            Combinators.combine(simple().list().ofMinSize(1).ofMaxSize(3), Arbitraries.integers().between(1, 30))
                .as(ScheduleStateProperties::sequential));
    return Combinators.combine(
            schedule,
            Arbitraries.doubles().between(1e-5, 2.0).ofScale(9),
            Arbitraries.integers().between(1, 120),
            Arbitraries.doubles().between(0, 1).ofScale(9),
            Arbitraries.integers().between(0, 40),
            Arbitraries.doubles().between(-10, 10).ofScale(9).array(double[].class).ofSize(120))
        .as(
            (sched, lr, steps, splitFrac, pre, metrics) -> {
              int n = steps;
              if ("OneCycleLR".equals(sched.get("type"))) {
                n = Math.min(n, ((Number) sched.get("total_steps")).intValue());
              }
              int split = (int) Math.floor(splitFrac * n);
              return new Case(sched, lr, n, split, Math.min(pre, n), metrics);
            });
  }

  static Map<String, Object> sequential(List<Map<String, Object>> children, int gap) {
    List<Object> milestones = new ArrayList<>();
    for (int i = 1; i < children.size(); i++) {
      milestones.add(i * gap);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "SequentialLR");
    m.put("schedulers", new ArrayList<>(children));
    m.put("milestones", milestones);
    return m;
  }

  static Arbitrary<Map<String, Object>> simple() {
    Arbitrary<Double> gamma = Arbitraries.doubles().between(0.1, 1.2).ofScale(9);
    Arbitrary<Integer> period = Arbitraries.integers().between(1, 25);
    Arbitrary<Double> etaMin = Arbitraries.doubles().between(0, 1e-3).ofScale(9);
    return Arbitraries.oneOf(
        Combinators.combine(period, gamma).as((p, g) -> map("type", "StepLR", "step_size", p, "gamma", g)),
        Combinators.combine(Arbitraries.integers().between(0, 60).list().ofMaxSize(5), gamma)
            .as((ms, g) -> map("type", "MultiStepLR", "milestones", ms, "gamma", g)),
        gamma.map(g -> map("type", "ExponentialLR", "gamma", g)),
        Combinators.combine(period, etaMin).as((p, e) -> map("type", "CosineAnnealingLR", "T_max", p, "eta_min", e)),
        Combinators.combine(period, Arbitraries.integers().between(1, 3), etaMin)
            .as((p, m, e) -> map("type", "CosineAnnealingWarmRestarts", "T_0", p, "T_mult", m, "eta_min", e)),
        Combinators.combine(
                Arbitraries.doubles().between(0.01, 1).ofScale(9), Arbitraries.doubles().between(0, 1).ofScale(9), period)
            .as(
                (s, e, n) ->
                    map("type", "LinearLR", "start_factor", s, "end_factor", e, "total_iters", n)),
        Combinators.combine(Arbitraries.doubles().between(0, 2).ofScale(9), Arbitraries.doubles().between(0, 1.5).ofScale(9))
            .as((d, p) -> map("type", "InverseTimeDecay", "decay", d, "power", p)));
  }

  static Arbitrary<Map<String, Object>> oneCycle() {
    return Combinators.combine(
            Arbitraries.doubles().between(1e-3, 1).ofScale(9),
            Arbitraries.integers().between(2, 150),
            Arbitraries.of(0.1, 0.25, 0.3, 0.45),
            Arbitraries.of("cos", "linear"),
            Arbitraries.of(true, false),
            Arbitraries.of(true, false))
        .as(
            (maxLr, total, pct, strategy, cycle, three) ->
                map(
                    "type", "OneCycleLR", "max_lr", maxLr, "total_steps", total, "pct_start", pct,
                    "anneal_strategy", strategy, "cycle_momentum", cycle, "three_phase", three))
        .filter(m -> oneCycleValid(m));
  }

  static boolean oneCycleValid(Map<String, Object> m) {
    try {
      Schedules.fromSpec(new SpecReader("schedule", m), 0.1);
      return true;
    } catch (io.streamtrain.core.SpecException e) {
      return false; // the zero-length phase configurations torch cannot run either
    }
  }

  static Arbitrary<Map<String, Object>> plateau() {
    return Combinators.combine(
            Arbitraries.of("min", "max"),
            Arbitraries.of("rel", "abs"),
            Arbitraries.doubles().between(0, 0.9).ofScale(9),
            Arbitraries.integers().between(0, 5),
            Arbitraries.integers().between(0, 4),
            Arbitraries.doubles().between(0, 0.2).ofScale(9))
        .as(
            (mode, tm, factor, patience, cooldown, threshold) ->
                map(
                    "type", "ReduceLROnPlateau", "mode", mode, "threshold_mode", tm, "factor", factor,
                    "patience", patience, "cooldown", cooldown, "threshold", threshold, "min_lr", 1e-4));
  }

  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
