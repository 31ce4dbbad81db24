package io.streamtrain.flink.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.ModelSpec;
import io.streamtrain.io.ParameterChecksum;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.SnapshotParts;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The keyed version assembler: a version split into parts is emitted once, complete and with its parameters bit for
 * bit, also when a checkpoint falls between its parts and the job restores from it; a part published again, an
 * older version and a version whose parameters fail their checksum emit nothing.
 */
class VersionAssemblerTest {
  static final int N = SnapshotParts.PART_PARAMETERS * 2 + 1000; // three parts

  static KeyedOneInputStreamOperatorTestHarness<String, ModelSnapshot, ModelSnapshot> harness() throws Exception {
    var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new VersionAssembler()),
        ModelSnapshot::getModelId, Types.STRING);
    h.setup(new AvroSerializer<>(ModelSnapshot.class));
    return h;
  }

  static double[] params(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] p = new double[N];
    for (int i = 0; i < N; i++) {
      p[i] = r.nextGaussian();
    }
    return p;
  }

  static List<ModelSnapshot> parts(long version, double[] params, long checksum) {
    ModelSnapshot head = ModelSnapshot.newBuilder().setModelId("big").setVersion(version).setStep(version * 10)
        .setSpec(new ModelSpec("logistic", List.of(), "{}", "{}")).setChecksum(checksum).build();
    List<ModelSnapshot> out = new ArrayList<>();
    SnapshotParts.split(head, params, out::add);
    return out;
  }

  static List<ModelSnapshot> emitted(KeyedOneInputStreamOperatorTestHarness<String, ModelSnapshot, ModelSnapshot> h) {
    List<ModelSnapshot> out = new ArrayList<>();
    for (Object o : h.getOutput()) {
      if (o instanceof StreamRecord<?> r) {
        out.add((ModelSnapshot) r.getValue());
      }
    }
    return out;
  }

  static double[] whole(ModelSnapshot s) {
    SnapshotAssembler a = new SnapshotAssembler(id -> true, null);
    a.add(s);
    return a.complete().get(s.getModelId()).parameters();
  }

  @Test
  void aVersionWhosePartsStraddleACheckpointIsEmittedOnceAfterTheRestore() throws Exception {
    double[] p1 = params(1);
    List<ModelSnapshot> v1 = parts(1, p1, ParameterChecksum.of(p1));
    assertThat(v1).hasSize(3);
    OperatorSubtaskState snap;
    try (var h = harness()) {
      h.open();
      h.processElement(v1.get(0), 0);
      h.processElement(v1.get(1), 0);
      assertThat(emitted(h)).isEmpty();
      snap = h.snapshot(1, 0);
    }
    try (var h = harness()) {
      h.initializeState(snap);
      h.open();
      h.processElement(v1.get(2), 0);
      List<ModelSnapshot> out = emitted(h);
      assertThat(out).hasSize(1);
      assertThat(out.get(0).getVersion()).isEqualTo(1);
      assertThat(out.get(0).getStep()).isEqualTo(10);
      assertThat(out.get(0).getParts()).isEqualTo(1);
      assertThat(out.get(0).getParameterCount()).isEqualTo(N);
      double[] got = whole(out.get(0));
      for (int i = 0; i < N; i++) {
        assertThat(Double.doubleToRawLongBits(got[i])).isEqualTo(Double.doubleToRawLongBits(p1[i]));
      }
      // Republished parts of version 1: nothing new.
      h.processElement(v1.get(0), 0);
      h.processElement(v1.get(2), 0);
      assertThat(emitted(h)).hasSize(1);
      // Version 3 whose parameters do not match their checksum: never emitted; version 2 out of order: emitted.
      double[] p3 = params(3);
      for (ModelSnapshot s : parts(3, p3, ParameterChecksum.of(p3) ^ 1)) {
        h.processElement(s, 0);
      }
      assertThat(emitted(h)).hasSize(1);
      double[] p2 = params(2);
      List<ModelSnapshot> v2 = parts(2, p2, ParameterChecksum.of(p2));
      h.processElement(v2.get(2), 0);
      h.processElement(v2.get(0), 0);
      assertThat(emitted(h)).hasSize(1);
      h.processElement(v2.get(1), 0);
      out = emitted(h);
      assertThat(out).hasSize(2);
      assertThat(out.get(1).getVersion()).isEqualTo(2);
      assertThat(whole(out.get(1))[N - 1]).isEqualTo(p2[N - 1]);
      // An older version arriving late (a topic read from its start before compaction) emits nothing.
      for (ModelSnapshot s : v1) {
        h.processElement(s, 0);
      }
      assertThat(emitted(h)).hasSize(2);
    }
  }
}
