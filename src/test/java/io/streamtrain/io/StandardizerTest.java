package io.streamtrain.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.core.data.Example;
import java.util.List;
import org.junit.jupiter.api.Test;

/** StandardScaler's figures, worked by hand; Welford's update against a large offset; sidecar round trip. */
class StandardizerTest {
  @Test
  void meansAndPopulationDeviationsAsStandardScaler() {
    // Columns: 1, 2, 3, 4 (mean 2.5, population variance 1.25); 7 constant (scale 1); 1e9 + {0, 1, 2, 3}.
    Standardizer s = new Standardizer();
    for (int i = 0; i < 4; i++) {
      s.fit(Example.dense(new double[] {i + 1, 7, 1e9 + i}, 0));
    }
    assertThat(s.count()).isEqualTo(4);
    assertThat(s.means()).containsExactly(2.5, 7.0, 1e9 + 1.5);
    assertThat(s.scales()[0]).isCloseTo(Math.sqrt(1.25), within(1e-15));
    assertThat(s.scales()[1]).isEqualTo(1.0);
    // A naive sum-of-squares formula loses every digit here (1e18 squared terms); Welford keeps it.
    assertThat(s.scales()[2]).isCloseTo(Math.sqrt(1.25), within(1e-9));
    Example e = Example.dense(new double[] {4, 7, 1e9}, 0);
    s.apply(e);
    assertThat(e.denseValue(0)).isCloseTo(1.5 / Math.sqrt(1.25), within(1e-15));
    assertThat(e.denseValue(1)).isZero();
    assertThat(e.denseValue(2)).isCloseTo(-1.5 / Math.sqrt(1.25), within(1e-8));
  }

  @Test
  void sidecarRoundTrip(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path f = dir.resolve("s.json");
    new Sidecar("no=0,yes=1", List.of("a"), new double[] {2.5}, new double[] {0.5}).write(f);
    Sidecar back = Sidecar.read("k", f);
    assertThat(back.labelMap()).isEqualTo("no=0,yes=1");
    assertThat(back.columns()).containsExactly("a");
    assertThat(back.mean()).containsExactly(2.5);
    assertThat(back.scale()).containsExactly(0.5);
    java.nio.file.Files.writeString(f, "{\"x\": 1}");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sidecar.read("source.sidecar", f))
        .hasMessageContaining("source.sidecar").hasMessageContaining("streamtrain-sidecar-1");
  }
}
