package io.streamtrain.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session cluster used by the cluster ITs starts as separate JVMs and serves its REST API. */
class FlinkSessionClusterIT {
  @Test
  void startsJobManagerAndTaskManagerProcesses(@TempDir Path dir) throws Exception {
    try (FlinkSessionCluster cluster = FlinkSessionCluster.start(dir, 1, 2)) {
      String overview = cluster.get("/overview");
      assertThat(overview).contains("\"taskmanagers\":1").contains("\"slots-total\":2");
      assertThat(cluster.taskManagers().get(0).isAlive()).isTrue();
    }
  }
}
