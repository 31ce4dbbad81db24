package io.streamtrain.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.core.SpecException;
import io.streamtrain.io.CsvSampleReader.Columns;
import io.streamtrain.io.ReaderOptions.MissingPolicy;
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

/** Every CSV reader option and error, with expected values written out by hand. */
class CsvSampleReaderTest {
  @TempDir Path dir;
  final List<String> problems = new ArrayList<>();

  Path file(String name, String text) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  List<MutableSample> readAll(Path f, Columns cols, ReaderOptions opt) throws IOException {
    List<MutableSample> out = new ArrayList<>();
    try (CsvSampleReader r = new CsvSampleReader(f, cols, opt, (line, reason) -> problems.add(line + ": " + reason))) {
      MutableSample s = new MutableSample();
      while (r.next(s)) {
        out.add(MutableSample.fromAvro(s.toAvro(), new MutableSample()));
      }
      assertThat(r.malformed()).isEqualTo(problems.size());
    }
    return out;
  }

  static double[] dense(MutableSample s) {
    return Arrays.copyOf(s.dense, s.denseSize);
  }

  @Test
  void theLastColumnIsTheLabelByDefaultAndTheRestAreDenseInOrder() throws IOException {
    Path f = file("a.csv", "x1,x2,y\n1.5,-2,1\n\n0,3e2,0\n");
    List<MutableSample> s = readAll(f, Columns.defaults(), ReaderOptions.defaults());
    assertThat(s).hasSize(2);
    assertThat(dense(s.get(0))).containsExactly(1.5, -2.0);
    assertThat(s.get(0).labelValue()).isEqualTo(1.0);
    assertThat(dense(s.get(1))).containsExactly(0.0, 300.0);
    assertThat(s.get(1).labelValue()).isEqualTo(0.0);
    assertThat(s.get(0).eventTime).isEqualTo(ReaderOptions.DEFAULT_START_TIME);
    assertThat(s.get(1).eventTime).isEqualTo(ReaderOptions.DEFAULT_START_TIME + 1);
    assertThat(s.get(0).modelId).isEqualTo("default");
    assertThat(problems).isEmpty();
  }

  @Test
  void hashedNumericSendsNumericColumnsAsNamedFieldsNextToCategoricalOnes() throws IOException {
    Path f = file("h.csv", "age,city,income,y\n31,Oslo,5.5e4,1\n,Rome,0.5,0\n");
    Columns cols = Columns.defaults().withCategorical(List.of("city")).withHashedNumeric(true);
    List<MutableSample> s = readAll(f, cols, ReaderOptions.defaults().withMissing(ReaderOptions.MissingPolicy.ZERO));
    assertThat(s).hasSize(2);
    assertThat(s.get(0).denseSize).isZero();
    assertThat(Arrays.copyOf(s.get(0).numericNames, s.get(0).numericSize)).containsExactly("age", "income");
    assertThat(Arrays.copyOf(s.get(0).numericValues, s.get(0).numericSize)).containsExactly(31.0, 55000.0);
    assertThat(Arrays.copyOf(s.get(0).categoricalValues, s.get(0).categoricalSize)).containsExactly("Oslo");
    // The missing age, filled in as 0 by the zero policy, is still sent under its name.
    assertThat(Arrays.copyOf(s.get(1).numericValues, s.get(1).numericSize)).containsExactly(0.0, 0.5);
    assertThat(problems).isEmpty();
  }

  @Test
  void labelByNameCategoricalIgnoredKeyAndTimeColumns() throws IOException {
    Path f =
        file(
            "b.csv",
            "id,country,y,price,device,ts,user\n7,NL,true,9.5,ios,1000,u1\n8,,false,1,android,2000,\n");
    Columns cols =
        Columns.defaults()
            .withLabel("y")
            .withCategorical(List.of("country", "device"))
            .withIgnore(List.of("id"))
            .withKey("user")
            .withTime("ts");
    ReaderOptions opt = ReaderOptions.defaults().withModelId("ctr");
    List<MutableSample> s = readAll(f, cols, opt);
    assertThat(s).hasSize(2);
    MutableSample a = s.get(0);
    assertThat(dense(a)).containsExactly(9.5);
    assertThat(a.labelValue()).isEqualTo(true);
    assertThat(a.categoricalSize).isEqualTo(2);
    assertThat(a.categoricalNames[0] + "=" + a.categoricalValues[0]).isEqualTo("country=NL");
    assertThat(a.categoricalNames[1] + "=" + a.categoricalValues[1]).isEqualTo("device=ios");
    assertThat(a.key).isEqualTo("u1");
    assertThat(a.eventTime).isEqualTo(1000);
    assertThat(a.modelId).isEqualTo("ctr");
    MutableSample b = s.get(1);
    assertThat(b.categoricalSize).as("an empty categorical cell leaves the field out").isEqualTo(1);
    assertThat(b.categoricalValues[0]).isEqualTo("android");
    assertThat(b.key).isNull();
    assertThat(b.eventTime).isEqualTo(2000);
    assertThat(b.labelValue()).isEqualTo(false);
  }

  @Test
  void quotedCellsTabsAndAByteOrderMark() throws IOException {
    Path f = file("c.tsv", "\uFEFFa\tname\tlabel\n1\t\"x \"\"quoted\"\", y\"\t2\n");
    Columns cols = Columns.defaults().withDelimiter('\t').withCategorical(List.of("name"));
    List<MutableSample> s = readAll(f, cols, ReaderOptions.defaults());
    assertThat(s).hasSize(1);
    assertThat(s.get(0).categoricalValues[0]).isEqualTo("x \"quoted\", y");
    assertThat(dense(s.get(0))).containsExactly(1.0);
    Path q = file("q.csv", "a,b\n\"1.25\",3\n");
    assertThat(dense(readAll(q, Columns.defaults(), ReaderOptions.defaults()).get(0))).containsExactly(1.25);
  }

  @Test
  void malformedLinesAreReportedWithTheirLineNumbersAndNeverCoerced() throws IOException {
    Path f =
        file(
            "d.csv",
            "a,b,y\n"
                + "1,2,0\n" // 2 ok
                + "1,x,1\n" // 3 not a number
                + "1,2\n" // 4 too few
                + "1,2,3,4\n" // 5 too many
                + "1,\"2,1\n" // 6 unbalanced quote
                + "1,NaN,1\n" // 7 missing (NaN counts as missing)
                + "1,Infinity,1\n" // 8 not finite
                + "1,2,\n" // 9 missing label
                + "1,2,abc\n" // 10 bad label
                + "1,1e999,0\n" // 11 overflows
                + "4,5,1\n"); // 12 ok
    List<MutableSample> s = readAll(f, Columns.defaults(), ReaderOptions.defaults());
    assertThat(s).hasSize(2);
    assertThat(dense(s.get(1))).containsExactly(4.0, 5.0);
    assertThat(s.get(1).eventTime).as("event times count well-formed samples").isEqualTo(ReaderOptions.DEFAULT_START_TIME + 1);
    assertThat(problems)
        .containsExactly(
            "3: column \"b\": \"x\" is not a finite number",
            "4: expected 3 cells as in the header, found 2",
            "5: expected 3 cells as in the header, found more",
            "6: unbalanced quote (a quoted cell may not span lines)",
            "7: missing value in column \"b\" (policy reject; see --missing)",
            "8: column \"b\": \"Infinity\" is not a finite number",
            "9: missing label in column \"y\"",
            "10: column \"y\": label \"abc\" is not a finite number (words need --label-map WORD=VALUE,... or --label-map auto)",
            "11: column \"b\": \"1e999\" is not a finite number");
  }

  @Test
  void missingValuePolicies() throws IOException {
    String text = "a,b,y\n1,,0\n3,10,0\nNA,20,1\n?,,1\n";
    Path f = file("e.csv", text);
    List<MutableSample> zero = readAll(f, Columns.defaults(), ReaderOptions.defaults().withMissing(MissingPolicy.ZERO));
    assertThat(zero).extracting(CsvSampleReaderTest::dense)
        .containsExactly(new double[] {1, 0}, new double[] {3, 10}, new double[] {0, 20}, new double[] {0, 0});
    // mean: the running mean of the earlier values actually present in the column (0 before any).
    List<MutableSample> mean = readAll(f, Columns.defaults(), ReaderOptions.defaults().withMissing(MissingPolicy.MEAN));
    assertThat(mean).extracting(CsvSampleReaderTest::dense)
        .containsExactly(new double[] {1, 0}, new double[] {3, 10}, new double[] {2, 20}, new double[] {2, 15});
    problems.clear();
    List<MutableSample> reject = readAll(f, Columns.defaults(), ReaderOptions.defaults());
    assertThat(reject).hasSize(1);
    assertThat(problems).hasSize(3);
  }

  @Test
  void labelTypes() throws IOException {
    Path f = file("f.csv", "a,y\n1,1\n2,-1\n3,0\n4,2\n5,true\n");
    List<Object> binary = new ArrayList<>();
    readAll(f, Columns.defaults(), ReaderOptions.defaults().withLabelType(LabelType.BINARY)).forEach(s -> binary.add(s.labelValue()));
    assertThat(binary).containsExactly(true, false, false, true);
    assertThat(problems).containsExactly("5: column \"y\": label \"2\" is not binary (allowed: 1, +1, true, yes, y, 0, -1, false, no, n)");
    problems.clear();
    List<Object> cls = new ArrayList<>();
    readAll(f, Columns.defaults(), ReaderOptions.defaults().withLabelType(LabelType.CLASS)).forEach(s -> cls.add(s.labelValue()));
    assertThat(cls).containsExactly(1, 0, 2);
    assertThat(problems).hasSize(2);
    problems.clear();
    List<Object> auto = new ArrayList<>();
    readAll(f, Columns.defaults(), ReaderOptions.defaults()).forEach(s -> auto.add(s.labelValue()));
    assertThat(auto).containsExactly(1.0, -1.0, 0.0, 2.0, true);
    assertThatThrownBy(() -> LabelType.parse("ordinal")).isInstanceOf(SpecException.class)
        .hasMessage("--label-type: \"ordinal\" is not allowed; allowed: auto, real, binary, class");
  }

  @Test
  void yesNoWordsAreBinaryInAnyCaseAndOtherWordsGoThroughALabelMap() throws IOException {
    Path f = file("yn.csv", "a,y\n1,yes\n2,NO\n3,Y\n4,n\n5,True\n");
    List<Object> auto = new ArrayList<>();
    readAll(f, Columns.defaults(), ReaderOptions.defaults()).forEach(s -> auto.add(s.labelValue()));
    assertThat(auto).containsExactly(true, false, true, false, true);
    List<Object> binary = new ArrayList<>();
    readAll(f, Columns.defaults(), ReaderOptions.defaults().withLabelType(LabelType.BINARY))
        .forEach(s -> binary.add(s.labelValue()));
    assertThat(binary).containsExactly(true, false, true, false, true);
    assertThat(problems).isEmpty();

    Path words = file("w.csv", "a,kind\n1,spam\n2,nonspam\n3,ham\n4,spam\n");
    List<Object> mapped = new ArrayList<>();
    readAll(words, Columns.defaults().withLabelMap(LabelMap.parse("--label-map", "spam=1, nonspam=0")),
        ReaderOptions.defaults()).forEach(s -> mapped.add(s.labelValue()));
    assertThat(mapped).containsExactly(1.0, 0.0, 1.0);
    assertThat(problems).containsExactly(
        "4: column \"kind\": label \"ham\" is not in --label-map (allowed: spam, nonspam)");
    problems.clear();

    LabelMap auto2 = LabelMap.parse("--label-map", "auto");
    List<Object> indexed = new ArrayList<>();
    readAll(words, Columns.defaults().withLabelMap(auto2), ReaderOptions.defaults().withLabelType(LabelType.CLASS))
        .forEach(s -> indexed.add(s.labelValue()));
    assertThat(indexed).containsExactly(0, 1, 2, 0);
    assertThat(auto2.describe()).isEqualTo("spam=0,nonspam=1,ham=2");

    assertThatThrownBy(() -> LabelMap.parse("--label-map", "spam=1,spam=0")).isInstanceOf(SpecException.class)
        .hasMessageContaining("\"spam\" is mapped twice");
    assertThatThrownBy(() -> LabelMap.parse("--label-map", "spam")).isInstanceOf(SpecException.class)
        .hasMessageContaining("allowed: auto, or WORD=VALUE pairs");
  }

  @Test
  void aWeightColumnSetsEachSamplesWeightAndRejectsBadOnes() throws IOException {
    Path f = file("w.csv", "a,w,y\n1,0.5,1\n2,3,0\n3,-1,1\n4,x,0\n5,0,1\n");
    List<MutableSample> s = readAll(f, Columns.defaults().withWeight("w"), ReaderOptions.defaults());
    assertThat(s).extracting(x -> x.weight).containsExactly(0.5, 3.0, 0.0);
    assertThat(s).extracting(x -> x.hasWeight).containsOnly(true);
    assertThat(s).extracting(CsvSampleReaderTest::dense).containsExactly(new double[] {1}, new double[] {2},
        new double[] {5});
    assertThat(problems).containsExactly(
        "4: column \"w\": weight \"-1\" is not a finite number >= 0",
        "5: column \"w\": weight \"x\" is not a finite number >= 0");
    problems.clear();
    List<MutableSample> unweighted = readAll(f, Columns.defaults().withIgnore(List.of("w")), ReaderOptions.defaults());
    assertThat(unweighted).extracting(x -> x.hasWeight).containsOnly(false);
  }

  @Test
  void aBinaryFileIsRefusedAtItsFirstLine() throws IOException {
    Path f = dir.resolve("x.bin");
    Files.write(f, new byte[] {'a', ',', 0, 1, 2, (byte) 0xff, '\n', '1', ',', '2', '\n'});
    assertThatThrownBy(() -> readAll(f, Columns.defaults(), ReaderOptions.defaults()))
        .isInstanceOf(SpecException.class).hasMessageContaining("is not a text CSV file");
  }

  @Test
  void gzipIsRecognisedByItsMagicBytesWhateverTheName() throws IOException {
    Path f = dir.resolve("compressed.data");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
      out.write("a,y\n0.25,1\n0.5,0\n".getBytes(StandardCharsets.UTF_8));
    }
    List<MutableSample> s = readAll(f, Columns.defaults(), ReaderOptions.defaults());
    assertThat(s).extracting(CsvSampleReaderTest::dense).containsExactly(new double[] {0.25}, new double[] {0.5});
  }

  @Test
  void columnErrorsNameTheOptionTheValueAndTheHeader() throws IOException {
    Path f = file("g.csv", "a,b,y\n1,2,3\n");
    assertThatThrownBy(() -> readAll(f, Columns.defaults().withLabel("target"), ReaderOptions.defaults()))
        .isInstanceOf(SpecException.class)
        .hasMessage("--label: \"target\" is not allowed; allowed: a column of the CSV header [a, b, y]");
    assertThatThrownBy(() -> readAll(f, Columns.defaults().withCategorical(List.of("y")), ReaderOptions.defaults()))
        .isInstanceOf(SpecException.class)
        .hasMessageStartingWith("--categorical: \"y\" is not allowed; this column already has another role");
    Path dup = file("h.csv", "a,a,y\n");
    assertThatThrownBy(() -> readAll(dup, Columns.defaults(), ReaderOptions.defaults()))
        .hasMessageContaining("names column \"a\" twice");
    Path empty = file("i.csv", "\n\n");
    assertThatThrownBy(() -> readAll(empty, Columns.defaults(), ReaderOptions.defaults()))
        .hasMessageContaining("the CSV file is empty");
  }

  @Test
  void theRealDatasetReadsCleanly() throws IOException {
    Path f = Path.of("datasets", "breast_cancer.csv");
    List<MutableSample> s = readAll(f, Columns.defaults().withLabel("target"), ReaderOptions.defaults().withLabelType(LabelType.BINARY));
    assertThat(s).hasSize(569);
    assertThat(problems).isEmpty();
    assertThat(s.get(0).denseSize).isEqualTo(30);
    assertThat(s.get(0).dense[0]).isEqualTo(17.99);
    long benign = s.stream().filter(x -> Boolean.TRUE.equals(x.labelValue())).count();
    assertThat(benign).isEqualTo(357);
  }
}
