package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** Batcher state format 2 (adds the samples-added count) round-trips, and a format-1 state reads as fully grown. */
class BatcherStateTest {
  @Test
  void versionTwoRoundTripsAndVersionOneReadsAsGrown() throws Exception {
    BatcherState s = new BatcherState(8, 5);
    s.buffer.add(MiniBatcherFunctionTest.sample("m", 3, 3000).example);
    s.lastEventTime = 3000;
    s.pendingRejected = 2;
    s.configIndex = 1;
    s.added = 41;
    BatcherState.Serializer ser = new BatcherState.Serializer();
    DataOutputSerializer out = new DataOutputSerializer(256);
    ser.serialize(s, out);
    byte[] v2 = out.getCopyOfBuffer();
    BatcherState back = ser.deserialize(new DataInputDeserializer(v2));
    assertThat(back.added).isEqualTo(41);
    assertThat(back.buffer.size()).isEqualTo(1);
    assertThat(back.pendingRejected).isEqualTo(2);
    // Format 1 is format 2 without the trailing count, under version byte 1.
    byte[] v1 = Arrays.copyOf(v2, v2.length - Long.BYTES);
    v1[0] = 1;
    BatcherState old = ser.deserialize(new DataInputDeserializer(v1));
    assertThat(old.added).isEqualTo(Long.MAX_VALUE);
    assertThat(old.configIndex).isEqualTo(1);
    assertThat(old.lastEventTime).isEqualTo(3000);
  }
}
