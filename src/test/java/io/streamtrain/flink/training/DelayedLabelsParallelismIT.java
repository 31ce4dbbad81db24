package io.streamtrain.flink.training;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.producer;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.gen.ClickEvents;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A live join at a parallelism above the topics' partition count (3 on 2 partitions) decides every sample, as the
 * rule says: the sources run with one reader per partition, since a reader without a partition would send no
 * watermark and hold every decision back for good. And a labels topic that stays silent holds nothing back once
 * {@code idle_timeout_ms} is set: every feature is decided as a negative when its window closes.
 */
class DelayedLabelsParallelismIT {
  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void moreSubtasksThanPartitionsStillDecides() throws Exception {
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      createTopics(bs, 2, "dl-features", "dl-clicks");
      ClickEvents ev = new ClickEvents(2000, 2, 11, DelayedLabelsIT.T0, DelayedLabelsIT.STEP, DelayedLabelsIT.WINDOW,
          8);
      DelayedLabelsIT.send(bs, "dl-features", ev.impressions());
      DelayedLabelsIT.send(bs, "dl-clicks", ev.clicks());
      DelayedLabelsIT.ticks(bs);
      // Unbounded: the far-future ticks close every window; the collect stops the job after 2000 samples.
      assertThat(joinedByModel(JobSpec.fromMap(DelayedLabelsIT.spec("dl-p3", false)), bs, 3, 2000))
          .isEqualTo(DelayedLabelsIT.expected(ev));
    }
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void aSilentLabelsTopicHoldsNothingBackWithAnIdleTimeout() throws Exception {
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      createTopics(bs, 2, "dl-features", "dl-clicks");
      ClickEvents ev = new ClickEvents(1000, 2, 12, DelayedLabelsIT.T0, DelayedLabelsIT.STEP, DelayedLabelsIT.WINDOW,
          8);
      DelayedLabelsIT.send(bs, "dl-features", ev.impressions());
      // A far-future feature on each partition moves the features' watermark past every window; the labels topic
      // receives nothing at all.
      try (KafkaProducer<byte[], byte[]> p = producer(bs)) {
        for (int part = 0; part < 2; part++) {
          p.send(new ProducerRecord<>("dl-features", part, null,
              ("{\"id\": \"tick\", \"tenant\": \"tick\", \"ts\": " + DelayedLabelsIT.TICK
                  + ", \"price\": 0, \"user\": {}}").getBytes(StandardCharsets.UTF_8)));
        }
        p.flush();
      }
      Map<String, Object> m = new LinkedHashMap<>(DelayedLabelsIT.spec("dl-idle", false));
      @SuppressWarnings("unchecked")
      Map<String, Object> in = new LinkedHashMap<>((Map<String, Object>) m.get("input"));
      @SuppressWarnings("unchecked")
      Map<String, Object> labels = new LinkedHashMap<>((Map<String, Object>) in.get("labels"));
      labels.put("idle_timeout_ms", 500);
      in.put("labels", labels);
      m.put("input", in);
      Map<String, List<String>> byModel = joinedByModel(JobSpec.fromMap(m), bs, 2, 1000);
      // Without labels, every feature is a negative decided at tf + window: per model in feature-time order.
      Map<String, List<String>> want = new TreeMap<>();
      ev.impressions().stream().sorted(Comparator.comparingLong(ClickEvents.Event::time))
          .forEach(f -> want.computeIfAbsent(f.tenant(), k -> new ArrayList<>())
              .add(f.time() + " 0.0 " + f.price()));
      assertThat(byModel).isEqualTo(want);
    }
  }

  /** The first {@code n} joined samples of a live job, per model: "time label price" in the order emitted. */
  private static Map<String, List<String>> joinedByModel(JobSpec spec, String bs, int parallelism, int n)
      throws Exception {
    Configuration conf = new Configuration();
    conf.setString("restart-strategy.type", "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    env.getConfig().enableObjectReuse();
    List<String> got = LabelJoinStream.kafka(spec, KafkaSettings.ofBootstrap(bs)).build(env)
        .filter(r -> !r.isRejected() && r.example.modelId().startsWith("t-"))
        .map(r -> r.example.modelId() + "|" + r.example.eventTime() + " " + r.example.label() + " "
            + r.example.denseValue(0)).returns(String.class)
        .executeAndCollect(spec.name(), n);
    Map<String, List<String>> byModel = new TreeMap<>();
    for (String g : got) {
      String[] x = g.split("\\|");
      byModel.computeIfAbsent(x[0], k -> new ArrayList<>()).add(x[1]);
    }
    return byModel;
  }
}
