package io.streamtrain.core.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.SpecReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every schedule against trajectories recorded from torch 1.13.1 in float64
 * (scripts/fixtures/gen_schedule_fixtures.py): the lr, and for OneCycleLR the momentum or Adam beta1, that the
 * optimizer holds before each {@code optimizer.step(); scheduler.step()}, within 1e-12 relative per element.
 */
class ScheduleFixturesTest {
  static final double REL_TOL = 1e-12;

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> cases() throws IOException {
    try (InputStream in =
        ScheduleFixturesTest.class.getResourceAsStream("/fixtures/schedule/schedules.json")) {
      Map<String, Object> root = new ObjectMapper().readValue(in, Map.class);
      return (List<Map<String, Object>>) root.get("cases");
    }
  }

  static Stream<Arguments> fixtureCases() throws IOException {
    return cases().stream().map(c -> Arguments.of(c.get("name"), c));
  }

  @Test
  void fixturesCoverEveryScheduleTypeWithEnoughSteps() throws IOException {
    List<Map<String, Object>> cases = cases();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(40);
    for (String type : Schedules.TYPES) {
      assertThat(cases)
          .as(type)
          .anySatisfy(c -> assertThat(((Map<?, ?>) c.get("spec")).get("schedule").toString()).contains(type));
    }
    for (Map<String, Object> c : cases) {
      assertThat((List<?>) c.get("lr")).as((String) c.get("name")).hasSizeGreaterThanOrEqualTo(60);
    }
  }

  @SuppressWarnings("unchecked")
  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtureCases")
  void matchesTorch(String name, Map<String, Object> c) {
    SpecReader spec = new SpecReader("", (Map<String, Object>) c.get("spec"));
    double[] expectedLr = SpecReader.toDoubleArray("lr", c.get("lr"));
    double[] expectedMom = c.containsKey("momentum") ? SpecReader.toDoubleArray("momentum", c.get("momentum")) : null;
    double baseLr = spec.getDouble("base_lr", 0.0);
    String optimizer = spec.getString("optimizer", "sgd");
    double[] metrics = spec.getDoubleArray("metrics", null);
    LrScheduler s = Schedules.fromSpec(spec.child("schedule"), baseLr, !"adagrad".equals(optimizer));

    assertThat(s.cyclesMomentum()).as("cycles momentum").isEqualTo(expectedMom != null);
    for (int t = 0; t < expectedLr.length; t++) {
      assertClose(name + " lr", t, expectedLr[t], s.lr());
      if (expectedMom != null) {
        assertClose(name + " momentum", t, expectedMom[t], s.currentMomentum());
        assertThat(s.momentum()).hasValue(s.currentMomentum());
      } else {
        assertThat(s.momentum()).isEmpty();
      }
      assertThat(s.stepCount()).isEqualTo(t);
      if (metrics != null) {
        s.step(metrics[t]);
      } else {
        s.step();
      }
    }
  }

  static void assertClose(String what, int step, double expected, double actual) {
    // relative per element; an exact 0 in torch must be an exact 0 here
    if (!(Math.abs(actual - expected) <= REL_TOL * Math.abs(expected))) {
      fail(what + " at step " + step + ": expected " + expected + " but was " + actual + " (rel err "
          + Math.abs(actual - expected) / Math.abs(expected) + ")");
    }
  }
}
