package io.streamtrain.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LIBSVM/SVMlight parsing: index shift, qid, comments, gzip and every malformed case. */
class LibsvmSampleReaderTest {
  @TempDir Path dir;
  final List<String> problems = new ArrayList<>();

  List<MutableSample> readAll(Path f, boolean zeroBased, ReaderOptions opt) throws IOException {
    List<MutableSample> out = new ArrayList<>();
    try (LibsvmSampleReader r = new LibsvmSampleReader(f, zeroBased, opt, (l, m) -> problems.add(l + ": " + m))) {
      MutableSample s = new MutableSample();
      while (r.next(s)) {
        out.add(MutableSample.fromAvro(s.toAvro(), new MutableSample()));
      }
      assertThat(r.malformed()).isEqualTo(problems.size());
    }
    return out;
  }

  static String sparse(MutableSample s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.sparseSize; i++) {
      sb.append(s.sparseIndices[i]).append(':').append(s.sparseValues[i]).append(' ');
    }
    return sb.toString().trim();
  }

  @Test
  void oneBasedIndicesBecomeZeroBasedAndQidAndCommentsAreIgnored() throws IOException {
    Path f = dir.resolve("a.svm");
    Files.writeString(f, "# header comment\n+1 1:0.5 3:-2 10:1e-3 # trailing\n\n-1 qid:7 2:4\n0\n");
    List<MutableSample> s = readAll(f, false, ReaderOptions.defaults().withLabelType(LabelType.BINARY));
    assertThat(s).hasSize(3);
    assertThat(sparse(s.get(0))).isEqualTo("0:0.5 2:-2.0 9:0.001");
    assertThat(s.get(0).labelValue()).isEqualTo(true);
    assertThat(sparse(s.get(1))).isEqualTo("1:4.0");
    assertThat(s.get(1).labelValue()).isEqualTo(false);
    assertThat(s.get(2).sparseSize).as("a sample with no features is allowed").isZero();
    assertThat(Arrays.copyOf(s.get(2).dense, s.get(2).denseSize)).isEmpty();
    assertThat(problems).isEmpty();
  }

  @Test
  void zeroBasedFilesKeepTheirIndices() throws IOException {
    Path f = dir.resolve("b.txt");
    Files.writeString(f, "2.5 0:1 4:2\n");
    List<MutableSample> s = readAll(f, true, ReaderOptions.defaults());
    assertThat(sparse(s.get(0))).isEqualTo("0:1.0 4:2.0");
    assertThat(s.get(0).labelValue()).isEqualTo(2.5);
  }

  @Test
  void malformedLinesAreReportedWithLineNumbers() throws IOException {
    Path f = dir.resolve("c.svm");
    Files.writeString(
        f,
        "1 1:1\n" // 1 ok
            + "1 0:1\n" // 2 index 0 in a 1-based file
            + "1 3:1 2:1\n" // 3 decreasing
            + "1 2:1 2:5\n" // 4 repeated
            + "1 2=1\n" // 5 not index:value
            + "1 x:1\n" // 6 bad index
            + "1 2:NaN\n" // 7 non-finite
            + "abc 1:1\n" // 8 bad label
            + "1 99999999999:1\n" // 9 index too large
            + "0 5:2\n"); // 10 ok
    List<MutableSample> s = readAll(f, false, ReaderOptions.defaults());
    assertThat(s).hasSize(2);
    assertThat(problems)
        .containsExactly(
            "2: index 0 is out of range (1-based indices)",
            "3: index 2 is not greater than the previous index (indices must be strictly increasing)",
            "4: index 2 is not greater than the previous index (indices must be strictly increasing)",
            "5: token \"2=1\" is not index:value",
            "6: index \"x\" is not an integer",
            "7: value \"NaN\" of index 2 is not a finite number",
            "8: label \"abc\" is not a finite number (words need --label-map WORD=VALUE,... or --label-map auto)",
            "9: index 99999999999 is out of range (1-based indices)");
  }

  @Test
  void gzipInput() throws IOException {
    Path f = dir.resolve("d.svm.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
      out.write("1 1:2 2:3\n".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(sparse(readAll(f, false, ReaderOptions.defaults()).get(0))).isEqualTo("0:2.0 1:3.0");
  }
}
