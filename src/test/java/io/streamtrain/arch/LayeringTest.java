package io.streamtrain.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The core (and the Flink-free batcher) stays plain Java: simple to test, to read and to reuse. */
class LayeringTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.streamtrain");

  @Test
  void coreHasNoFlinkKafkaOrAvroImports() {
    noClasses()
        .that()
        .resideInAPackage("io.streamtrain.core..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.flink..", "org.apache.kafka..", "org.apache.avro..", "io.streamtrain.avro..",
            "kafka..", "com.fasterxml.jackson..", "picocli..", "com.google.protobuf..")
        .allowEmptyShould(true)
        .check(CLASSES);
  }

  @Test
  void coreDoesNotDependOnOuterLayers() {
    noClasses()
        .that()
        .resideInAPackage("io.streamtrain.core..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.streamtrain.flink..", "io.streamtrain.cli..", "io.streamtrain.io..", "io.streamtrain.local..")
        .allowEmptyShould(true)
        .check(CLASSES);
  }

  /** The embeddable model client runs inside users' services: Kafka and the core, never Flink or the CLI. */
  @Test
  void modelClientHasNoFlinkDependency() {
    noClasses()
        .that()
        .resideInAPackage("io.streamtrain.client..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.flink..", "io.streamtrain.flink..", "io.streamtrain.cli..",
            "io.streamtrain.local..", "io.streamtrain.replay..", "picocli..")
        .check(CLASSES);
  }

  /** The ONNX exporter is the core plus the protobuf runtime: no Flink, Kafka or Avro, usable from any service. */
  @Test
  void exporterHasNoFlinkKafkaOrAvroDependency() {
    noClasses()
        .that()
        .resideInAPackage("io.streamtrain.export..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.flink..", "org.apache.kafka..", "org.apache.avro..", "kafka..",
            "io.streamtrain.avro..", "io.streamtrain.io..", "io.streamtrain.flink..", "io.streamtrain.cli..",
            "io.streamtrain.local..", "io.streamtrain.client..", "io.streamtrain.replay..", "picocli..")
        .check(CLASSES);
  }

  /** No two top-level packages depend on each other, directly or through others. */
  @Test
  void topLevelPackagesHaveNoCycles() {
    com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices()
        .matching("io.streamtrain.(*)..")
        .should()
        .beFreeOfCycles()
        .check(CLASSES);
  }

  /**
   * One way down: cli -> replay, dashboard -> flink -> io, job, client, local -> avro, core. A layer may use the
   * layers below it, never those above.
   */
  /** Nor do the packages inside core, flink and io (e.g. core.data uses core.feature, never the other way). */
  @Test
  void subpackagesHaveNoCycles() {
    for (String top : new String[] {"core", "flink", "io"}) {
      com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices()
          .matching("io.streamtrain." + top + ".(*)..")
          .should().beFreeOfCycles()
          .check(CLASSES);
    }
  }

  @Test
  void dependenciesPointOneWayDown() {
    String[][] forbidden = {
        {"io.streamtrain.replay..", "io.streamtrain.cli.."},
        {"io.streamtrain.dashboard..", "io.streamtrain.cli.."},
        {"io.streamtrain.flink..", "io.streamtrain.cli.."},
        {"io.streamtrain.flink..", "io.streamtrain.replay.."},
        {"io.streamtrain.flink..", "io.streamtrain.dashboard.."},
        {"io.streamtrain.io..", "io.streamtrain.flink.."},
        {"io.streamtrain.io..", "io.streamtrain.replay.."},
        {"io.streamtrain.io..", "io.streamtrain.cli.."},
        {"io.streamtrain.job..", "io.streamtrain.flink.."},
        {"io.streamtrain.job..", "io.streamtrain.replay.."},
        {"io.streamtrain.job..", "io.streamtrain.cli.."},
        {"io.streamtrain.local..", "io.streamtrain.flink.."},
        {"io.streamtrain.local..", "io.streamtrain.replay.."},
        {"io.streamtrain.local..", "io.streamtrain.cli.."},
        {"io.streamtrain.avro..", "io.streamtrain.io.."},
    };
    for (String[] f : forbidden) {
      noClasses().that().resideInAPackage(f[0]).should().dependOnClassesThat().resideInAPackage(f[1])
          .allowEmptyShould(true).check(CLASSES);
    }
  }
}
