package io.streamtrain.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.core.feature.FeatureSpace;
import io.streamtrain.core.feature.MurmurHash3;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The example codec with named fields hashed where samples are validated: the hashed form round-trips, a batch built
 * from it equals, entry for entry, the batch built from the named fields (the slots and signs of Batch.add, in the
 * same order), and bytes in the form written before hashed fields existed still read as they were.
 */
class ExampleCodecTest {
  static Example named() {
    Example e = new Example().setModelId("m").setEventTime(42L).setLabel(1).setWeight(0.5);
    e.addDense(0.25).addSparse(3, -1.5);
    e.addCategorical("site", "news").addCategorical("ad", "a17").addCategorical("site", "news");
    e.addNumeric("amount", 2.5);
    return e;
  }

  static byte[] write(Example e) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ExampleCodec.INSTANCE.write(e, new DataOutputStream(bytes));
    return bytes.toByteArray();
  }

  static Example read(byte[] b) throws Exception {
    Example e = new Example();
    ExampleCodec.INSTANCE.read(new DataInputStream(new ByteArrayInputStream(b)), e);
    return e;
  }

  @Test
  void hashedFieldsRoundTripAndBatchTheSameAsNamedFields() throws Exception {
    FeatureSpace space = FeatureSpace.of(1, 8, 12);
    Example hashed = named().hashNamedFields(space, new MurmurHash3.Utf8Hasher());
    assertThat(hashed.categoricalLength()).isZero();
    assertThat(hashed.numericLength()).isZero();
    assertThat(hashed.hashedLength()).isEqualTo(4);
    assertThat(io.streamtrain.core.data.Validation.check(space, hashed)).isEqualTo(io.streamtrain.core.feature.RejectReason.OK);
    Example back = read(write(hashed));
    assertThat(back.hashedLength()).isEqualTo(4);
    assertThat(back.hashedBits()).isEqualTo(12);
    Batch fromNamed = new Batch(space, 2);
    fromNamed.add(named());
    Batch fromHashed = new Batch(space, 2);
    fromHashed.add(back);
    int n = fromNamed.nnz();
    assertThat(n).isEqualTo(fromHashed.nnz()).isEqualTo(4); // sparse pair + site (merged) + ad + amount
    assertThat(Arrays.copyOf(fromHashed.colIdx(), n)).containsExactly(Arrays.copyOf(fromNamed.colIdx(), n));
    assertThat(Arrays.copyOf(fromHashed.colVal(), n)).containsExactly(Arrays.copyOf(fromNamed.colVal(), n));
    assertThat(fromHashed.dense()[0]).isEqualTo(0.25);
    assertThat(back.label()).isEqualTo(1.0);
    assertThat(back.weight()).isEqualTo(0.5);
    assertThat(back.eventTime()).isEqualTo(42L);
  }

  /** The bytes of an example with named fields, as the codec wrote them before hashed fields existed. */
  @Test
  void slotsWrittenBeforeHashedFieldsReadUnchanged() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeUTF("m");
    out.writeLong(7L);
    out.writeDouble(0.0);
    out.writeDouble(1.0);
    out.writeInt(1);
    out.writeDouble(3.0);
    out.writeInt(0);
    out.writeInt(1);
    out.writeUTF("site");
    out.writeUTF("news");
    out.writeInt(1);
    out.writeUTF("amount");
    out.writeDouble(2.5);
    Example e = read(bytes.toByteArray());
    assertThat(e.hashedLength()).isZero();
    assertThat(e.categoricalLength()).isEqualTo(1);
    assertThat(e.categoricalValue(0)).isEqualTo("news");
    assertThat(e.numericValue(0)).isEqualTo(2.5);
    assertThat(e.denseValue(0)).isEqualTo(3.0);
    assertThat(write(e)).containsExactly(bytes.toByteArray());
  }

  @Test
  void fieldsHashedForAnotherWidthAreRefused() {
    Example e = named().hashNamedFields(FeatureSpace.of(1, 8, 10), new MurmurHash3.Utf8Hasher());
    assertThat(io.streamtrain.core.data.Validation.check(FeatureSpace.of(1, 8, 12), e))
        .isEqualTo(io.streamtrain.core.feature.RejectReason.NAMED_FIELDS_NOT_ACCEPTED);
  }
}
