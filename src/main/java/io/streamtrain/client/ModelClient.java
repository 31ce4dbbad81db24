package io.streamtrain.client;

import io.streamtrain.core.model.ModelSpec;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.ModelSnapshots;
import io.streamtrain.io.SnapshotAssembler;
import io.streamtrain.io.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * The model topic's latest versions, in a service: no Flink. A background thread follows the compacted model
 * topic from its beginning with read_committed isolation (only snapshots of committed training transactions),
 * assembles each version from its parts and checks its parameters against their CRC32C checksum
 * ({@link SnapshotAssembler}); a complete version newer than the one held replaces it in one reference swap, so a
 * prediction uses one version entirely, never a mix. Versions only move forward: a version at or below the one
 * held is ignored (a job started again from scratch publishes from version 1 again: start a new client). The
 * topic may not exist yet when the client starts: it waits for the training job to create it.
 *
 * <p>Predictions go through a {@link Predictor}, one per thread: {@code predict} scores one example with the
 * model's evaluation-mode forward pass (the core's own code, so a prediction equals the training side's to the
 * last bit) and allocates nothing once its scratch has grown; it hashes named fields exactly as training does
 * (docs/hashing.md).
 *
 * <pre>{@code
 * try (ModelClient client = ModelClient.follow(KafkaSettings.ofBootstrap("broker:9092"), "models", id -> true)) {
 *   client.awaitVersion("ctr", 1, Duration.ofSeconds(30));
 *   ModelClient.Predictor p = client.predictor("ctr");
 *   Example e = new Example().addCategorical("site", "news").addCategorical("ad", "a17");
 *   double[] out = new double[p.outputs()];
 *   long version = p.predict(e, out); // out[0]: the click probability under that version
 * }
 * }</pre>
 */
public final class ModelClient implements AutoCloseable {
  /**
   * One complete, checksum-verified version of a model, ready to score: immutable once published (its arrays are
   * never written), so any number of predictors may read it while the follower swaps in the next one.
   */
  public record Version(String modelId, long version, long step, ModelSpec spec, String modelJson,
      double[] params, double[] buffers) {}

  private final Map<String, Version> current = new ConcurrentHashMap<>();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private final String topic;
  private volatile boolean running = true;
  private volatile Throwable failure;
  private volatile long skipped;
  private volatile long corrupt;

  private ModelClient(KafkaSettings kafka, String topic, Predicate<String> modelIds) {
    this.topic = Objects.requireNonNull(topic);
    this.consumer = Topics.follower(kafka);
    this.thread = new Thread(() -> run(modelIds), "model-client-" + topic);
    this.thread.setDaemon(true);
  }

  private ModelClient(List<Version> fixed) {
    this.topic = "(fixed versions)";
    this.consumer = null;
    this.thread = null;
    for (Version v : fixed) {
      current.put(v.modelId(), v);
    }
  }

  /**
   * A client holding the given versions and following no topic: for tests of a service, benchmarks, and models
   * obtained by other means (e.g. a snapshot read once with {@link ModelSnapshots}).
   */
  public static ModelClient of(Version... versions) {
    return new ModelClient(List.of(versions));
  }

  /**
   * Starts following {@code topic} (a training job's {@code topics.models}) for the model ids {@code modelIds}
   * accepts. Returns at once; {@link #awaitVersion} waits for a first version.
   */
  public static ModelClient follow(KafkaSettings kafka, String topic, Predicate<String> modelIds) {
    ModelClient c = new ModelClient(kafka, topic, modelIds);
    c.thread.start();
    return c;
  }

  /** The version of {@code modelId} held now, or null before its first complete version. */
  public Version current(String modelId) {
    return current.get(modelId);
  }

  /**
   * Waits until a version of {@code modelId} at or above {@code minVersion} is held; returns it, or null on
   * timeout. Throws when the follower thread has failed (the cause attached).
   */
  public Version awaitVersion(String modelId, long minVersion, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Version v = current.get(modelId);
      if (v != null && v.version() >= minVersion) {
        return v;
      }
      if (failure != null) {
        throw new IllegalStateException("the model topic follower of " + topic + " failed", failure);
      }
      if (System.nanoTime() > deadline) {
        return null;
      }
      Thread.sleep(1);
    }
  }

  /** A predictor of {@code modelId} for the calling thread (predictors are not thread-safe; versions are). */
  public Predictor predictor(String modelId) {
    return new Predictor(this, modelId);
  }

  /** Records of the topic that were not snapshots of an accepted model or were malformed parts. */
  public long skippedRecords() {
    return skipped;
  }

  /** Versions whose parts all arrived but whose parameters failed their checksum (never served). */
  public long corruptVersions() {
    return corrupt;
  }

  private void run(Predicate<String> modelIds) {
    ModelVersions versions = new ModelVersions(modelIds);
    try {
      // A service may start before the training job has created its model topic: wait for it.
      if (!Topics.assignFromStart(consumer, topic, () -> running)) {
        return;
      }
      while (running) {
        boolean any = false;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          versions.add(r.value());
          any = true;
        }
        if (any) {
          // Each model's newest complete version newer than the one held, swapped in whole.
          corrupt = versions.corruptModels();
          for (Version v : versions.newer(current::get)) {
            current.put(v.modelId(), v);
          }
        }
        skipped = versions.skipped();
      }
    } catch (WakeupException | InterruptedException e) {
      if (running) {
        failure = e;
      }
    } catch (RuntimeException | Error e) {
      failure = e;
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    if (consumer != null) {
      consumer.wakeup();
      thread.join(TimeUnit.SECONDS.toMillis(10));
    }
  }

  /**
   * Scores examples of one model id with the version held at each call; one per thread. Keeps a core model
   * instance (scratch memory) per model configuration, created on the first call and again only when a new
   * version changes the model's configuration.
   */
  public static final class Predictor {
    private final ModelClient client;
    private final String modelId;
    private final Scorer scorer = new Scorer();

    Predictor(ModelClient client, String modelId) {
      this.client = client;
      this.modelId = modelId;
    }

    /** Values per prediction: 1 for linear and logistic models, K class probabilities for softmax. */
    public int outputs() {
      Version v = client.current(modelId);
      if (v == null) {
        throw new IllegalStateException("no version of model '" + modelId + "' yet");
      }
      return v.spec().outputs();
    }

    /**
     * Scores {@code example} (its features as in a training Sample; label and weight ignored) into {@code out}
     * with the version held now, and returns that version's number. For a logistic model out[0] is the
     * probability of class 1, for softmax out[k] the probability of class k, for linear the prediction. Throws
     * IllegalStateException before the model's first version, and IllegalArgumentException when the example does
     * not fit the model's features (its dense length, a sparse index out of range, named fields for a model
     * without hashing).
     */
    public long predict(io.streamtrain.core.data.Example example, double[] out) {
      Version v = client.current(modelId);
      if (v == null) {
        throw new IllegalStateException("no version of model '" + modelId + "' yet");
      }
      scorer.predict(v, example, out);
      return v.version();
    }
  }
}
