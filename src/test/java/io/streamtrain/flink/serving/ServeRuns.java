package io.streamtrain.flink.serving;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.ScoreRequest;
import io.streamtrain.core.SpecReader;
import io.streamtrain.core.model.Model;
import io.streamtrain.core.model.ModelSpecs;
import io.streamtrain.flink.training.Snapshots;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.SnapshotParts;
import io.streamtrain.job.ServeSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Running the serve job in tests, and writing its inputs: requests and hand-made model versions. */
public final class ServeRuns {
  private ServeRuns() {}

  /** Starts the serve job of {@code spec} in a local MiniCluster (restarts off), optionally from a savepoint. */
  public static JobClient start(ServeSpec spec, String bootstrap, String savepoint) throws Exception {
    Configuration conf = new Configuration();
    conf.setString("restart-strategy.type", "none");
    if (savepoint != null) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), conf);
    ServeJob.configure(env, spec);
    KafkaServeIo.job(spec, KafkaSettings.ofBootstrap(bootstrap)).build(env);
    return env.executeAsync("serve-" + spec.name());
  }

  /** The Avro binary value of a ScoreRequest, ModelSnapshot or any generated record. */
  public static <T extends org.apache.avro.specific.SpecificRecord> byte[] encode(T r) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
      new SpecificDatumWriter<T>(r.getSchema()).write(r, enc);
      enc.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void send(KafkaProducer<byte[], byte[]> p, String topic, ScoreRequest r) {
    p.send(new ProducerRecord<>(topic, r.getModelId().getBytes(StandardCharsets.UTF_8), encode(r)));
  }

  /**
   * Publishes {@code params} as version {@code version} of {@code modelId} (the model section {@code model}) on
   * {@code topic}, in the training job's wire form (keys and partition of each part).
   */
  public static void publish(KafkaProducer<byte[], byte[]> p, String topic, String modelId, Map<String, Object> model,
      double[] params, long version) {
    Model m = ModelSpecs.fromSpec(new SpecReader("model", model)).newModel(1);
    int partitions = p.partitionsFor(topic).size();
    Snapshots.publish(modelId, params, new double[0], version * 10, version * 160, "sgd", m, model, version, 0L,
        s -> p.send(new ProducerRecord<>(topic, SnapshotParts.partition(modelId, partitions),
            SnapshotParts.key(s).getBytes(StandardCharsets.UTF_8), encode(s))));
    p.flush();
  }
}
