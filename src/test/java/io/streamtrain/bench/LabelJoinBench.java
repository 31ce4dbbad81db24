package io.streamtrain.bench;

import io.streamtrain.core.data.Example;
import io.streamtrain.core.data.LabelJoin;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The delayed-label join's core work per impression ({@link LabelJoin}, what the Flink function calls between
 * state reads and writes): add the features (10 dense values, 3 named fields), in 30% of cases add a click and
 * decide at it, else decide at the timeout; one key's {@link LabelJoin.Pending} reused, as keyed state holds it.
 * One op is one impression's life. Allocation per op is the figure to watch (0 once slots are warm).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class LabelJoinBench {
  private final LabelJoin join = new LabelJoin(600_000, true, 0);
  private final LabelJoin.Pending pending = new LabelJoin.Pending();
  private final Example[] features = new Example[1024];
  private final boolean[] clicked = new boolean[1024];
  private long t;
  private int i;
  private Blackhole bh;
  /** Created once, as the Flink function does in open(): a capturing lambda per call would allocate. */
  private final LabelJoin.Decided decided = (s, seq, labelled) -> bh.consume(s.label());

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(3);
    for (int k = 0; k < features.length; k++) {
      Example e = new Example().setModelId("t-0");
      for (int d = 0; d < 10; d++) {
        e.addDense(r.nextDouble());
      }
      e.addCategorical("country", "fr").addCategorical("item", "i" + r.nextInt(100)).addNumeric("visits", 2.0);
      features[k] = e;
      clicked[k] = r.nextInt(10) < 3;
    }
  }

  @Benchmark
  public void impression(Blackhole bh) {
    this.bh = bh;
    int k = i++ & (features.length - 1);
    t += 100;
    Example e = features[k].setEventTime(t);
    long timeout = join.addFeature(pending, e, i);
    long at = timeout;
    if (clicked[k]) {
      at = join.addLabel(pending, t + 5_000, i, 1.0);
    }
    join.advance(pending, at, decided);
  }
}
