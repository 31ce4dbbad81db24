package io.streamtrain.cli;

import io.streamtrain.core.SpecException;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.LabelMap;
import io.streamtrain.io.LabelType;
import io.streamtrain.io.ReaderOptions;
import io.streamtrain.io.SampleCodec;
import io.streamtrain.io.SampleJson;
import io.streamtrain.io.SampleProducer;
import io.streamtrain.io.SampleReader;
import io.streamtrain.io.Sidecar;
import io.streamtrain.io.Topics;
import io.streamtrain.io.gen.Generators;
import io.streamtrain.io.gen.SampleGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine;
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
  @Mixin KafkaOptions kafkaOptions;

  @Option(names = "--topic", required = true, description = "Target topic (created if missing).")
  String topic;

  @Mixin ProduceOptions o;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The sending stages, once the input is open (null before). */
  private volatile SampleSender sender;

  @Override
  public Integer call() throws Exception {
    try {
      return produce();
    } catch (IllegalStateException | org.apache.kafka.common.KafkaException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 1;
    } catch (java.io.IOException e) {
      // A truncated gzip or a read error mid-file: what was sent before it stays sent and is said so.
      throw new CliException(o.source.from + " could not be read to its end (" + BrokerCheck.rootMessage(e)
          + "; a truncated or corrupt file?): " + produced() + " samples were sent before it", e);
    }
  }

  private long produced() {
    SampleSender s = sender;
    return s == null ? 0 : s.produced();
  }

  private int produce() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    o.validate();
    ReaderOptions options = o.readerOptions();
    long limit = o.parseCount();
    o.validateSending();
    o.resolveLabelMapSidecar();
    LabelMap labels = o.labelMap();
    if (labels != null && labels.isAuto()) {
      if (options.labelType() != LabelType.AUTO && options.labelType() != LabelType.CLASS) {
        throw new SpecException("--label-type", o.labelType, "--label-map auto gives class indices; allowed with it: auto, class");
      }
      options = new ReaderOptions(options.modelId(), options.startTime(), options.timeStepMs(), LabelType.CLASS,
          options.missing());
    }
    KafkaSettings settings = kafkaOptions.settings();
    MalformedReport malformedReport = new MalformedReport(err, o.showMalformed, o.strict);

    SampleReader reader = null;
    SampleGenerator gen = null;
    Scaling scaling = null;
    long fileSize = -1;
    if (o.source.from != null) {
      if (!Files.isRegularFile(o.source.from)) {
        throw new SpecException("--from", o.source.from.toString(), "no such file");
      }
      if (!o.params.isEmpty() || !"endless".equals(o.count)) {
        throw new SpecException("--param/--count", "only apply to --generator");
      }
      fileSize = Files.size(o.source.from);
      if (o.standardize) {
        // The fitting pass: its own reader and label map, quiet (the sending pass reports malformed lines).
        try (SampleReader fit = o.openReader(options, (line, why) -> { }, o.labelMap())) {
          scaling = Scaling.fit(fit, o.hashedNumeric);
        }
      }
      reader = o.openReader(options, malformedReport, labels);
    } else {
      gen = Generators.create(o.source.generator, o.generatorParams(options), o.seed);
    }

    BrokerCheck.require(settings);
    if (o.valueFormat.equals("avro")) {
      writeAvroSchema(out);
    }
    int topicPartitions = ensureTopic(settings);
    SampleSender sending = newSender(reader, gen, scaling, limit, malformedReport);
    sender = sending;
    CountDownLatch done = new CountDownLatch(1);
    Thread waiter =
        new Thread(
            () -> {
              sending.requestStop();
              try {
                done.await(30, TimeUnit.SECONDS); // let the main loop flush and print its summary
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "streamtrain-produce-stop");
    Runtime.getRuntime().addShutdownHook(waiter);
    ProgressBar progress = new ProgressBar(System.err, "samples", !o.noProgress);
    SampleReader fileReader = reader;
    long size = fileSize;
    long t0 = System.nanoTime();
    try (SampleProducer producer = new SampleProducer(settings, topic)) {
      sending.send(producer, o.partitionBy.equals("round_robin") ? topicPartitions : 0, o.rate, t0, progress,
          n -> fileReader != null && size > 0
              ? (double) fileReader.bytesRead() / size
              : limit != Long.MAX_VALUE ? (double) n / limit : Double.NaN);
      producer.flush();
    } finally {
      sending.close();
      if (reader != null) {
        reader.close();
      }
      progress.finish();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long produced = sending.produced();
    long malformed = reader == null ? 0 : reader.malformed();
    if (labels != null && labels.isAuto()) {
      // Indices follow first appearance in this file; passing them back keeps them for other files.
      out.println("label map (pass as --label-map to keep these indices): " + labels.describe());
    }
    if (o.source.from != null && ((labels != null && !labels.describe().isEmpty()) || scaling != null)) {
      writeSidecar(out, labels, scaling);
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
    if (malformedReport.strictStop() != null) {
      err.println("error: --strict: malformed " + malformedReport.strictStop() + "; stopped there, " + produced
          + " samples were sent before it");
      err.flush();
      return 1;
    }
    if (produced == 0 && malformed > 0) {
      err.println("error: all " + malformed + " rows of " + o.source.from + " were malformed, nothing was sent"
          + " (see the reasons above; string labels need --label-map)");
      err.flush();
      return 1;
    }
    return 0;
  }

  /**
   * The sending stages for the file ({@code reader}) or the generator: in file order or --shuffle'd, standardized,
   * and keyed as --partition-by says.
   */
  private SampleSender newSender(SampleReader reader, SampleGenerator gen, Scaling scaling, long limit,
      MalformedReport malformedReport) {
    SampleSource in = o.shuffle == null
        ? SampleSource.inOrder(reader, gen, o.modelId)
        : new WindowShuffle(reader, o.shuffleWindow, o.shuffle);
    long start = o.firstEventTime();
    boolean retime = o.shuffle != null && o.timeColumn == null;
    SampleSender.Prepare prepare = (s, n) -> {
      if (scaling != null) {
        scaling.apply(s);
      }
      if (retime) {
        // Event times in sending order, as without --shuffle, so the topic's times never go backwards.
        s.eventTime = start + n * o.timeStepMs;
      }
    };
    // Keyed by model id, every sample of a model lands in the same partition in file order (see --partition-by).
    byte[] modelKey = o.modelId.getBytes(StandardCharsets.UTF_8);
    SampleSender.Encoder key = o.partitionBy.equals("model")
        ? s -> modelKey
        : s -> s.key == null ? null : s.key.getBytes(StandardCharsets.UTF_8);
    SampleSender.Encoder value;
    if (o.valueFormat.equals("json")) {
      SampleJson json = new SampleJson();
      value = json::encode;
    } else if (o.valueFormat.equals("avro")) {
      value = new io.streamtrain.io.SampleAvroEvent()::encode;
    } else if (o.valueFormat.equals("request")) {
      value = new io.streamtrain.io.ScoreRequests("r")::encode;
    } else {
      SampleCodec codec = new SampleCodec();
      value = codec::encode;
    }
    return new SampleSender(in, limit, prepare, key, value, () -> malformedReport.strictStop() != null);
  }

  /** Writes the Avro events' writer schema where a job's {@code input.schema} can name it. */
  private void writeAvroSchema(PrintWriter out) {
    Path file = o.avroSchemaFile();
    try {
      Files.writeString(file, io.streamtrain.io.SampleAvroEvent.schemaJson());
    } catch (IOException e) {
      throw new CliException("cannot write the events' writer schema " + file + " (" + e.getMessage()
          + "); choose another path with --avro-schema", e);
    }
    out.println("writer schema: " + file + " (a job reads these events with input: {format: avro, schema: " + file
        + ", mapping: ...})");
  }

  /** Writes the label map and the standardization where replay and scoring find them. */
  private void writeSidecar(PrintWriter out, LabelMap labels, Scaling scaling) {
    Path side = o.sidecar != null ? o.sidecar : Path.of(o.source.from + ".sidecar.json");
    try {
      new Sidecar(labels == null ? null : labels.describe(), scaling == null ? null : scaling.columns,
          scaling == null ? null : scaling.mean, scaling == null ? null : scaling.scale).write(side);
    } catch (IOException e) {
      throw new CliException("cannot write the sidecar " + side + " (" + e.getMessage() + "); choose another path"
          + " with --sidecar", e);
    }
    out.println("sidecar: " + side + " (" + (labels != null ? "label map" : "") + (labels != null && scaling != null
        ? ", " : "") + (scaling != null ? "standardization of " + scaling.mean.length + " columns" : "")
        + "; replay reads it as source.sidecar)");
  }

  /** Creates the topic if missing; returns its partition count. */
  private int ensureTopic(KafkaSettings settings) {
    Map<String, Object> extra = Map.of(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    try (Admin admin = Admin.create(settings.toProperties(extra))) {
      Topics.ensure(admin, Topics.TopicSpec.of(topic, o.partitions == null ? Topics.ANY_PARTITIONS : o.partitions));
      return Topics.describe(admin, topic).map(d -> d.partitions().size()).orElse(1);
    }
  }
}
