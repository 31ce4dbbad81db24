package io.streamtrain.io;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Idempotent topic creation with the AdminClient: a topic that already exists is fine as long as its partition
 * count matches what was asked (when a count was asked at all), so every command and job can "ensure" its
 * topics at start-up without coordination. Replication factor 1 by default (the embedded single-node broker);
 * the model topic is compacted so it keeps the latest snapshot per model id.
 */
public final class Topics {
  /**
   * Partitions of a topic created without an explicit count: the same as the topics a training job creates
   * ({@code topics.partitions}, default 2), so a topic made by {@code produce} and one made by {@code train} look
   * alike and a parallelism-2 job reads both with both readers.
   */
  public static final int DEFAULT_PARTITIONS = 2;

  /** Partition count meaning "whatever the topic has" when it exists (and {@link #DEFAULT_PARTITIONS} when created). */
  public static final int ANY_PARTITIONS = -1;

  private Topics() {}

  /** What a topic should look like. */
  public record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs) {
    public TopicSpec {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("topic: a non-empty name is required");
      }
      if (partitions == 0 || partitions < ANY_PARTITIONS) {
        throw new IllegalArgumentException(
            "partitions: " + partitions + " is not allowed; use a positive count (or -1 for any)");
      }
      configs = Map.copyOf(new TreeMap<>(configs));
    }

    /** A plain (delete-retention) topic. */
    public static TopicSpec of(String name, int partitions) {
      return new TopicSpec(name, partitions, (short) 1, Map.of());
    }

    /** A compacted topic, for model snapshots keyed by model id. */
    public static TopicSpec compacted(String name, int partitions) {
      return new TopicSpec(
          name, partitions, (short) 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    public TopicSpec withReplicationFactor(short rf) {
      return new TopicSpec(name, partitions, rf, configs);
    }
  }

  /**
   * Creates the topic unless it exists. Returns true when it was created. Fails when an existing topic has a
   * different partition count than a specific one that was asked for.
   */
  public static boolean ensure(Admin admin, TopicSpec spec) {
    Optional<TopicDescription> existing = describe(admin, spec.name());
    if (existing.isPresent()) {
      checkPartitions(spec, existing.get().partitions().size());
      return false;
    }
    NewTopic nt =
        new NewTopic(spec.name(), spec.partitions() == ANY_PARTITIONS ? DEFAULT_PARTITIONS : spec.partitions(), spec.replicationFactor())
            .configs(spec.configs());
    try {
      admin.createTopics(List.of(nt)).all().get(60, TimeUnit.SECONDS);
      awaitLeaders(admin, spec.name(), nt.numPartitions(), 60_000);
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        // Somebody else created it between our describe and create: fine if it has the right shape.
        checkPartitions(spec, describe(admin, spec.name()).orElseThrow().partitions().size());
        return false;
      }
      throw new IllegalStateException("cannot create topic " + spec.name() + ": " + e.getCause().getMessage(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out creating topic " + spec.name(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating topic " + spec.name(), e);
    }
  }

  /**
   * Waits until every partition of a just-created topic answers a leader-only request (ListOffsets). Until its
   * leader has taken over, produce requests get NOT_LEADER_OR_FOLLOWER, and an idempotent producer's retried
   * batches can stall until their delivery timeout: writing right after creation is only safe after this.
   */
  public static void awaitLeaders(Admin admin, String topic, int partitions, long timeoutMs) {
    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> probe = new TreeMap<>(
        java.util.Comparator.comparingInt(org.apache.kafka.common.TopicPartition::partition));
    for (int p = 0; p < partitions; p++) {
      probe.put(new org.apache.kafka.common.TopicPartition(topic, p),
          org.apache.kafka.clients.admin.OffsetSpec.latest());
    }
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (true) {
      try {
        admin.listOffsets(probe).all().get(10, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException | TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("topic " + topic + ": partition leaders not ready after " + timeoutMs
              + " ms: " + e.getMessage(), e);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for the leaders of " + topic, e);
      }
      try {
        Thread.sleep(50); // polling the broker for leadership; not a wait on a fixed duration
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for the leaders of " + topic, e);
      }
    }
  }

  /** The topic's description, or empty when it does not exist. */
  public static Optional<TopicDescription> describe(Admin admin, String topic) {
    try {
      return Optional.of(admin.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS).get(topic));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return Optional.empty();
      }
      throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause().getMessage(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out describing topic " + topic, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted describing topic " + topic, e);
    }
  }

  private static void checkPartitions(TopicSpec spec, int actual) {
    if (spec.partitions() != ANY_PARTITIONS && spec.partitions() != actual) {
      throw new IllegalStateException(
          "topic "
              + spec.name()
              + " exists with "
              + actual
              + " partitions but "
              + spec.partitions()
              + " were asked for; use a new topic name or --partitions "
              + actual);
    }
  }

  /**
   * A byte-array consumer for a reader that follows a topic by assignment (no group, nothing committed) and sees
   * only committed records (read_committed: a training job's transactional output); it never creates a topic.
   * Use with {@link #assignFromStart}.
   */
  public static org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> follower(KafkaSettings kafka) {
    String bytes = org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName();
    return new org.apache.kafka.clients.consumer.KafkaConsumer<>(kafka.toProperties(Map.of(
        "key.deserializer", bytes,
        "value.deserializer", bytes,
        "isolation.level", "read_committed",
        "enable.auto.commit", "false",
        "allow.auto.create.topics", "false")));
  }

  /**
   * Assigns {@code consumer} every partition of {@code topic} from the beginning, waiting (polling its metadata
   * every half second) while the topic does not exist yet, e.g. until a training job creates it; returns false
   * when {@code running} turned false first. The consumer should not create topics
   * ({@code allow.auto.create.topics=false}): the job creates them with their settings.
   */
  public static boolean assignFromStart(org.apache.kafka.clients.consumer.KafkaConsumer<?, ?> consumer, String topic,
      java.util.function.BooleanSupplier running) throws InterruptedException {
    var infos = consumer.partitionsFor(topic, java.time.Duration.ofSeconds(30));
    while (running.getAsBoolean() && (infos == null || infos.isEmpty())) {
      Thread.sleep(500);
      infos = consumer.partitionsFor(topic, java.time.Duration.ofSeconds(30));
    }
    if (!running.getAsBoolean()) {
      return false;
    }
    List<org.apache.kafka.common.TopicPartition> parts = new java.util.ArrayList<>();
    infos.forEach(pi -> parts.add(new org.apache.kafka.common.TopicPartition(topic, pi.partition())));
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    return true;
  }
}
