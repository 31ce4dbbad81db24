package io.streamtrain.cli;

import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.Topics;
import io.streamtrain.io.gen.ClickEvents;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Writes a seeded pair of topics for delayed labels ({@code input.labels}, jobs/events-clicks.yaml): JSON ad
 * impressions, then the clicks on some of them ({@link ClickEvents}), each keyed by impression id, idempotent so
 * each partition keeps the order sent. The same options give the same records. Ends with one line on stdout:
 * {@code produced N impressions to T and M clicks to C}.
 */
@Command(
    name = "produce-clicks",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Write a seeded impressions topic and a clicks topic (JSON) for a delayed-label job.")
public final class ProduceClicksCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafkaOptions;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--impressions-topic", defaultValue = "impressions", description = "Features topic (default ${DEFAULT-VALUE}).")
  String impressionsTopic;

  @Option(names = "--clicks-topic", defaultValue = "clicks", description = "Labels topic (default ${DEFAULT-VALUE}).")
  String clicksTopic;

  @Option(names = "--count", defaultValue = "100000", description = "Impressions (default ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--tenants", defaultValue = "2", description = "Model ids t-0, t-1, ... (default ${DEFAULT-VALUE}).")
  int tenants;

  @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--start-time", defaultValue = "1764745200000", description = "Event time of the first impression, epoch ms (default ${DEFAULT-VALUE}).")
  long startTime;

  @Option(names = "--step-ms", defaultValue = "100", description = "Event time between impressions (default ${DEFAULT-VALUE}).")
  long stepMs;

  @Option(names = "--window-ms", defaultValue = "600000", description = "The job's window_ms: clicks come after up to 1.5 times it (default ${DEFAULT-VALUE}).")
  long windowMs;

  @Option(names = "--disorder", defaultValue = "8", description = "Events are sent shuffled within blocks of this many (default ${DEFAULT-VALUE}).")
  int disorder;

  @Option(names = "--partitions", defaultValue = "2", description = "Partitions of topics created here (default ${DEFAULT-VALUE}).")
  int partitions;

  @Override
  public Integer call() throws Exception {
    if (count < 1 || tenants < 1 || stepMs < 1 || windowMs < 1 || disorder < 1 || partitions < 1) {
      throw new CliException("--count, --tenants, --step-ms, --window-ms, --disorder and --partitions must be >= 1");
    }
    KafkaSettings settings = kafkaOptions.settings();
    try (Admin admin = Admin.create(settings.toProperties(Map.of(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000)))) {
      Topics.ensure(admin, Topics.TopicSpec.of(impressionsTopic, partitions));
      Topics.ensure(admin, Topics.TopicSpec.of(clicksTopic, partitions));
    }
    ClickEvents ev = new ClickEvents(count, tenants, seed, startTime, stepMs, windowMs, disorder);
    java.util.Properties p = settings.toProperties(Map.of("acks", "all", "enable.idempotence", "true",
        "compression.type", "lz4", "linger.ms", "10"));
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      send(producer, impressionsTopic, ev.impressions(), failure);
      send(producer, clicksTopic, ev.clicks(), failure);
      producer.flush();
    }
    if (failure.get() != null) {
      throw new CliException("sending failed: " + failure.get().getMessage());
    }
    spec.commandLine().getOut().println("produced " + ev.impressions().size() + " impressions to " + impressionsTopic + " and "
        + ev.clicks().size() + " clicks to " + clicksTopic);
    return 0;
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, List<ClickEvents.Event> events,
      AtomicReference<Exception> failure) {
    for (ClickEvents.Event e : events) {
      producer.send(new ProducerRecord<>(topic, e.key().getBytes(StandardCharsets.UTF_8), e.value()), (md, ex) -> {
        if (ex != null) {
          failure.compareAndSet(null, ex);
        }
      });
    }
  }
}
