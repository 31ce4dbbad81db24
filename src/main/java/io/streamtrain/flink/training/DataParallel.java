package io.streamtrain.flink.training;

import io.streamtrain.avro.ModelSnapshot;
import io.streamtrain.avro.RejectedSample;
import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.job.JobSpec;
import java.util.ServiceLoader;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.OutputTag;

/**
 * The training graph of a data-parallel spec ({@code parallel.workers > 1}, docs/parallel.md). {@code flink.parallel}
 * builds on this package's pieces (the validated samples, the batcher, the trainer state, the snapshots) and
 * provides the graph through {@link ServiceLoader}, so this package never depends on it and the two stay one way.
 */
public interface DataParallel {
  /** The graph of {@code spec} whose round loop goes through Kafka (its rounds topic, created if missing). */
  Graph kafka(JobSpec spec, KafkaSettings kafka);

  /** Adds the data-parallel part after the validation. */
  interface Graph {
    Outputs build(StreamExecutionEnvironment env, JobSpec spec, DataStream<SampleRecord> validated,
        OutputTag<ModelSnapshot> snapshots, OutputTag<RejectedSample> rejected);
  }

  /** What the graph produces: metrics (snapshots on their {@code snapshots} side output) and rejected samples. */
  record Outputs(SingleOutputStreamOperator<TrainingMetrics> metrics, DataStream<RejectedSample> rejected) {}

  /** The provider on the class path ({@code flink.parallel}'s). */
  static DataParallel load() {
    return ServiceLoader.load(DataParallel.class, DataParallel.class.getClassLoader()).findFirst()
        .orElseThrow(() -> new IllegalStateException("no data-parallel graph on the class path (flink.parallel's "
            + "META-INF/services entry for " + DataParallel.class.getName() + " is missing)"));
  }
}
