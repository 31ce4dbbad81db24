package io.streamtrain.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamtrain.avro.Buffer;
import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** consume's snapshot JSON: long vectors summarized with figures computed by hand, short ones in full. */
class SnapshotJsonTest {
  static GenericRecord generic(ModelSnapshot s) {
    return (GenericRecord) GenericData.get().deepCopy(ModelSnapshot.getClassSchema(), s);
  }

  @Test
  void longVectorsAreSummarizedShortOnesPrintInFull() {
    List<Double> twenty = new ArrayList<>();
    for (int k = 1; k <= 20; k++) {
      twenty.add((double) k);
    }
    ModelSnapshot s = ModelSnapshot.newBuilder().setModelId("m")
        .setSpec(new ModelSpec("linear", List.of(), "{}", "{}"))
        .setParameters(twenty)
        .setBuffers(List.of(new Buffer("bn0.running_mean", List.of(1.0, 2.0)), new Buffer("bn0.running_var", twenty)))
        .build();
    JsonNode j = SnapshotJson.summarized(generic(s));
    JsonNode p = j.get("parameters");
    assertThat(p.get("count").asInt()).isEqualTo(20);
    assertThat(p.get("first")).hasSize(8);
    assertThat(p.get("first").get(7).asDouble()).isEqualTo(8.0);
    assertThat(p.get("min").asDouble()).isEqualTo(1.0);
    assertThat(p.get("max").asDouble()).isEqualTo(20.0);
    // 1^2 + ... + 20^2 = 20 * 21 * 41 / 6 = 2870
    assertThat(p.get("l2").asDouble()).isEqualTo(Math.sqrt(2870));
    assertThat(j.get("buffers").get(0).get("values").isArray()).isTrue();
    assertThat(j.get("buffers").get(1).get("values").get("count").asInt()).isEqualTo(20);
    assertThat(j.get("model_id").asText()).isEqualTo("m");
  }

  @Test
  void partBytesAreSummarizedAsTheirDoubles() {
    double[] params = new double[SnapshotParts.PART_PARAMETERS + 3];
    params[SnapshotParts.PART_PARAMETERS + 2] = -4.0;
    params[0] = 3.0;
    List<ModelSnapshot> parts = new ArrayList<>();
    SnapshotParts.split(ModelSnapshot.newBuilder().setModelId("m")
        .setSpec(new ModelSpec("linear", List.of(), "{}", "{}")).setParameters(List.of()).setBuffers(List.of())
        .build(), params, parts::add);
    JsonNode head = SnapshotJson.summarized(generic(parts.get(0))).get("parameter_bytes");
    assertThat(head.get("count").asInt()).isEqualTo(SnapshotParts.PART_PARAMETERS);
    assertThat(head.get("max").asDouble()).isEqualTo(3.0);
    // The last part has 3 values: short enough to print (as base64 bytes, AvroJson's form).
    assertThat(SnapshotJson.summarized(generic(parts.get(1))).get("parameter_bytes").isTextual()).isTrue();
  }
}
