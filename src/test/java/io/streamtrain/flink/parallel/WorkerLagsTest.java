package io.streamtrain.flink.parallel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Per worker, the publisher sums the latest figure of each source reader; the total sums the workers. */
class WorkerLagsTest {
  @Test
  void eachWorkersLagIsTheSumOfItsReadersLatestFigures() {
    WorkerLags l = new WorkerLags(3);
    assertThat(l.byWorker("m")).containsExactly(-1, -1, -1);
    assertThat(WorkerLags.total(l.byWorker("m"))).isEqualTo(-1);
    assertThat(WorkerLags.text(l.byWorker("m"))).isEqualTo("[n/a, n/a, n/a]");

    l.update(SourceNote.lag("m", 0, 0, 100));
    l.update(SourceNote.lag("m", 0, 1, 20));
    l.update(SourceNote.lag("m", 2, 1, 7));
    l.update(SourceNote.lag("other", 1, 0, 999)); // another model's figures stay apart
    assertThat(l.byWorker("m")).containsExactly(120, -1, 7);
    assertThat(WorkerLags.total(l.byWorker("m"))).isEqualTo(127);
    assertThat(WorkerLags.text(l.byWorker("m"))).isEqualTo("[120, n/a, 7]");

    // A reader's newer figure replaces its older one; a reader index beyond the first ones grows the table.
    l.update(SourceNote.lag("m", 0, 0, 0));
    l.update(SourceNote.lag("m", 1, 5, 3));
    assertThat(l.byWorker("m")).containsExactly(20, 3, 7);
    // A worker index the job does not have is ignored, not an error.
    l.update(SourceNote.lag("m", 3, 0, 50));
    l.update(SourceNote.lag("m", -1, 0, 50));
    assertThat(l.byWorker("m")).containsExactly(20, 3, 7);
    assertThat(l.byWorker("other")).containsExactly(-1, 999, -1);
  }
}
