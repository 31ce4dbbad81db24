package io.streamtrain.cli;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.core.SpecException;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.model.ModelSpec;
import io.streamtrain.core.model.ModelSpecs;
import io.streamtrain.export.OnnxExporter;
import io.streamtrain.export.Precision;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code streamtrain export}: one model version from the model topic as an ONNX file ({@link OnnxExporter}). It
 * reads the topic to its end with read_committed isolation, assembles the version from its parts and checks its
 * parameters against their checksum ({@link ModelSnapshots#read}), then writes the graph (to a temporary file
 * first, so OUT never holds half a model). The model topic is compacted by model id: once the broker has
 * compacted it, only each model's latest version is left, so {@code --version} finds an older version only while
 * compaction has not yet removed it.
 */
@Command(
    name = "export",
    sortOptions = false,
    description = {"Write a model version from the model topic as an ONNX file (input 'features', output 'value',"
        + " 'probability' or 'probabilities'; see the README's ONNX section).",
        "The model topic is compacted: after compaction only each model's latest version can be read."})
public final class ExportCommand implements Callable<Integer> {

  // --version names the model version here, so the standard -V/--version (the streamtrain version) is left out.
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Mixin KafkaOptions kafkaOptions;

  @Option(names = "--topic", required = true, paramLabel = "TOPIC",
      description = "The model topic (the training job's topics.models).")
  String topic;

  @Option(names = "--model-id", required = true, paramLabel = "ID", description = "The model to export.")
  String modelId;

  @Option(names = "--version", paramLabel = "V",
      description = "The version to export (default: the latest). The topic is compacted, so an older version is "
          + "there only until compaction removes it; the latest is always there.")
  Long version;

  @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "Output format: onnx.")
  String format;

  @Option(names = "--precision", defaultValue = "float64", paramLabel = "P",
      description = "Element type of the graph: float64 (default; the predictions equal streamtrain's to about "
          + "1e-15) or float32 (half the size; about 1e-7 relative).")
  String precision;

  @Parameters(index = "0", paramLabel = "OUT.onnx", description = "The file to write.")
  Path out;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (!"onnx".equals(format)) {
      throw new SpecException("--format", format, "allowed: onnx");
    }
    Precision p = Precision.of(precision);
    if (p == null) {
      throw new SpecException("--precision", precision, "allowed: float32, float64");
    }
    if (version != null && version < 1) {
      throw new SpecException("--version", version, "allowed: a version number >= 1");
    }
    Path dir = out.toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      throw new CliException("cannot write " + out + ": the directory " + dir + " does not exist");
    }
    KafkaSettings settings = kafkaOptions.settings();
    BrokerCheck.require(settings);
    // Asked first through the admin client, for an error that says where it looked (the reader itself no longer
    // creates a missing topic: ModelSnapshots.read disables auto-creation).
    try (Admin admin = Admin.create(settings.toProperties(Map.of()))) {
      if (Topics.describe(admin, topic).isEmpty()) {
        throw new CliException("topic " + topic + " does not exist on " + settings.bootstrapServers()
            + " (--topic names the training job's topics.models)");
      }
    }
    SnapshotAssembler.Assembled a = find(settings);
    ModelSnapshot head = a.head();
    ModelSpec model = ModelSpecs.fromSpec(new SpecReader("model_json", ModelSnapshots.modelSpec(head, "model_json")));
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("streamtrain.model_id", a.modelId());
    meta.put("streamtrain.version", Long.toString(a.version()));
    meta.put("streamtrain.step", Long.toString(head.getStep()));
    meta.put("streamtrain.model_json", head.getSpec().getModelJson());
    meta.put("streamtrain.input", "dense=" + model.features().denseDim() + ", sparse=" + model.features().sparseDim()
        + ", hash_bits=" + model.features().hashBits());
    byte[] bytes;
    try {
      bytes = OnnxExporter.export(model, a.parameters(), ModelSnapshots.buffers(head), p, meta);
    } catch (IllegalArgumentException e) {
      throw new CliException("cannot export " + a.modelId() + " version " + a.version() + ": " + e.getMessage(), e);
    }
    write(bytes);
    spec.commandLine().getOut().printf("wrote %s: model %s version %d (step %d), %s, %s [batch, %d] -> %s [batch, %d],"
        + " %s, %d bytes%n", out, a.modelId(), a.version(), head.getStep(), model.type().specName,
        OnnxExporter.INPUT, model.inputDim(), OnnxExporter.outputName(model), model.outputs(), p.cliName,
        bytes.length);
    return 0;
  }

  /** The wanted version of the model, or a one-line error saying what the topic holds instead. */
  private SnapshotAssembler.Assembled find(KafkaSettings settings) {
    SnapshotAssembler.Assembled latest = ModelSnapshots.read(settings, topic, modelId::equals, null, "--topic")
        .get(modelId);
    if (latest == null) {
      var ids = ModelSnapshots.read(settings, topic, id -> true, null, "--topic").keySet();
      throw new CliException("no version of model '" + modelId + "' on topic " + topic
          + (ids.isEmpty() ? " (it holds no model snapshot)" : " (models there: " + String.join(", ", ids) + ")"));
    }
    if (version == null || version == latest.version()) {
      return latest;
    }
    SnapshotAssembler.Assembled wanted = version > latest.version() ? null
        : ModelSnapshots.read(settings, topic, modelId::equals, version, "--version").get(modelId);
    if (wanted == null) {
      throw new CliException("model '" + modelId + "' has no version " + version + " on topic " + topic
          + "; its latest version is " + latest.version()
          + (version > latest.version() ? "" : " (the model topic is compacted: older versions are kept only until"
              + " compaction removes them, the latest is always there)"));
    }
    return wanted;
  }

  private void write(byte[] bytes) {
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new CliException("cannot write " + out + ": " + e.getMessage(), e);
    }
  }
}
