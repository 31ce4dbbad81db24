package io.streamtrain.core.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Spec parsing and validation (every error names the full key, the value and what is allowed), the scheduler
 * contract (metric handling, OneCycleLR's step limit, state header checks) and long runs of the recursive torch
 * forms against their closed forms, far beyond the 70-step torch fixtures.
 */
class SchedulesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @SuppressWarnings("unchecked")
  static LrScheduler build(String json, double baseLr) {
    try {
      return Schedules.fromSpec(new SpecReader("schedule", JSON.readValue(json, Map.class)), baseLr);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{'type':'StepLR','step_size':10,'gama':0.5}|schedule.gama: unknown key; allowed keys here are [type, step_size,"
            + " gamma]",
        "{'step_size':10}|schedule.type: missing; it is required",
        "{'type':'CosineLR'}|schedule.type: \"CosineLR\" is not allowed; allowed: one of [StepLR, MultiStepLR,",
        "{'type':'StepLR','step_size':0}|schedule.step_size: 0 is not allowed; allowed: an integer >= 1",
        "{'type':'StepLR','step_size':2.5}|schedule.step_size: 2.5 is not allowed; allowed: an integer",
        "{'type':'StepLR','step_size':3,'gamma':-0.5}|schedule.gamma: -0.5 is not allowed; allowed: a number in [0, inf)",
        "{'type':'StepLR','step_size':3,'gamma':'NaN'}|schedule.gamma: NaN is not allowed",
        "{'type':'MultiStepLR','milestones':[3,-1]}|schedule.milestones[1]: -1 is not allowed; allowed: an integer >= 0",
        "{'type':'MultiStepLR'}|schedule.milestones: missing; it is required",
        "{'type':'ExponentialLR'}|schedule.gamma: missing; it is required",
        "{'type':'CosineAnnealingLR','T_max':0}|schedule.T_max: 0 is not allowed; allowed: an integer >= 1",
        "{'type':'CosineAnnealingWarmRestarts','T_0':5,'T_mult':0}|schedule.T_mult: 0 is not allowed",
        "{'type':'LinearLR','start_factor':0}|schedule.start_factor: 0.0 is not allowed; allowed: a number in (0, 1]",
        "{'type':'LinearLR','end_factor':1.5}|schedule.end_factor: 1.5 is not allowed; allowed: a number in [0, 1]",
        "{'type':'LinearLR','total_iters':0}|schedule.total_iters: 0 is not allowed",
        "{'type':'SequentialLR','schedulers':[{'type':'LinearLR'},{'type':'StepLR','step_size':5}],'milestones':[]}"
            + "|schedule.milestones: [] is not allowed; allowed: exactly one milestone fewer than schedulers (1)",
        "{'type':'SequentialLR','schedulers':[{'type':'LinearLR'},{'type':'ExponentialLR','gamma':0.9},"
            + "{'type':'ExponentialLR','gamma':0.8}],'milestones':[10,10]}|schedule.milestones[1]: 10 is not allowed;"
            + " allowed: strictly increasing integers >= 1",
        "{'type':'SequentialLR','schedulers':[{'type':'LinearLR'},{'type':'ReduceLROnPlateau'}],'milestones':[5]}"
            + "|schedule.schedulers[1].type: \"ReduceLROnPlateau\" is not allowed; allowed inside SequentialLR:",
        "{'type':'SequentialLR','schedulers':[{'type':'LinearLR'},{'type':'OneCycleLR','max_lr':1,'total_steps':9}],"
            + "'milestones':[5]}|schedule.schedulers[1].type: \"OneCycleLR\" is not allowed",
        "{'type':'SequentialLR','schedulers':[{'type':'LinearLR','end_factor':2}],'milestones':[]}"
            + "|schedule.schedulers[0].end_factor: 2.0 is not allowed",
        "{'type':'SequentialLR','schedulers':[{'type':'LinearLR','foo':1}],'milestones':[]}"
            + "|schedule.schedulers[0].foo: unknown key",
        "{'type':'SequentialLR','milestones':[]}|schedule.schedulers: missing; it is required",
        "{'type':'OneCycleLR','max_lr':0.1}|schedule.total_steps: missing; give total_steps, or epochs and"
            + " steps_per_epoch",
        "{'type':'OneCycleLR','max_lr':0.1,'epochs':3}|schedule.steps_per_epoch: missing; it is required",
        "{'type':'OneCycleLR','max_lr':0.1,'total_steps':0}|schedule.total_steps: 0 is not allowed",
        "{'type':'OneCycleLR','max_lr':0.1,'total_steps':10,'pct_start':1.5}|schedule.pct_start: 1.5 is not allowed;"
            + " allowed: a number in [0, 1]",
        "{'type':'OneCycleLR','max_lr':0.1,'total_steps':10,'pct_start':0.1}|schedule.pct_start: 0.1 is not allowed;"
            + " allowed: pct_start * total_steps != 1 (torch fails with ZeroDivisionError",
        "{'type':'OneCycleLR','max_lr':0.1,'total_steps':10,'anneal_strategy':'exp'}|schedule.anneal_strategy:"
            + " \"exp\" is not allowed; allowed: one of [cos, linear]",
        "{'type':'OneCycleLR','max_lr':0.1,'total_steps':10,'div_factor':0}|schedule.div_factor: 0.0 is not allowed",
        "{'type':'OneCycleLR','total_steps':10}|schedule.max_lr: missing; it is required",
        "{'type':'ReduceLROnPlateau','mode':'mean'}|schedule.mode: \"mean\" is not allowed; allowed: one of [min,"
            + " max]",
        "{'type':'ReduceLROnPlateau','threshold_mode':'pct'}|schedule.threshold_mode: \"pct\" is not allowed",
        "{'type':'ReduceLROnPlateau','factor':1.0}|schedule.factor: 1.0 is not allowed; allowed: a number in [0, 1)",
        "{'type':'ReduceLROnPlateau','patience':-1}|schedule.patience: -1 is not allowed",
        "{'type':'InverseTimeDecay'}|schedule.decay: missing; it is required",
        "{'type':'InverseTimeDecay','decay':0.1,'power':-1}|schedule.power: -1.0 is not allowed",
      })
  void malformedSpecsNameTheKeyTheValueAndWhatIsAllowed(String json, String message) {
    assertThatThrownBy(() -> build(json.replace('\'', '"'), 0.1))
        .isInstanceOf(SpecException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void baseLrErrorsKeepTheirOwnKey() {
    assertThatThrownBy(() -> build("{\"type\": \"StepLR\", \"step_size\": 3}", -0.1))
        .isInstanceOf(SpecException.class)
        .hasMessageStartingWith("base_lr: -0.1 is not allowed");
  }

  @Test
  void oneCycleNeedsAMomentumToCycle() {
    SpecReader spec =
        new SpecReader("schedule", Map.of("type", "OneCycleLR", "max_lr", 0.1, "total_steps", 20));
    assertThatThrownBy(() -> Schedules.fromSpec(spec, 0.1, false))
        .isInstanceOf(SpecException.class)
        .hasMessageStartingWith("schedule.cycle_momentum: true is not allowed; allowed: false, because the optimizer");
    LrScheduler s =
        Schedules.fromSpec(
            new SpecReader(
                "schedule",
                Map.of("type", "OneCycleLR", "max_lr", 0.1, "total_steps", 20, "cycle_momentum", false)),
            0.1,
            false);
    assertThat(s.cyclesMomentum()).isFalse();
    assertThat(s.momentum()).isEmpty();
    assertThat(s.currentMomentum()).isNaN();
  }

  @Test
  void oneCycleIgnoresTheOptimizersLrAndTotalStepsWinsOverEpochs() {
    LrScheduler a = build("{\"type\":\"OneCycleLR\",\"max_lr\":0.5,\"total_steps\":30}", 0.1);
    LrScheduler b = build("{\"type\":\"OneCycleLR\",\"max_lr\":0.5,\"total_steps\":30,\"epochs\":2,"
        + "\"steps_per_epoch\":4}", 7.0);
    for (int t = 0; t < 30; t++) {
      assertThat(b.lr()).isEqualTo(a.lr());
      a.step();
      b.step();
    }
    // step 0 is initial_lr = max_lr / div_factor = 0.02, computed as torch does by its cos annealing
    // end + (start - end) / 2.0 * (cos(0) + 1), a few ulps off 0.02 (torch 1.13.1 also gives 0.020000000000000018)
    assertThat(build("{\"type\":\"OneCycleLR\",\"max_lr\":0.5,\"total_steps\":30}", 0.1).lr())
        .isEqualTo(0.5 + (0.02 - 0.5) / 2.0 * 2.0)
        .isCloseTo(0.02, org.assertj.core.data.Offset.offset(1e-16));
  }

  @Test
  void oneCycleMayBeSteppedTotalStepsTimesThenRefusesLikeTorch() {
    LrScheduler s = build("{\"type\":\"OneCycleLR\",\"max_lr\":0.5,\"total_steps\":12}", 0.1);
    for (int t = 0; t < 12; t++) {
      s.step();
    }
    double lr = s.lr();
    assertThatThrownBy(s::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("total_steps is 12");
    assertThat(s.lr()).isEqualTo(lr);
    assertThat(s.stepCount()).isEqualTo(12);
  }

  @Test
  void plateauNeedsAMetricAndOthersIgnoreIt() {
    LrScheduler plateau = build("{\"type\":\"ReduceLROnPlateau\"}", 0.1);
    assertThat(plateau.needsMetric()).isTrue();
    assertThatThrownBy(plateau::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("metric");
    assertThat(plateau.stepCount()).isZero();

    LrScheduler a = build("{\"type\":\"StepLR\",\"step_size\":3,\"gamma\":0.5}", 0.1);
    LrScheduler b = build("{\"type\":\"StepLR\",\"step_size\":3,\"gamma\":0.5}", 0.1);
    assertThat(a.needsMetric()).isFalse();
    for (int t = 0; t < 10; t++) {
      a.step(1e9 * t);
      b.step();
      assertThat(a.lr()).isEqualTo(b.lr());
    }
  }

  @Test
  void plateauReducesAfterPatienceThenCoolsDown() {
    // mode min, rel threshold 0: patience 2 tolerates two bad steps, the third reduces; cooldown 1 swallows one.
    LrScheduler s =
        build("{\"type\":\"ReduceLROnPlateau\",\"factor\":0.5,\"patience\":2,\"threshold\":0,\"cooldown\":1}", 1.0);
    double[] metrics = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
    double[] lrAfter = {1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25};
    for (int t = 0; t < metrics.length; t++) {
      s.step(metrics[t]);
      assertThat(s.lr()).as("after step %d", t).isEqualTo(lrAfter[t]);
    }
  }

  @Test
  void inverseTimeDecayClosedForm() {
    LrScheduler s = build("{\"type\":\"InverseTimeDecay\",\"decay\":1.0,\"power\":0.5}", 0.5);
    // lr_t = 0.5 / sqrt(1 + t): t = 0, 3, 8, 15 give 0.5, 0.25, 0.5/3, 0.125
    double[] expected = {0.5, 0.5 / Math.sqrt(2), 0.5 / Math.sqrt(3), 0.25};
    for (double e : expected) {
      assertThat(s.lr()).isCloseTo(e, org.assertj.core.data.Offset.offset(1e-17));
      s.step();
    }
    for (int t = 4; t < 15; t++) {
      s.step();
    }
    assertThat(s.lr()).isEqualTo(0.125);
  }

  @Test
  void recursiveFormsStayOnTheirClosedFormsOverLongRuns() {
    int n = 5000;
    LrScheduler step = new StepLR(0.1, 7, 0.9);
    LrScheduler exp = new ExponentialLR(0.1, 0.999);
    LrScheduler lin = new LinearLR(0.1, 0.01, 0.9, 3000);
    LrScheduler cos = new CosineAnnealingLR(0.1, 400, 0.01);
    LrScheduler multi = new MultiStepLR(0.1, new long[] {4000, 10, 10, 900}, 0.5);
    for (int t = 0; t < n; t++) {
      rel(step.lr(), 0.1 * Math.pow(0.9, t / 7), t);
      rel(exp.lr(), 0.1 * Math.pow(0.999, t), t);
      rel(lin.lr(), 0.1 * (0.01 + (0.9 - 0.01) * Math.min(t, 3000) / 3000.0), t);
      rel(cos.lr(), 0.01 + (0.1 - 0.01) * (1 + Math.cos(Math.PI * t / 400)) / 2, t);
      int passed = (t >= 10 ? 2 : 0) + (t >= 900 ? 1 : 0) + (t >= 4000 ? 1 : 0);
      rel(multi.lr(), 0.1 * Math.pow(0.5, passed), t);
      step.step();
      exp.step();
      lin.step();
      cos.step();
      multi.step();
    }
  }

  private static void rel(double actual, double expected, int t) {
    assertThat(Math.abs(actual - expected))
        .as("step %d: %s vs closed form %s", t, actual, expected)
        .isLessThanOrEqualTo(1e-11 * Math.abs(expected));
  }

  @Test
  void warmRestartsPeriodsGrowByTMult() {
    // T_0 = 2, T_mult = 3: restarts (lr back at base) at steps 0, 2, 8, 26
    LrScheduler s = new CosineAnnealingWarmRestarts(1.0, 2, 3, 0.0);
    for (int t = 0; t < 30; t++) {
      boolean restart = t == 0 || t == 2 || t == 8 || t == 26;
      assertThat(s.lr() == 1.0).as("restart at %d", t).isEqualTo(restart);
      s.step();
    }
  }

  @Test
  void sequentialRejectsChildrenThatDoNotFit() {
    StepLR stepped = new StepLR(0.1, 5, 0.5);
    stepped.step();
    assertThatThrownBy(() -> new SequentialLR(0.1, List.of(new LinearLR(0.1, 0.5, 1, 5), stepped), new long[] {3}))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining("schedulers[1]: has already been stepped");
    assertThatThrownBy(
            () -> new SequentialLR(0.1, List.of(new LinearLR(0.2, 0.5, 1, 5), new StepLR(0.1, 5, 0.5)), new long[] {3}))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining("schedulers[0]: built for base lr 0.2 but the SequentialLR has base lr 0.1");
    StepLR same = new StepLR(0.1, 5, 0.5);
    assertThatThrownBy(() -> new SequentialLR(0.1, List.of(same, same), new long[] {3}))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining("same instance");
  }

  @Test
  void stateOfAnotherTypeOrVersionIsRefused() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new StepLR(0.1, 5, 0.5).writeState(new DataOutputStream(bytes));
    byte[] state = bytes.toByteArray();
    assertThatThrownBy(() -> new ExponentialLR(0.1, 0.9).readState(in(state)))
        .isInstanceOf(IOException.class)
        .hasMessage("schedule state is for StepLR, cannot restore it into ExponentialLR");
    state[0] = 99;
    assertThatThrownBy(() -> new StepLR(0.1, 5, 0.5).readState(in(state)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("format version 99 is not supported");
    assertThatThrownBy(() -> new StepLR(0.1, 5, 0.5).readState(in(new byte[] {1})))
        .isInstanceOf(IOException.class);
  }

  private static DataInputStream in(byte[] b) {
    return new DataInputStream(new ByteArrayInputStream(b));
  }
}
