package io.streamtrain.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigDefTest {
  enum Start { EARLIEST, LATEST }

  private static final ConfigDef INNER = new ConfigDef();
  private static final Key<Integer> SIZE = INNER.define("size", Types.INT, 32, Validators.intRange(1, 64), "rows");
  private static final Key<Long> GAP = INNER.define("gap_ms", Types.LONG, 0L, "({default} = off)");

  private static final ConfigDef DEF = new ConfigDef();
  private static final Key<String> NAME = DEF.required("name", Types.STRING, "the run's name");
  private static final Key<Start> START = DEF.define("start", Types.enumOf(Start.class), Start.EARLIEST, "where");
  private static final Key<Double> RATE = DEF.define("rate", Types.DOUBLE, 0.5,
      Validators.range(0, true, 1, false), "");
  private static final Key<Integer> CAP = DEF.computed("capacity", Types.INT, "max(1024, size)",
      Validators.intRange(1, 1 << 20), "buffer");
  private static final Key<Integer> INNER_SIZE = DEF.section("inner", INNER, v -> v.get(SIZE), "inner: {keys}");
  private static final Key<Integer> SPREAD = DEF.section("spread", INNER, v -> v.get(SIZE), "spread out");

  private static ConfigValues parse(Map<String, Object> m) {
    return DEF.parse(new SpecReader("job", m));
  }

  @Test
  void givenValuesAndDefaults() {
    ConfigValues v = parse(Map.of("name", "a", "start", "latest", "inner", Map.of("size", 8)));
    assertThat(v.get(NAME)).isEqualTo("a");
    assertThat(v.get(START)).isEqualTo(Start.LATEST);
    assertThat(v.get(RATE)).isEqualTo(0.5);
    assertThat(v.get(CAP)).isNull();
    assertThat(v.get(CAP, 1024)).isEqualTo(1024);
    assertThat(v.get(INNER_SIZE)).isEqualTo(8);
    assertThat(v.get(SPREAD)).isEqualTo(32); // an absent section reads as its defaults
    assertThat(v.has(RATE)).isFalse();
    assertThat(v.path(RATE)).isEqualTo("job.rate");
  }

  @Test
  void errorsNameTheFullKey() {
    assertThatThrownBy(() -> parse(Map.of("start", "latest")))
        .isInstanceOf(SpecException.class).hasMessage("job.name: missing; it is required");
    assertThatThrownBy(() -> parse(Map.of("name", "a", "start", "now")))
        .hasMessage("job.start: \"now\" is not allowed; allowed: one of [earliest, latest]");
    assertThatThrownBy(() -> parse(Map.of("name", "a", "rate", 0)))
        .hasMessage("job.rate: 0.0 is not allowed; allowed: a number in (0, 1]");
    assertThatThrownBy(() -> parse(Map.of("name", "a", "inner", Map.of("size", 65))))
        .hasMessage("job.inner.size: 65 is not allowed; allowed: an integer in [1, 64]");
    assertThatThrownBy(() -> parse(Map.of("name", "a", "inner", Map.of("size", "big"))))
        .hasMessage("job.inner.size: \"big\" is not allowed; allowed: an integer");
  }

  @Test
  void unknownKeysAreRejectedWithTheClosestSuggested() {
    assertThatThrownBy(() -> parse(Map.of("name", "a", "strat", "latest")))
        .hasMessage("job.strat: unknown key; allowed keys here are [name, start, rate, capacity, inner, spread];"
            + " did you mean start?");
    assertThatThrownBy(() -> parse(Map.of("name", "a", "colour", 1)))
        .hasMessage("job.colour: unknown key; allowed keys here are [name, start, rate, capacity, inner, spread]");
  }

  @Test
  void aKeyIsDeclaredOnce() {
    ConfigDef d = new ConfigDef();
    d.define("a", Types.INT, 1, "");
    assertThatThrownBy(() -> d.define("a", Types.LONG, 2L, "")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theTableComesFromTheDeclarations() {
    assertThat(ConfigTable.markdown(DEF, "key")).isEqualTo("""
        | key | meaning (default) |
        |---|---|
        | `name` | the run's name (required) |
        | `start` | where (earliest) |
        | `capacity` | buffer (max(1024, size)) |
        | `inner` | inner: `size` rows (32), `gap_ms` (0 = off) |
        | `spread` | spread out |
        | `spread.size` | rows (32) |
        | `spread.gap_ms` | (0 = off) |
        """);
  }

  @Test
  void oneValidatorServesSpecsAndConstructors() {
    Validator<Double> beta = Validators.range(0, false, 1, true);
    assertThatThrownBy(() -> beta.check("optimizer.betas[0]", 1.0))
        .isInstanceOf(SpecException.class).hasMessage("optimizer.betas[0]: 1.0 is not allowed; allowed: a number in [0, 1)");
    assertThatThrownBy(() -> beta.checkArgument("beta1", 1.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("beta1: 1.0 is not allowed; allowed: a number in [0, 1)");
    assertThat(beta.check("b", 0.5)).isEqualTo(0.5);
  }
}
