package io.streamtrain.replay;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.core.data.Batch;
import io.streamtrain.core.fit.CountingObjective;
import io.streamtrain.core.fit.FitListener;
import io.streamtrain.core.fit.FitResult;
import io.streamtrain.core.fit.ModelObjective;
import io.streamtrain.core.model.Model;
import io.streamtrain.flink.training.Snapshots;
import io.streamtrain.io.AvroBytes;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.Schemas;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.SnapshotParts;
import io.streamtrain.io.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code streamtrain fit}: reads the spec's bounded range ({@link FitSamples}), fits the job's model for the model
 * id with the spec's batch method from the model's initializer, and publishes the result as a ModelSnapshot on the
 * model topic (the next version after any published one of that id, in one Kafka transaction), where a training
 * job's {@code warm_start} picks it up: same model section, same layout. Batch-norm running statistics are those of
 * the fitted parameters over the data (one update per batch).
 */
public final class FitRunner {
  /** What a fit did: its data, result, and where it published (topic null when it did not). */
  public record Outcome(long rows, long otherModels, long rejected, int batches, double initialLoss,
      FitResult result, String topic, String modelId, long version, double[] params) {}

  private FitRunner() {}

  public static Outcome run(FitSpec spec, KafkaSettings kafka, FitListener listener) {
    FitSamples.Data data = FitSamples.read(spec, kafka);
    Model model = spec.config().model().newModel(spec.batchRows());
    double[] params = new double[model.numParams()];
    model.init(params, spec.config().model().seed());
    CountingObjective f = new CountingObjective(new ModelObjective(model, data.batches()));
    double initial = f.value(params);
    FitResult res = spec.method().minimize(params, f, listener);
    double[] buffers = new double[model.numBuffers()];
    model.initBuffers(buffers);
    for (Batch b : data.batches()) {
      model.updateBuffers(params, b, buffers);
    }
    if (spec.publishTopic() == null) {
      return new Outcome(data.rows(), data.otherModels(), data.rejected(), data.batches().size(), initial, res, null,
          null, 0, params);
    }
    long version = publish(spec, kafka, model, params, buffers, data.rows(), res);
    return new Outcome(data.rows(), data.otherModels(), data.rejected(), data.batches().size(), initial, res,
        spec.publishTopic(), spec.publishModelId(), version, params);
  }

  private static long publish(FitSpec spec, KafkaSettings kafka, Model model, double[] params, double[] buffers,
      long rows, FitResult res) {
    String topic = spec.publishTopic();
    String id = spec.publishModelId();
    int partitions;
    try (Admin admin = Admin.create(kafka.toProperties(Map.of()))) {
      Topics.ensure(admin, Topics.TopicSpec.compacted(topic, spec.publishPartitions()));
      partitions = Topics.describe(admin, topic).orElseThrow().partitions().size();
    }
    Map<String, SnapshotAssembler.Assembled> existing = ModelSnapshots.read(kafka, topic, id::equals, null,
        "publish.topic");
    long version = existing.containsKey(id) ? existing.get(id).version() + 1 : 1;
    String bytes = org.apache.kafka.common.serialization.ByteArraySerializer.class.getName();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.toProperties(Map.of(
        "key.serializer", bytes,
        "value.serializer", bytes,
        "transactional.id", "streamtrain-fit-" + spec.name() + "-" + id,
        "enable.idempotence", "true")))) {
      producer.initTransactions();
      producer.beginTransaction();
      int partition = SnapshotParts.partition(id, partitions);
      AvroBytes<ModelSnapshot> avro = new AvroBytes<>(ModelSnapshot.class);
      Snapshots.publish(id, params, buffers, res.iterations(), rows, spec.method().name(), model,
          modelSection(spec), version, System.currentTimeMillis(), s -> {
            ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(topic, partition, null,
                SnapshotParts.key(s).getBytes(StandardCharsets.UTF_8), avro.encode(s),
                List.of(Schemas.header(s.getSchema())));
            producer.send(rec);
          });
      producer.commitTransaction();
    }
    return version;
  }

  /** The job's model section for the model id, as the training job writes it into its snapshots. */
  @SuppressWarnings("unchecked")
  static Map<String, ?> modelSection(FitSpec spec) {
    io.streamtrain.job.JobSpec job = spec.replay().configs().get(0).job();
    return (Map<String, ?>) job.configMap(job.configIndex(spec.modelId())).get("model");
  }
}
