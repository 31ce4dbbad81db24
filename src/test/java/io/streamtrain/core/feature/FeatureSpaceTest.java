package io.streamtrain.core.feature;

import io.streamtrain.core.data.Validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * Feature hashing is MurmurHash3 x86_32 exactly (published test vectors), the signed slots follow the documented
 * recipe, vectorization merges collisions, and every reject reason fires for the sample it describes.
 */
class FeatureSpaceTest {

  static int h(String s, int seed) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return MurmurHash3.hash32(b, 0, b.length, seed);
  }

  @Test
  void murmurMatchesPublishedVectors() {
    assertThat(h("", 0)).isEqualTo(0);
    assertThat(h("", 1)).isEqualTo(0x514E28B7);
    assertThat(h("", 0xffffffff)).isEqualTo(0x81F16F39);
    assertThat(h("test", 0)).isEqualTo(0xBA6BD213);
    assertThat(h("Hello, world!", 1234)).isEqualTo(0xFAF6CDB3);
    assertThat(h("The quick brown fox jumps over the lazy dog", 0)).isEqualTo(0x2E4FF723);
    assertThat(h("aaaa", 0x9747b28c)).isEqualTo(0x5A97808A);
    assertThat(h("Hello, world!", 0x9747b28c)).isEqualTo(0x24884CBA);
    assertThat(h("The quick brown fox jumps over the lazy dog", 0x9747b28c)).isEqualTo(0x2FA826CD);
  }

  @Property(tries = 300)
  void streamingUtf8HashEqualsHashOfEncodedBytes(@ForAll String name, @ForAll String value) {
    long both = MurmurHash3.hashUtf8(name, value, 0, 1);
    String key = name + "=" + value;
    assertThat((int) (both >>> 32)).isEqualTo(h(key, 0));
    assertThat((int) both).isEqualTo(h(key, 1));
    long onlyName = MurmurHash3.hashUtf8(name, null, 7, 9);
    assertThat((int) (onlyName >>> 32)).isEqualTo(h(name, 7));
    assertThat((int) onlyName).isEqualTo(h(name, 9));
  }

  @Property(tries = 300)
  void hashOfEncodedBytesEqualsHashOfStringsAndTwoSeedsEqualOne(@ForAll String name, @ForAll String value,
      @ForAll int seedA, @ForAll int seedB) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    MurmurHash3.Utf8Hasher hasher = new MurmurHash3.Utf8Hasher();
    // Offsets inside bigger arrays, as a decoder hands them over.
    byte[] buf = new byte[n.length + v.length + 7];
    System.arraycopy(n, 0, buf, 3, n.length);
    System.arraycopy(v, 0, buf, 3 + n.length + 2, v.length);
    assertThat(hasher.hash(buf, 3, n.length, buf, 5 + n.length, v.length, seedA, seedB))
        .isEqualTo(hasher.hash(name, value, seedA, seedB));
    assertThat(hasher.hash(buf, 3, n.length, null, 0, -1, seedA, seedB)).isEqualTo(hasher.hash(name, null, seedA, seedB));
    long two = MurmurHash3.hash32x2(buf, 3, n.length, seedA, seedB);
    assertThat((int) (two >>> 32)).isEqualTo(MurmurHash3.hash32(buf, 3, n.length, seedA));
    assertThat((int) two).isEqualTo(MurmurHash3.hash32(buf, 3, n.length, seedB));
  }

  @Test
  void hashedColumnAndSignFollowTheDocumentedRecipe() {
    FeatureSpace fs = FeatureSpace.of(2, 3, 10);
    int slot = Integer.remainderUnsigned(h("country=fr", 0), 1 << 10);
    assertThat(fs.hashedColumn("country", "fr")).isEqualTo(2 + 3 + slot);
    assertThat(fs.hashedSign("country", "fr")).isEqualTo(h("country=fr", 1) >= 0 ? 1.0 : -1.0);
    assertThat(fs.hashedColumn("age", null)).isEqualTo(5 + Integer.remainderUnsigned(h("age", 0), 1024));
    assertThat(fs.inputDim()).isEqualTo(2 + 3 + 1024);
  }

  @Test
  void signsAreBalancedAcrossKeys() {
    FeatureSpace fs = FeatureSpace.of(0, 0, 4);
    int plus = 0;
    for (int i = 0; i < 10_000; i++) {
      plus += fs.hashedSign("f", Integer.toString(i)) > 0 ? 1 : 0;
    }
    assertThat(plus).isBetween(4700, 5300);
  }

  @Test
  void batchVectorizesDenseSparseAndHashedFieldsMergingCollisions() {
    FeatureSpace fs = FeatureSpace.of(2, 5, 1);
    Batch b = new Batch(fs, 2);
    Example e = new Example();
    e.setDense(new double[] {1.5, -2}, 2).addSparse(3, 0.5).addSparse(0, 2.0).addSparse(3, 0.25);
    // With one hash bit only two slots exist: three fields must collide somewhere, and collisions add up.
    e.addCategorical("a", "x").addCategorical("b", "y").addNumeric("n", 4.0).setLabel(1).setWeight(2);
    b.add(e);
    double[] expected = new double[fs.inputDim()];
    expected[0] = 1.5;
    expected[1] = -2;
    expected[2 + 3] += 0.75;
    expected[2 + 0] += 2.0;
    expected[fs.hashedColumn("a", "x")] += fs.hashedSign("a", "x");
    expected[fs.hashedColumn("b", "y")] += fs.hashedSign("b", "y");
    expected[fs.hashedColumn("n", null)] += 4.0 * fs.hashedSign("n", null);
    double[] actual = new double[fs.inputDim()];
    actual[0] = b.dense()[0];
    actual[1] = b.dense()[1];
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (int q = b.rowPtr()[0]; q < b.rowPtr()[1]; q++) {
      assertThat(seen.add(b.colIdx()[q])).as("no duplicate columns").isTrue();
      actual[b.colIdx()[q]] += b.colVal()[q];
    }
    assertThat(actual).containsExactly(expected);
    assertThat(b.label(0)).isEqualTo(1.0);
    assertThat(b.weight(0)).isEqualTo(2.0);
    int[] colsBefore = b.colIdx();
    b.clear();
    b.add(e);
    b.add(e);
    assertThat(b.colIdx()).as("no reallocation for rows of the same shape").isSameAs(colsBefore);
    assertThat(b.isFull()).isTrue();
    assertThatThrownBy(() -> b.add(e)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void validateNamesEachReason() {
    FeatureSpace fs = FeatureSpace.of(2, 3, 4).withTarget(Target.CLASSES, 3);
    Example ok = new Example().setDense(new double[] {1, 2}, 2).addSparse(2, 1.0).addCategorical("c", "v")
        .addNumeric("n", 1.0).setLabel(2);
    assertThat(Validation.check(fs, ok)).isEqualTo(RejectReason.OK);
    assertThat(Validation.check(fs, new Example().copyFrom(ok).setWeight(-1))).isEqualTo(RejectReason.INVALID_WEIGHT);
    assertThat(Validation.check(fs, new Example().copyFrom(ok).setWeight(Double.NaN))).isEqualTo(RejectReason.INVALID_WEIGHT);
    assertThat(Validation.check(fs, new Example().copyFrom(ok).setLabel(Double.NaN))).isEqualTo(RejectReason.NON_FINITE_LABEL);
    assertThat(Validation.check(fs, new Example().copyFrom(ok).setLabel(3))).isEqualTo(RejectReason.LABEL_OUT_OF_RANGE);
    assertThat(Validation.check(fs, new Example().copyFrom(ok).setLabel(1.5))).isEqualTo(RejectReason.LABEL_OUT_OF_RANGE);
    assertThat(Validation.check(fs, new Example().setLabel(1))).isEqualTo(RejectReason.EMPTY_FEATURES);
    assertThat(Validation.check(fs, new Example().copyFrom(ok).addDense(3))).isEqualTo(RejectReason.DENSE_LENGTH_MISMATCH);
    assertThat(Validation.check(fs, new Example().copyFrom(ok).addSparse(3, 1))).isEqualTo(RejectReason.SPARSE_INDEX_OUT_OF_RANGE);
    assertThat(Validation.check(fs, new Example().copyFrom(ok).addSparse(-1, 1))).isEqualTo(RejectReason.SPARSE_INDEX_OUT_OF_RANGE);
    assertThat(Validation.check(fs, new Example().copyFrom(ok).addCategorical("c", null))).isEqualTo(RejectReason.MALFORMED_FIELD);
    assertThat(Validation.check(fs, new Example().copyFrom(ok).addSparse(1, Double.POSITIVE_INFINITY)))
        .isEqualTo(RejectReason.NON_FINITE_FEATURE);
    Example nanDense = new Example().copyFrom(ok);
    nanDense.denseValues()[0] = Double.NaN;
    assertThat(Validation.check(fs, nanDense)).isEqualTo(RejectReason.NON_FINITE_FEATURE);
    assertThat(Validation.check(fs, new Example().copyFrom(ok).addNumeric("m", Double.NaN))).isEqualTo(RejectReason.NON_FINITE_FEATURE);
    FeatureSpace binary = FeatureSpace.dense(1).withTarget(Target.BINARY, 2);
    assertThat(Validation.check(binary, Example.dense(new double[] {1}, 1))).isEqualTo(RejectReason.OK);
    assertThat(Validation.check(binary, Example.dense(new double[] {1}, 0.5))).isEqualTo(RejectReason.LABEL_OUT_OF_RANGE);
    assertThat(Validation.check(binary, new Example().addDense(1).addCategorical("a", "b")))
        .isEqualTo(RejectReason.NAMED_FIELDS_NOT_ACCEPTED);
    assertThat(Validation.check(FeatureSpace.dense(1), Example.dense(new double[] {1}, -7.5))).isEqualTo(RejectReason.OK);
  }

  @Test
  void copyFromIsDeep() {
    Example a = new Example().setModelId("m").setEventTime(42).setDense(new double[] {1, 2}, 2).addSparse(1, 3)
        .addCategorical("c", "v").addNumeric("n", 5).setLabel(1).setWeight(0.5);
    Example b = new Example().copyFrom(a);
    a.denseValues()[0] = 99;
    a.clear();
    assertThat(b.modelId()).isEqualTo("m");
    assertThat(b.eventTime()).isEqualTo(42);
    assertThat(b.denseValue(0)).isEqualTo(1);
    assertThat(b.sparseIndex(0)).isEqualTo(1);
    assertThat(b.categoricalValue(0)).isEqualTo("v");
    assertThat(b.numericValue(0)).isEqualTo(5);
    assertThat(b.weight()).isEqualTo(0.5);
  }

  @Test
  void specErrorsNameKeyValueAndAllowed() {
    assertThat(FeatureSpace.fromSpec(new SpecReader("features", Map.of("dense", 3, "hash_bits", 20))).inputDim())
        .isEqualTo(3 + (1 << 20));
    assertThatThrownBy(() -> FeatureSpace.fromSpec(new SpecReader("features", Map.of("hash_bits", 31))))
        .isInstanceOf(SpecException.class).hasMessageContaining("features.hash_bits").hasMessageContaining("31")
        .hasMessageContaining("[0, 30]");
    assertThatThrownBy(() -> FeatureSpace.fromSpec(new SpecReader("features", Map.of("dense", 0))))
        .isInstanceOf(SpecException.class).hasMessageContaining("declares no input");
    assertThatThrownBy(() -> FeatureSpace.fromSpec(new SpecReader("features", Map.of("dens", 2))))
        .isInstanceOf(SpecException.class).hasMessageContaining("features.dens");
  }
}
