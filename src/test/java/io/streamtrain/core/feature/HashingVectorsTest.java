package io.streamtrain.core.feature;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.data.Example;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The published hashing spec (docs/hashing.md) against its test vectors (docs/hashing-vectors.jsonl, written by an
 * independent Python implementation of MurmurHash3, scripts/fixtures/gen_hash_vectors.py): the key bytes, both
 * hashes, slot and sign of every vector, through each place streamtrain hashes: the feature space, a batch, and
 * the decoder that hashes straight from a record's bytes.
 */
class HashingVectorsTest {
  @Test
  void everyVectorHashesAsPublishedEverywhereStreamtrainHashes() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("docs/hashing-vectors.jsonl"), StandardCharsets.UTF_8);
    assertThat(lines).hasSizeGreaterThanOrEqualTo(20);
    ObjectMapper json = new ObjectMapper();
    SampleCodec codec = new SampleCodec();
    for (String line : lines) {
      JsonNode v = json.readTree(line);
      String name = v.get("name").asText();
      String value = v.get("value").isNull() ? null : v.get("value").asText();
      String key = value == null ? name : name + "=" + value;
      assertThat(HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8))).isEqualTo(v.get("key_utf8_hex").asText());
      long both = MurmurHash3.hashUtf8(name, value, FeatureSpace.INDEX_SEED, FeatureSpace.SIGN_SEED);
      assertThat(Integer.toUnsignedLong((int) (both >>> 32))).as(key).isEqualTo(v.get("index_hash_seed0").asLong());
      assertThat((int) both).as(key).isEqualTo(v.get("sign_hash_seed1_signed").asInt());
      double sign = v.get("sign").asDouble();
      for (var it = v.get("slots").fields(); it.hasNext(); ) {
        var e = it.next();
        int bits = Integer.parseInt(e.getKey());
        int slot = e.getValue().asInt();
        FeatureSpace space = FeatureSpace.of(2, 0, bits);
        assertThat(space.hashedColumn(name, value)).as("%s, %d bits", key, bits).isEqualTo(2 + slot);
        assertThat(space.hashedSign(name, value)).isEqualTo(sign);

        // A batch row: the column after the dense block, the value signed (3.5 for a numeric field).
        Example ex = new Example().setDense(new double[] {0, 0}, 2);
        if (value == null) {
          ex.addNumeric(name, 3.5);
        } else {
          ex.addCategorical(name, value);
        }
        Batch b = new Batch(space, 1);
        b.add(ex);
        assertThat(b.colIdx()[0]).isEqualTo(2 + slot);
        assertThat(b.colVal()[0]).isEqualTo(value == null ? 3.5 * sign : sign);

        // The source's decoder, hashing from the record's UTF-8 bytes.
        MutableSample s = new MutableSample();
        if (value == null) {
          s.addNumeric(name, 3.5);
        } else {
          s.addCategorical(name, value);
        }
        byte[] bytes = codec.encode(s);
        MutableSample d = codec.decode(bytes, 0, bytes.length, new MutableSample(), id -> space);
        assertThat(d.hashedSlots[0]).isEqualTo(slot);
        assertThat(d.hashedValues[0]).isEqualTo(value == null ? 3.5 * sign : sign);
      }
    }
  }
}
