package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.io.CsvSampleReader;
import io.streamtrain.io.LabelMap;
import io.streamtrain.io.LabelType;
import io.streamtrain.io.LibsvmSampleReader;
import io.streamtrain.io.ReaderOptions;
import io.streamtrain.io.ReaderOptions.MissingPolicy;
import io.streamtrain.io.SampleReader;
import io.streamtrain.io.Sidecar;
import io.streamtrain.io.gen.Generators;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The command line of {@code produce} (a picocli mixin, declared in the order the help lists it): where the samples
 * come from, how a CSV or LIBSVM file is read, how records are keyed, paced and encoded. Also turns them into what
 * the run uses, each error naming its option: the reader options, the label map (inline, auto or from a sidecar),
 * the file reader of the chosen format, the sample limit and the generator's parameters.
 */
final class ProduceOptions {

  static final class Source {
    @Option(names = "--from", description = "Input file: CSV with a header, or LIBSVM/SVMlight; .gz or gzip content works.")
    Path from;

    @Option(names = "--generator", description = "Synthetic stream: ${COMPLETION-CANDIDATES}.", completionCandidates = GeneratorNames.class)
    String generator;
  }

  static final class GeneratorNames extends ArrayList<String> {
    GeneratorNames() {
      super(Generators.NAMES);
    }
  }



  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(names = "--format", description = "csv or libsvm (default: libsvm for .svm/.libsvm/.svmlight files, else csv).")
  String format;

  @Option(names = "--label", description = "CSV label column (default: the last column).")
  String label;

  @Option(names = "--categorical", split = ",", description = "CSV columns to send as categorical (hashed) fields.")
  List<String> categorical = new ArrayList<>();

  @Option(names = "--ignore", split = ",", description = "CSV columns to leave out (ids, free text).")
  List<String> ignore = new ArrayList<>();

  @Option(names = "--key-column", description = "CSV column used as the sample key (the Kafka record key only with --partition-by key).")
  String keyColumn;

  @Option(names = "--partition-by", description = "Kafka record key: model (default; the model id, so one model's samples stay in one partition, in order, and training runs are repeatable) or key (the sample key of --key-column; samples without one are spread over the partitions), or round_robin (sample i to partition i mod the partition count, no key: one model over every partition evenly, for data-parallel training, parallel.workers).", defaultValue = "model")
  String partitionBy;

  @Option(names = "--label-map", paramLabel = "WORD=VALUE,...|auto|SIDECAR.json", description = "CSV labels that are words: e.g. spam=1,nonspam=0 (a word not listed makes the line malformed), auto (class indices 0, 1, ... in order of first appearance, printed at the end and written to the sidecar), or a sidecar file written before (the same indices for another file).")
  String labelMap;

  @Option(names = "--standardize", description = "CSV: send each numeric feature column (dense, or named with --hashed-numeric) as (x - mean) / std, with the file's mean and population standard deviation (a first pass over the file); the figures go to the sidecar so replay and scoring apply the same.")
  boolean standardize;

  @Option(names = "--sidecar", paramLabel = "FILE", description = "Where the label map and standardization are written as JSON (default: the input file's path + .sidecar.json; only written with --label-map or --standardize). Replay reads it as source.sidecar.")
  Path sidecar;

  @Option(names = "--hashed-numeric", description = "CSV: send numeric feature columns as named numeric fields (hashed by column name, like --categorical fields) instead of dense positions, for hashed models (features: {hash_bits: N}).")
  boolean hashedNumeric;

  @Option(names = "--shuffle", paramLabel = "SEED", description = "Send the file's rows in a seeded random order (for files sorted by class), within a window of --shuffle-window rows; event times follow the sending order.")
  Long shuffle;

  @Option(names = "--shuffle-window", paramLabel = "ROWS", description = "Rows held for --shuffle (default ${DEFAULT-VALUE}; memory grows with it; at least the row count for a full shuffle).", defaultValue = "100000")
  int shuffleWindow;

  @Option(names = "--strict", description = "Stop at the first malformed line and exit 1 (default: report, count and skip it).")
  boolean strict;

  @Option(names = "--weight-column", description = "CSV column holding each sample's weight (a finite number >= 0; default: every sample weighs 1).")
  String weightColumn;

  @Option(names = "--time-column", description = "CSV column holding the event time in epoch milliseconds.")
  String timeColumn;

  @Option(names = "--delimiter", description = "CSV delimiter (default ','; 'tab' for tabs).", defaultValue = ",")
  String delimiter;

  @Option(names = "--missing", description = "Missing numeric CSV values: reject (default; the line is malformed), zero, mean (running mean of earlier rows).", defaultValue = "reject")
  String missing;

  @Option(names = "--label-type", description = "auto (default: true/false, yes/no, y/n binary, numbers real), real, binary (1/+1/true/yes/y vs 0/-1/false/no/n), class (integer index).", defaultValue = "auto")
  String labelType;

  @Option(names = "--zero-based", description = "LIBSVM indices start at 0 (default: 1-based, as the format defines).")
  boolean zeroBased;

  @Option(names = "--model-id", description = "Model id written into every sample (default ${DEFAULT-VALUE}).", defaultValue = "default")
  String modelId;

  @Option(names = "--start-time", description = "Event time of the first sample, epoch ms (default 2026-01-01T00:00:00Z); sample i gets start + i * step.")
  Long startTime;

  @Option(names = "--time-step-ms", description = "Event-time step between samples in ms (default ${DEFAULT-VALUE}).", defaultValue = "1")
  long timeStepMs;

  @Option(names = "--count", description = "Generator: number of samples, or 'endless' (default; stop with Ctrl-C).", defaultValue = "endless")
  String count;

  @Option(names = "--seed", description = "Generator seed (default ${DEFAULT-VALUE}).", defaultValue = "42")
  long seed;

  @Option(names = "--param", description = "Generator parameter key=value (repeatable), e.g. --param noise=0.1.")
  Map<String, String> params = new LinkedHashMap<>();

  @Option(names = "--rate", description = "Rate limit in samples/s (default: unlimited).")
  Double rate;

  @Option(names = "--partitions", description = "Partitions when the topic is created (default 2, as the topics a training job creates); an existing topic must match when given.")
  Integer partitions;

  @Option(names = "--show-malformed", description = "Malformed lines printed to stderr (default ${DEFAULT-VALUE}); all are counted.", defaultValue = "20")
  int showMalformed;

  @Option(names = "--value-format", description = "Record values: sample (default: streamtrain's Avro Sample), json (one JSON object a sample, the shape io.streamtrain.io.SampleJson documents; for jobs with input: {format: json}), avro (the same shape as a plain Avro event, io.streamtrain.io.SampleAvroEvent; its writer schema goes to --avro-schema, for jobs with input: {format: avro, schema: THAT FILE}) or request (an Avro ScoreRequest a row for `serve`: its features, model id and event time, request ids r0, r1, ... in sending order; a label column is read and left out).", defaultValue = "sample")
  String valueFormat;

  @Option(names = "--avro-schema", paramLabel = "FILE", description = "With --value-format avro: where the events' writer schema is written (default: the input file's path + .avsc; with --generator, sample-event.avsc in the working directory).")
  Path avroSchema;

  @Option(names = "--no-progress", description = "No progress display on stderr.")
  boolean noProgress;


  /** The checks that need no file: pacing, partitions, reporting, encoding, shuffling and keying. */
  void validate() {
    if (rate != null && !(rate > 0 && Double.isFinite(rate))) {
      throw new SpecException("--rate", rate, "allowed: a positive number of samples per second");
    }
    if (partitions != null && partitions < 1) {
      throw new SpecException("--partitions", partitions, "allowed: an integer >= 1");
    }
    if (showMalformed < 0) {
      throw new SpecException("--show-malformed", showMalformed, "allowed: an integer >= 0");
    }
    if (!List.of("sample", "json", "avro", "request").contains(valueFormat)) {
      throw new SpecException("--value-format", valueFormat, "allowed: sample, json, avro or request");
    }
    if (avroSchema != null && !valueFormat.equals("avro")) {
      throw new SpecException("--avro-schema", avroSchema.toString(), "only with --value-format avro");
    }
  }

  /** Where --value-format avro writes the events' writer schema. */
  Path avroSchemaFile() {
    return avroSchema != null ? avroSchema
        : source.from != null ? Path.of(source.from + ".avsc") : Path.of("sample-event.avsc");
  }

  /** The event time of the first sample. */
  long firstEventTime() {
    return startTime == null ? ReaderOptions.DEFAULT_START_TIME : startTime;
  }

  ReaderOptions readerOptions() {
    return new ReaderOptions(
        modelId, firstEventTime(), timeStepMs, LabelType.parse(labelType), MissingPolicy.parse(missing));
  }

  /** The checks of --shuffle, --shuffle-window and --partition-by. */
  void validateSending() {
    if (shuffle != null && source.from == null) {
      throw new SpecException("--shuffle", shuffle, "applies to --from files only (a generator's stream is already random)");
    }
    if (shuffleWindow < 1 || shuffleWindow > 50_000_000) {
      throw new SpecException("--shuffle-window", shuffleWindow, "allowed: 1 to 50000000 rows");
    }
    if (!partitionBy.equals("model") && !partitionBy.equals("key") && !partitionBy.equals("round_robin")) {
      throw new SpecException("--partition-by", partitionBy, "allowed: model, key, round_robin");
    }
  }

  /** Replaces a --label-map naming a sidecar file by the label map the sidecar holds. */
  void resolveLabelMapSidecar() {
    if (labelMap != null && labelMap.trim().toLowerCase(Locale.ROOT).endsWith(".json")) {
      Path side = Path.of(labelMap.trim());
      if (!Files.isRegularFile(side)) {
        throw new SpecException("--label-map", labelMap, "no such sidecar file");
      }
      String fromSidecar = Sidecar.read("--label-map", side).labelMap();
      if (fromSidecar == null) {
        throw new SpecException("--label-map", labelMap, "a sidecar that holds a label map");
      }
      labelMap = fromSidecar;
    }
    if ((standardize || hashedNumeric) && (source.from == null || "libsvm".equals(format))) {
      throw new SpecException(standardize ? "--standardize" : "--hashed-numeric", "given", "applies to CSV files only");
    }
  }

  /** A fresh label map of --label-map (auto maps are filled as they read), or null. */
  LabelMap labelMap() {
    return LabelMap.parse("--label-map", labelMap);
  }

  /** The generator's parameters, typed, with the event times of the samples as defaults. */
  Map<String, Object> generatorParams(ReaderOptions options) {
    Map<String, Object> p = new LinkedHashMap<>();
    params.forEach((k, v) -> p.put(k, typed(v)));
    p.putIfAbsent("start_time", options.startTime());
    p.putIfAbsent("time_step_ms", options.timeStepMs());
    return p;
  }


  long parseCount() {
    if ("endless".equalsIgnoreCase(count)) {
      return Long.MAX_VALUE;
    }
    try {
      long n = Long.parseLong(count);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new SpecException("--count", count, "allowed: a non-negative integer or 'endless'");
    }
  }

  SampleReader openReader(ReaderOptions options, SampleReader.MalformedListener listener, LabelMap labels)
      throws IOException {
    String fmt = format;
    if (fmt == null) {
      String name = source.from.getFileName().toString().toLowerCase(Locale.ROOT).replaceAll("\\.gz$", "");
      fmt = name.endsWith(".svm") || name.endsWith(".libsvm") || name.endsWith(".svmlight") ? "libsvm" : "csv";
    }
    switch (fmt) {
      case "csv" -> {
        char delim = "tab".equalsIgnoreCase(delimiter) || "\\t".equals(delimiter) ? '\t' : delimiterChar();
        CsvSampleReader.Columns cols =
            CsvSampleReader.Columns.defaults()
                .withLabel(label)
                .withCategorical(categorical)
                .withIgnore(ignore)
                .withKey(keyColumn)
                .withTime(timeColumn)
                .withWeight(weightColumn)
                .withDelimiter(delim)
                .withLabelMap(labels)
                .withHashedNumeric(hashedNumeric);
        return new CsvSampleReader(source.from, cols, options, listener);
      }
      case "libsvm" -> {
        if (label != null || !categorical.isEmpty() || !ignore.isEmpty() || keyColumn != null || timeColumn != null
            || labels != null || weightColumn != null || standardize || hashedNumeric) {
          throw new SpecException("--format", "libsvm", "--label, --label-map, --categorical, --ignore, --key-column, --time-column, --weight-column, --standardize and --hashed-numeric apply to CSV only");
        }
        return new LibsvmSampleReader(source.from, zeroBased, options, listener);
      }
      default -> throw new SpecException("--format", fmt, "allowed: csv, libsvm");
    }
  }

  private char delimiterChar() {
    if (delimiter.length() != 1) {
      throw new SpecException("--delimiter", delimiter, "allowed: one character, or 'tab'");
    }
    return delimiter.charAt(0);
  }

  /** Command-line parameter text to a number when it looks like one (the generator validates types). */
  static Object typed(String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      // not an integer
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      return v;
    }
  }
}
