package io.streamtrain.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fast decimal parser agrees bit for bit with Double.parseDouble and refuses what is not a finite decimal. */
class NumbersTest {

  private static void same(String s) {
    double expected = Double.parseDouble(s);
    assertThat(Double.doubleToRawLongBits(Numbers.parseFinite(s)))
        .as(s)
        .isEqualTo(Double.doubleToRawLongBits(expected));
  }

  @Test
  void agreesWithTheJdkOnEdgeCases() {
    for (String s :
        new String[] {
          "0", "-0", "+0", "0.0", "-0.0", "1", "-1", "+1", ".5", "5.", "0.1", "0.2", "0.3", "1e5", "1E-5", "1.5e+3",
          "123456789012345", "9007199254740993", "9007199254740992", "12345678901234567890", "0.1234567890123456789",
          "1e22", "1e23", "1e-22", "1e-23", "4.9e-324", "2.2250738585072014E-308", "1.7976931348623157e308",
          "0.000001", "17.99", "2019", "0.07871", "-273.15", "3.141592653589793", "1e-400", "00012.50"
        }) {
      same(s);
    }
  }

  @Test
  void agreesWithTheJdkOnRandomDecimals() {
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 200_000; i++) {
      String s =
          switch (i % 4) {
            case 0 -> Double.toString(r.nextDouble() * Math.pow(10, r.nextInt(-30, 30)) * (r.nextBoolean() ? 1 : -1));
            case 1 -> String.format(Locale.ROOT, "%." + r.nextInt(0, 12) + "f", r.nextGaussian() * 1000);
            case 2 -> Long.toString(r.nextLong(-(1L << 60), 1L << 60));
            default -> r.nextInt(0, 100000) + "." + r.nextInt(0, 1_000_000) + "e" + r.nextInt(-40, 40);
          };
      same(s);
    }
  }

  @Test
  void parsesARangeOfALineWithoutTheRest() {
    String line = "a,12.5,-3e2,x";
    assertThat(Numbers.parseFinite(line, 2, 6)).isEqualTo(12.5);
    assertThat(Numbers.parseFinite(line, 7, 11)).isEqualTo(-300.0);
  }

  @Test
  void refusesWhatIsNotAFiniteDecimal() {
    for (String s :
        new String[] {"", "-", "+", ".", "e5", "1e", "1e+", "NaN", "Infinity", "-Infinity", "0x1p3", "1d", "1f",
          "1.2.3", "1,5", "one", " 1", "1 ", "1e400", "-1e400", "--1", "1-"}) {
      assertThat(Numbers.parseFinite(s)).as("\"" + s + "\"").isNaN();
    }
  }
}
