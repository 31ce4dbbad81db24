package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.io.CsvSampleReader;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.LabelMap;
import io.streamtrain.io.LabelType;
import io.streamtrain.io.LibsvmSampleReader;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.ReaderOptions;
import io.streamtrain.io.ReaderOptions.MissingPolicy;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.SampleProducer;
import io.streamtrain.io.SampleReader;
import io.streamtrain.io.Topics;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code streamtrain produce}: streams a CSV or LIBSVM file (gzip or not), or a seeded synthetic generator, into a
 * Kafka topic as Avro Samples. Creates the topic if missing (with as many partitions as a training job's topics),
 * keys every record by its model id by default so one model's samples stay in one partition, in file order (the
 * condition for bit-identical training runs), shows progress on stderr, reports the first malformed lines with
 * their line numbers on stderr, and ends with one line on stdout: {@code produced N samples (R samples/s), M
 * malformed}. Exit 0 on success (malformed lines included, they are reported), 2 for a bad command line, 1 when
 * Kafka fails, every row was malformed, {@code --strict} met a malformed row, or the input ends early.
 */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Stream a CSV/LIBSVM file or a synthetic generator into a Kafka topic as Avro Samples.")
public final class ProduceCommand implements Callable<Integer> {

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


  @Mixin KafkaOptions kafkaOptions;

  @Option(names = "--topic", required = true, description = "Target topic (created if missing).")
  String topic;

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

  @Option(names = "--value-format", description = "Record values: sample (default: streamtrain's Avro Sample) or json (one JSON object a sample, the shape io.streamtrain.io.SampleJson documents; for jobs with input: {format: json}).", defaultValue = "sample")
  String valueFormat;

  @Option(names = "--no-progress", description = "No progress display on stderr.")
  boolean noProgress;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private volatile boolean stopRequested;
  /** The first malformed line under --strict ("line N: reason"), set by the reader stage. */
  private volatile String strictStop;
  private volatile long produced;
  private final io.streamtrain.io.Standardizer scaler = new io.streamtrain.io.Standardizer();
  private double[] scaleMean;
  private double[] scaleBy;
  private List<String> scaledColumns;

  @Override
  public Integer call() throws Exception {
    try {
      return produce();
    } catch (IllegalStateException | org.apache.kafka.common.KafkaException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 1;
    } catch (java.io.IOException e) {
      // A truncated gzip or a read error mid-file: what was sent before it stays sent and is said so.
      throw new CliException(source.from + " could not be read to its end (" + BrokerCheck.rootMessage(e)
          + "; a truncated or corrupt file?): " + produced + " samples were sent before it", e);
    }
  }

  private int produce() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (rate != null && !(rate > 0 && Double.isFinite(rate))) {
      throw new SpecException("--rate", rate, "allowed: a positive number of samples per second");
    }
    if (partitions != null && partitions < 1) {
      throw new SpecException("--partitions", partitions, "allowed: an integer >= 1");
    }
    if (showMalformed < 0) {
      throw new SpecException("--show-malformed", showMalformed, "allowed: an integer >= 0");
    }
    if (!valueFormat.equals("sample") && !valueFormat.equals("json")) {
      throw new SpecException("--value-format", valueFormat, "allowed: sample or json");
    }
    ReaderOptions options =
        new ReaderOptions(
            modelId,
            startTime == null ? ReaderOptions.DEFAULT_START_TIME : startTime,
            timeStepMs,
            LabelType.parse(labelType),
            MissingPolicy.parse(missing));
    long limit = parseCount();
    if (shuffle != null && source.from == null) {
      throw new SpecException("--shuffle", shuffle, "applies to --from files only (a generator's stream is already random)");
    }
    if (shuffleWindow < 1 || shuffleWindow > 50_000_000) {
      throw new SpecException("--shuffle-window", shuffleWindow, "allowed: 1 to 50000000 rows");
    }
    if (!partitionBy.equals("model") && !partitionBy.equals("key") && !partitionBy.equals("round_robin")) {
      throw new SpecException("--partition-by", partitionBy, "allowed: model, key, round_robin");
    }
    if (labelMap != null && labelMap.trim().toLowerCase(Locale.ROOT).endsWith(".json")) {
      Path side = Path.of(labelMap.trim());
      if (!Files.isRegularFile(side)) {
        throw new SpecException("--label-map", labelMap, "no such sidecar file");
      }
      String fromSidecar = io.streamtrain.io.Sidecar.read("--label-map", side).labelMap();
      if (fromSidecar == null) {
        throw new SpecException("--label-map", labelMap, "a sidecar that holds a label map");
      }
      labelMap = fromSidecar;
    }
    if ((standardize || hashedNumeric) && (source.from == null || "libsvm".equals(format))) {
      throw new SpecException(standardize ? "--standardize" : "--hashed-numeric", "given", "applies to CSV files only");
    }
    LabelMap labels = LabelMap.parse("--label-map", labelMap);
    if (labels != null && labels.isAuto()) {
      if (options.labelType() != LabelType.AUTO && options.labelType() != LabelType.CLASS) {
        throw new SpecException("--label-type", labelType, "--label-map auto gives class indices; allowed with it: auto, class");
      }
      options = new ReaderOptions(options.modelId(), options.startTime(), options.timeStepMs(), LabelType.CLASS,
          options.missing());
    }
    KafkaSettings settings = kafkaOptions.settings();

    long[] shown = {0};
    SampleReader.MalformedListener listener =
        (line, reason) -> {
          if (strict && strictStop == null) {
            strictStop = "line " + line + ": " + printable(reason);
          }
          if (shown[0] < showMalformed) {
            err.println("malformed line " + line + ": " + printable(reason));
            err.flush();
          } else if (shown[0] == showMalformed && showMalformed > 0) {
            err.println("(further malformed lines are counted, not shown; see --show-malformed)");
            err.flush();
          }
          shown[0]++;
        };

    SampleReader reader = null;
    SampleGenerator gen = null;
    long fileSize = -1;
    if (source.from != null) {
      if (!Files.isRegularFile(source.from)) {
        throw new SpecException("--from", source.from.toString(), "no such file");
      }
      if (!params.isEmpty() || !"endless".equals(count)) {
        throw new SpecException("--param/--count", "only apply to --generator");
      }
      fileSize = Files.size(source.from);
      if (standardize) {
        // The fitting pass: its own reader and label map, quiet (the sending pass reports malformed lines).
        try (SampleReader fit = openReader(options, (line, why) -> { }, LabelMap.parse("--label-map", labelMap))) {
          MutableSample m = new MutableSample();
          while (fit.next(m)) {
            if (hashedNumeric) {
              scaler.fit(m.numericValues, m.numericSize); // the numeric columns, in column order, in every row
            } else {
              scaler.fit(m.dense, m.denseSize);
            }
          }
          if (fit instanceof CsvSampleReader c) {
            scaledColumns = c.denseColumns();
          }
        }
        scaleMean = scaler.means();
        scaleBy = scaler.scales();
      }
      reader = openReader(options, listener, labels);
    } else {
      Map<String, Object> p = new LinkedHashMap<>();
      params.forEach((k, v) -> p.put(k, typed(v)));
      p.putIfAbsent("start_time", options.startTime());
      p.putIfAbsent("time_step_ms", options.timeStepMs());
      gen = Generators.create(source.generator, p, seed);
    }

    BrokerCheck.require(settings);
    int topicPartitions = ensureTopic(settings);
    boolean roundRobin = partitionBy.equals("round_robin");
    CountDownLatch done = new CountDownLatch(1);
    Thread waiter =
        new Thread(
            () -> {
              stopRequested = true;
              try {
                done.await(30, TimeUnit.SECONDS); // let the main loop flush and print its summary
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "streamtrain-produce-stop");
    Runtime.getRuntime().addShutdownHook(waiter);
    ProgressBar progress = new ProgressBar(System.err, "samples", !noProgress);
    // Two stages so parsing overlaps with the Kafka client's own work (record batching, lz4): a reader thread
    // parses and encodes chunks of samples, this thread sends them. The queue is short, so memory stays bounded.
    BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(8);
    SampleReader fileReader = reader;
    SampleGenerator generator = gen;
    Thread stage =
        new Thread(
            () -> readChunks(fileReader, generator, limit, queue), "streamtrain-produce-reader");
    stage.setDaemon(true);
    produced = 0;
    long t0 = System.nanoTime();
    try (SampleProducer producer = new SampleProducer(settings, topic)) {
      stage.start();
      while (true) {
        Chunk c = queue.take();
        if (c.failure != null) {
          throw c.failure instanceof Exception ex ? ex : new IllegalStateException(c.failure);
        }
        if (c.size == 0) {
          break; // end of input
        }
        for (int i = 0; i < c.size; i++) {
          producer.sendEncoded(roundRobin ? (int) (produced % topicPartitions) : null,
              roundRobin ? null : c.keys[i], c.values[i]);
          produced++;
          if (rate != null) {
            pace(t0, produced);
          }
        }
        double fraction =
            fileReader != null && fileSize > 0
                ? (double) fileReader.bytesRead() / fileSize
                : limit != Long.MAX_VALUE ? (double) produced / limit : Double.NaN;
        progress.update(produced, fraction);
      }
      producer.flush();
    } finally {
      stopRequested = true;
      queue.clear(); // unblock the reader if it waits to put
      stage.join(10_000);
      if (reader != null) {
        reader.close();
      }
      progress.finish();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long malformed = reader == null ? 0 : reader.malformed();
    if (labels != null && labels.isAuto()) {
      // Indices follow first appearance in this file; passing them back keeps them for other files.
      out.println("label map (pass as --label-map to keep these indices): " + labels.describe());
    }
    if (source.from != null && ((labels != null && !labels.describe().isEmpty()) || scaleMean != null)) {
      Path side = sidecar != null ? sidecar : Path.of(source.from + ".sidecar.json");
      try {
        new io.streamtrain.io.Sidecar(labels == null ? null : labels.describe(), scaledColumns, scaleMean, scaleBy)
            .write(side);
      } catch (IOException e) {
        throw new CliException("cannot write the sidecar " + side + " (" + e.getMessage() + "); choose another path"
            + " with --sidecar", e);
      }
      out.println("sidecar: " + side + " (" + (labels != null ? "label map" : "") + (labels != null && scaleMean != null
          ? ", " : "") + (scaleMean != null ? "standardization of " + scaleMean.length + " columns" : "")
          + "; replay reads it as source.sidecar)");
    }
    out.println(
        String.format(
            Locale.ROOT,
            "produced %d samples (%d samples/s), %d malformed",
            produced,
            Math.round(seconds > 0 ? produced / seconds : 0),
            malformed));
    out.flush();
    done.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(waiter);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is exiting because of Ctrl-C; the hook is running and will return now
    }
    if (strictStop != null) {
      err.println("error: --strict: malformed " + strictStop + "; stopped there, " + produced
          + " samples were sent before it");
      err.flush();
      return 1;
    }
    if (produced == 0 && malformed > 0) {
      err.println("error: all " + malformed + " rows of " + source.from + " were malformed, nothing was sent"
          + " (see the reasons above; string labels need --label-map)");
      err.flush();
      return 1;
    }
    return 0;
  }

  /** Reasons quote the input; control bytes (a binary file given as text) must not reach the terminal raw. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> {
      if (Character.isISOControl(c) || c == 0xFFFD) {
        b.append(String.format(Locale.ROOT, "\\x%02x", c & 0xFF));
      } else {
        b.appendCodePoint(c);
      }
    });
    return b.toString();
  }

  /** Up to CHUNK encoded samples; size 0 marks the end of the input, a failure an error in the reader. */
  private static final class Chunk {
    static final int CAPACITY = 1024;
    final byte[][] keys = new byte[CAPACITY][];
    final byte[][] values = new byte[CAPACITY][];
    int size;
    Throwable failure;
  }

  /** The reader stage: fills chunks from the file or generator until the end, the limit or a stop request. */
  private void readChunks(SampleReader reader, SampleGenerator gen, long limit, BlockingQueue<Chunk> queue) {
    SampleCodec codec = new SampleCodec();
    io.streamtrain.io.SampleJson json = valueFormat.equals("json") ? new io.streamtrain.io.SampleJson() : null;
    // Keyed by model id, every sample of a model lands in the same partition in file order (see --partition-by).
    byte[] modelKey = modelId.getBytes(StandardCharsets.UTF_8);
    boolean byModel = partitionBy.equals("model");
    Samples in = shuffle == null ? new InOrder(reader, gen) : new Shuffled(reader, shuffleWindow, shuffle);
    long n = 0;
    try {
      while (true) {
        Chunk c = new Chunk();
        while (c.size < Chunk.CAPACITY && n < limit && !stopRequested && strictStop == null) {
          MutableSample s = in.next();
          if (s == null) {
            break;
          }
          if (strictStop != null) {
            break; // the line just read follows a malformed one: under --strict nothing after it is sent
          }
          if (scaleMean != null && hashedNumeric) {
            io.streamtrain.io.Standardizer.apply(scaleMean, scaleBy, s.numericValues, s.numericSize);
          } else if (scaleMean != null) {
            io.streamtrain.io.Standardizer.apply(scaleMean, scaleBy, s.dense, s.denseSize);
          }
          if (shuffle != null && timeColumn == null) {
            // Event times in sending order, as without --shuffle, so the topic's times never go backwards.
            s.eventTime = (startTime == null ? ReaderOptions.DEFAULT_START_TIME : startTime) + n * timeStepMs;
          }
          c.keys[c.size] = byModel ? modelKey : s.key == null ? null : s.key.getBytes(StandardCharsets.UTF_8);
          c.values[c.size] = json != null ? json.encode(s) : codec.encode(s);
          c.size++;
          n++;
        }
        if (c.size > 0) {
          putUnlessStopped(queue, c);
        }
        if (c.size < Chunk.CAPACITY) {
          putUnlessStopped(queue, new Chunk()); // end marker
          return;
        }
      }
    } catch (Throwable t) {
      Chunk f = new Chunk();
      f.failure = t;
      putUnlessStopped(queue, f);
    }
  }

  /** The samples to send, one at a time; null at the end. A returned sample is valid until the next call. */
  private interface Samples {
    MutableSample next() throws IOException;
  }

  /** The file's or generator's samples as they come. */
  private final class InOrder implements Samples {
    private final SampleReader reader;
    private final SampleGenerator gen;
    private final MutableSample s = new MutableSample();

    InOrder(SampleReader reader, SampleGenerator gen) {
      this.reader = reader;
      this.gen = gen;
      s.modelId = modelId;
    }

    @Override
    public MutableSample next() throws IOException {
      if (reader != null) {
        return reader.next(s) ? s : null;
      }
      gen.next(s);
      s.modelId = modelId;
      return s;
    }
  }

  /**
   * A seeded shuffle of a file in bounded memory: a window of W samples is filled, then each step sends a
   * uniformly drawn one and reads the next line into its place; at the end the window drains in random order.
   * Memory is W samples whatever the file's size; a file sorted by class is mixed within spans of about W rows (a
   * full shuffle when W >= the row count). Same file, W and seed: the same order.
   */
  private static final class Shuffled implements Samples {
    private final SampleReader reader;
    private final MutableSample[] window;
    private final java.util.SplittableRandom random;
    private int filled;
    private boolean ended;

    Shuffled(SampleReader reader, int capacity, long seed) {
      this.reader = reader;
      this.window = new MutableSample[capacity];
      this.random = new java.util.SplittableRandom(seed);
    }

    @Override
    public MutableSample next() throws IOException {
      while (!ended && filled < window.length) {
        if (window[filled] == null) {
          window[filled] = new MutableSample();
        }
        if (reader.next(window[filled])) {
          filled++;
        } else {
          ended = true;
        }
      }
      if (filled == 0) {
        return null;
      }
      // Swap the drawn sample to the end of the live part: its slot is the one the next read refills.
      int j = random.nextInt(filled);
      filled--;
      MutableSample drawn = window[j];
      window[j] = window[filled];
      window[filled] = drawn;
      return drawn;
    }
  }

  private void putUnlessStopped(BlockingQueue<Chunk> queue, Chunk c) {
    try {
      while (!queue.offer(c, 100, TimeUnit.MILLISECONDS)) {
        if (stopRequested && c.size > 0) {
          return; // the sender is gone; drop the rest
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private long parseCount() {
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

  private SampleReader openReader(ReaderOptions options, SampleReader.MalformedListener listener, LabelMap labels)
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

  /** Creates the topic if missing; returns its partition count. */
  private int ensureTopic(KafkaSettings settings) {
    Map<String, Object> extra = Map.of(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    try (Admin admin = Admin.create(settings.toProperties(extra))) {
      Topics.ensure(admin, Topics.TopicSpec.of(topic, partitions == null ? Topics.ANY_PARTITIONS : partitions));
      return Topics.describe(admin, topic).map(d -> d.partitions().size()).orElse(1);
    }
  }

  /** Sleeps until sample n is due at the requested rate (wall clock, for pacing only). */
  private void pace(long t0, long n) throws InterruptedException {
    long due = t0 + (long) (n * 1e9 / rate);
    long wait = due - System.nanoTime();
    if (wait > 1_000_000) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
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
