package io.streamtrain.replay;

import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.flink.training.JoinDeserializer;
import io.streamtrain.flink.training.JoinRecord;
import io.streamtrain.flink.training.LabelJoinStream;
import io.streamtrain.flink.training.SampleDeserializer;
import io.streamtrain.io.events.InputSpec;
import io.streamtrain.flink.training.SampleRecord;
import io.streamtrain.io.CsvSampleReader;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.LibsvmSampleReader;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.ReaderOptions;
import io.streamtrain.io.SampleReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * The replayed samples: a bounded KafkaSource over a topic range (start and end as earliest/latest, one
 * timestamp, or offsets per partition, end exclusive; partitions without an offset start at the earliest and end
 * at the latest offset), or the samples of a CSV/LIBSVM file read on the client, for users without Kafka
 * history. Nothing is committed: a replay never moves a consumer group.
 */
public final class ReplaySources {
  private ReplaySources() {}

  public static KafkaSource<SampleRecord> kafka(ReplaySpec spec, KafkaSettings kafka) {
    ReplaySpec.Source s = spec.source();
    Properties props = props(kafka);
    return KafkaSource.<SampleRecord>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setProperties(props)
        .setTopics(s.topic())
        .setGroupId("streamtrain-replay-" + spec.name())
        .setDeserializer(new SampleDeserializer(spec.input()))
        .setStartingOffsets(initializer(s.topic(), s.start(), OffsetResetStrategy.EARLIEST))
        .setBounded(initializer(s.topic(), s.end(), OffsetResetStrategy.LATEST))
        .build();
  }

  /**
   * Features from the source range joined with delayed labels ({@code input.labels}): the labels topic is read
   * from the same start when it is a timestamp (else from the earliest offset) to its latest offset, so every
   * label of a replayed feature is there.
   */
  public static LabelJoinStream joined(ReplaySpec spec, KafkaSettings kafka) {
    ReplaySpec.Source s = spec.source();
    InputSpec in = spec.input();
    OffsetsInitializer labelsStart = s.start().kind() == ReplaySpec.Bound.Kind.TIMESTAMP
        ? OffsetsInitializer.timestamp(s.start().timestamp()) : OffsetsInitializer.earliest();
    return new LabelJoinStream(in,
        KafkaSource.<JoinRecord>builder().setBootstrapServers(kafka.bootstrapServers()).setProperties(props(kafka))
            .setTopics(s.topic()).setGroupId("streamtrain-replay-" + spec.name())
            .setDeserializer(new JoinDeserializer(in, false))
            .setStartingOffsets(initializer(s.topic(), s.start(), OffsetResetStrategy.EARLIEST))
            .setBounded(initializer(s.topic(), s.end(), OffsetResetStrategy.LATEST)).build(),
        KafkaSource.<JoinRecord>builder().setBootstrapServers(kafka.bootstrapServers()).setProperties(props(kafka))
            .setTopics(in.labels().topic()).setGroupId("streamtrain-replay-" + spec.name())
            .setDeserializer(new JoinDeserializer(in, true))
            .setStartingOffsets(labelsStart).setBounded(OffsetsInitializer.latest()).build())
        .withSourceParallelism(LabelJoinStream.partitions(kafka, s.topic()),
            LabelJoinStream.partitions(kafka, in.labels().topic()));
  }

  private static Properties props(KafkaSettings kafka) {
    return kafka.toProperties(Map.of(
        "max.poll.records", "5000",
        "max.partition.fetch.bytes", String.valueOf(8 << 20),
        "enable.auto.commit", "false"));
  }

  static OffsetsInitializer initializer(String topic, ReplaySpec.Bound b, OffsetResetStrategy missing) {
    return switch (b.kind()) {
      case EARLIEST -> OffsetsInitializer.earliest();
      case LATEST -> OffsetsInitializer.latest();
      case TIMESTAMP -> OffsetsInitializer.timestamp(b.timestamp());
      case OFFSETS -> {
        Map<TopicPartition, Long> m = new HashMap<>();
        b.offsets().forEach((p, o) -> m.put(new TopicPartition(topic, p), o));
        yield OffsetsInitializer.offsets(m, missing);
      }
      case TIMESTAMPS -> new PerPartitionTimestamps(topic, b.offsets(), missing);
    };
  }

  /**
   * Offsets from a timestamp per partition (the first record at or after it, as Kafka's offsetsForTimes); a
   * partition whose records are all older gets its end offset; partitions not listed start at the earliest (for a
   * start bound) or end at the latest (for an end bound).
   */
  static final class PerPartitionTimestamps implements OffsetsInitializer {
    private static final long serialVersionUID = 1L;
    private final String topic;
    private final Map<Integer, Long> times;
    private final OffsetResetStrategy missing;

    PerPartitionTimestamps(String topic, Map<Integer, Long> times, OffsetResetStrategy missing) {
      this.topic = topic;
      this.times = new HashMap<>(times);
      this.missing = missing;
    }

    @Override
    public Map<TopicPartition, Long> getPartitionOffsets(java.util.Collection<TopicPartition> partitions,
        PartitionOffsetsRetriever retriever) {
      Map<TopicPartition, Long> query = new HashMap<>();
      java.util.List<TopicPartition> unlisted = new java.util.ArrayList<>();
      for (TopicPartition tp : partitions) {
        Long t = tp.topic().equals(topic) ? times.get(tp.partition()) : null;
        if (t != null) {
          query.put(tp, t);
        } else {
          unlisted.add(tp);
        }
      }
      Map<TopicPartition, Long> out = new HashMap<>();
      Map<TopicPartition, Long> ends = retriever.endOffsets(partitions);
      if (!query.isEmpty()) {
        retriever.offsetsForTimes(query).forEach((tp, ot) -> out.put(tp, ot == null ? ends.get(tp) : ot.offset()));
      }
      if (!unlisted.isEmpty()) {
        out.putAll(missing == OffsetResetStrategy.EARLIEST ? retriever.beginningOffsets(unlisted)
            : ends.entrySet().stream().filter(e -> unlisted.contains(e.getKey()))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
      }
      return out;
    }

    @Override
    public OffsetResetStrategy getAutoOffsetResetStrategy() {
      return missing;
    }
  }

  /**
   * The samples of a file source in the order they are replayed: the training rows {@code passes} times (each pass
   * in file order, or shuffled by the seed), then the test rows; {@code trainSamples} is how many of them train
   * (-1 without a split). Event times are reassigned in that order (start_time + i * time_step_ms), so time never
   * goes backwards from one pass to the next.
   */
  public record FileSamples(List<SampleRecord> records, long trainSamples, int trainRows, int testRows) {}

  /** Reads the spec's file and lays out its passes and split; malformed lines are reported. */
  public static FileSamples layout(ReplaySpec spec, List<String> malformed) {
    ReplaySpec.FileRun run = spec.source().run();
    List<SampleRecord> rows = file(spec, malformed);
    int n = rows.size();
    boolean[] isTest = new boolean[n];
    if (run.testFraction() > 0) {
      // A seeded partial Fisher-Yates shuffle of the row indices picks the test rows; both parts keep file order.
      int m = (int) Math.round(run.testFraction() * n);
      int[] idx = new int[n];
      for (int i = 0; i < n; i++) {
        idx[i] = i;
      }
      java.util.SplittableRandom r = new java.util.SplittableRandom(run.splitSeed());
      for (int i = 0; i < m; i++) {
        int j = i + r.nextInt(n - i);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        isTest[idx[i]] = true;
      }
    } else if (run.testTo() > run.testFrom()) {
      if (run.testFrom() >= n) {
        throw new SpecException("source.split.test_rows", "[" + run.testFrom() + ", " + run.testTo() + "]",
            "allowed: rows within the file's " + n + " samples");
      }
      for (long i = run.testFrom(); i < Math.min(run.testTo(), n); i++) {
        isTest[(int) i] = true;
      }
    }
    List<SampleRecord> train = new ArrayList<>();
    List<SampleRecord> test = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      (isTest[i] ? test : train).add(rows.get(i));
    }
    if (train.isEmpty()) {
      throw new SpecException("source.split", spec.source().fileOptions().get("split"),
          "a split that leaves training rows (the file has " + n + " samples)");
    }
    io.streamtrain.io.Sidecar side = run.sidecar() == null ? null
        : io.streamtrain.io.Sidecar.read("source.sidecar", run.sidecar());
    // Standardized columns: the dense ones, or the named numeric ones with hashed_numeric (in column order).
    boolean named = new SpecReader("source", spec.source().fileOptions()).getBoolean("hashed_numeric", false);
    java.util.function.Function<SampleRecord, double[]> values = rec -> named ? rec.example.numericValues()
        : rec.example.denseValues();
    java.util.function.ToIntFunction<SampleRecord> width = rec -> named ? rec.example.numericLength()
        : rec.example.denseLength();
    if (side != null && side.standardizes()) {
      for (SampleRecord rec : rows) {
        io.streamtrain.io.Standardizer.apply(side.mean(), side.scale(), values.apply(rec), width.applyAsInt(rec));
      }
    } else if (run.standardize()) {
      io.streamtrain.io.Standardizer st = new io.streamtrain.io.Standardizer();
      train.forEach(rec -> st.fit(values.apply(rec), width.applyAsInt(rec)));
      double[] mean = st.means();
      double[] scale = st.scales();
      rows.forEach(rec -> io.streamtrain.io.Standardizer.apply(mean, scale, values.apply(rec), width.applyAsInt(rec)));
    }
    SpecReader o = new SpecReader("source", spec.source().fileOptions());
    long t0 = o.getLong("start_time", ReaderOptions.DEFAULT_START_TIME);
    long step = o.getLong("time_step_ms", 1);
    List<SampleRecord> out = new ArrayList<>();
    java.util.SplittableRandom order = run.shuffle() == null ? null : new java.util.SplittableRandom(run.shuffle());
    List<SampleRecord> pass = new ArrayList<>(train);
    for (int p = 0; p < run.passes(); p++) {
      if (order != null) {
        for (int i = pass.size() - 1; i > 0; i--) {
          java.util.Collections.swap(pass, i, order.nextInt(i + 1));
        }
      }
      for (SampleRecord rec : pass) {
        out.add(copyAt(rec, t0 + out.size() * step));
      }
    }
    long trainSamples = run.hasSplit() ? out.size() : -1;
    for (SampleRecord rec : test) {
      out.add(copyAt(rec, t0 + out.size() * step));
    }
    return new FileSamples(out, trainSamples, train.size(), test.size());
  }

  private static SampleRecord copyAt(SampleRecord rec, long time) {
    SampleRecord c = new SampleRecord();
    c.example.copyFrom(rec.example);
    c.example.setEventTime(time);
    c.timestamp = time;
    return c;
  }

  /** Reads every sample of the spec's file (in file order) as source records; malformed lines are reported. */
  /** {@code source.categorical}: a list of column names or one string of names separated by commas. */
  static List<String> categorical(Object given) {
    if (given == null) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (Object o : given instanceof List<?> l ? l : List.of(String.valueOf(given).split(","))) {
      if (!(o instanceof String n) || n.isBlank()) {
        throw new SpecException("source.categorical", given, "allowed: column names, as a list or separated by"
            + " commas");
      }
      names.add(n.trim());
    }
    return names;
  }

  public static List<SampleRecord> file(ReplaySpec spec, List<String> malformed) {
    ReplaySpec.Source s = spec.source();
    SpecReader o = new SpecReader("source", s.fileOptions());
    Path f = s.file();
    String name = f.getFileName().toString().toLowerCase(Locale.ROOT).replaceAll("\\.gz$", "");
    String dflt = name.endsWith(".svm") || name.endsWith(".libsvm") || name.endsWith(".svmlight") ? "libsvm" : "csv";
    String format = o.getEnum("format", dflt, List.of("csv", "libsvm"));
    ReaderOptions opts = ReaderOptions.defaults()
        .withModelId(o.getString("model_id", "default"))
        .withTime(o.getLong("start_time", ReaderOptions.DEFAULT_START_TIME), o.getLong("time_step_ms", 1));
    SampleReader.MalformedListener listener = (line, why) -> {
      if (malformed.size() < 20) {
        malformed.add(f + ":" + line + ": " + why);
      }
    };
    List<SampleRecord> out = new ArrayList<>();
    MutableSample m = new MutableSample();
    ReplaySpec.FileRun run = s.run();
    String labelText = run.sidecar() != null
        ? io.streamtrain.io.Sidecar.read("source.sidecar", run.sidecar()).labelMap() : run.labelMap();
    io.streamtrain.io.LabelMap labels = io.streamtrain.io.LabelMap.parse(
        run.sidecar() != null ? "source.sidecar" : "source.label_map", labelText);
    if (labels != null && labels.isAuto()) {
      opts = new ReaderOptions(opts.modelId(), opts.startTime(), opts.timeStepMs(), io.streamtrain.io.LabelType.CLASS,
          opts.missing());
    }
    if (s.fileOptions().get("categorical") != null && format.equals("libsvm")) {
      throw new SpecException("source.categorical", s.fileOptions().get("categorical"), "allowed only with CSV files");
    }
    if (labels != null && format.equals("libsvm")) {
      throw new SpecException("source.label_map", labelText, "allowed only with CSV files");
    }
    try (SampleReader r = format.equals("csv")
        ? new CsvSampleReader(f, CsvSampleReader.Columns.defaults().withLabel(o.getString("label", null))
            .withLabelMap(labels).withHashedNumeric(o.getBoolean("hashed_numeric", false))
            .withCategorical(categorical(s.fileOptions().get("categorical"))), opts, listener)
        : new LibsvmSampleReader(f, false, opts, listener)) {
      while (r.next(m)) {
        SampleRecord rec = new SampleRecord();
        SampleDeserializer.toExample(m, rec.example);
        rec.timestamp = rec.example.eventTime();
        out.add(rec);
      }
    } catch (IOException e) {
      throw new SpecException("source.file", f, "readable: " + e.getMessage());
    }
    return out;
  }
}
