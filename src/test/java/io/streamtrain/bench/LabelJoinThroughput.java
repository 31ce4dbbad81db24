package io.streamtrain.bench;

import io.streamtrain.flink.training.JoinDeserializer;
import io.streamtrain.flink.training.JoinRecord;
import io.streamtrain.flink.training.KafkaTrainingIo;
import io.streamtrain.flink.training.LabelJoinStream;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.io.gen.ClickEvents;
import io.streamtrain.job.JobSpec;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.CliRun;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * End-to-end records/s of the delayed-label join: an in-process broker, {@code produce-clicks} writes N impressions
 * and their clicks (2 partitions each), then bounded Flink jobs read both topics at parallelism P, alternating
 * (a) decode only (both sources and the split of rejects, nothing joined) and (b) decode, join, decision order;
 * input records (impressions + clicks) per second of job wall time. A scripted benchmark, not a test.
 *
 * <p>Arguments: {@code [records=300000] [parallelism=2] [rounds=3]}.
 */
public final class LabelJoinThroughput {
  private LabelJoinThroughput() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = BenchArgs.parse(args, Map.of("records", "300000", "parallelism", "2", "rounds", "3"));
    int n = Integer.parseInt(a.get("records"));
    int p = Integer.parseInt(a.get("parallelism"));
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      CliRun produced = CliRun.run("produce-clicks", "--bootstrap", bs, "--impressions-topic", "bench-imp",
          "--clicks-topic", "bench-clk", "--count", Integer.toString(n), "--window-ms", "600000");
      System.out.println(produced.out().trim());
      String[] words = produced.out().trim().split(" ");
      long records = Long.parseLong(words[1]) + Long.parseLong(words[6]);
      JobSpec spec = JobSpec.fromMap(spec(p));
      for (int round = 0; round < Integer.parseInt(a.get("rounds")); round++) {
        for (boolean join : List.of(false, true)) {
          StreamExecutionEnvironment env = env(p);
          KafkaSettings kafka = KafkaSettings.ofBootstrap(bs);
          if (join) {
            LabelJoinStream.kafka(spec, kafka).build(env).sinkTo(new DiscardingSink<>());
          } else {
            // The same sources, deserializers and watermarks, the records dropped after decoding.
            WatermarkStrategy<JoinRecord> wm = WatermarkStrategy.<JoinRecord>forBoundedOutOfOrderness(
                Duration.ofMillis(10_000)).withTimestampAssigner((r, ts) -> r.example.eventTime());
            for (boolean labels : List.of(false, true)) {
              env.fromSource(KafkaTrainingIo.source(spec, kafka, labels ? "bench-clk" : "bench-imp",
                  new JoinDeserializer(spec.input(), labels)), wm, labels ? "labels" : "features")
                  .returns(JoinRecord.TYPE).filter(r -> r.kind != JoinRecord.REJECTED).sinkTo(new DiscardingSink<>());
            }
          }
          long t0 = System.nanoTime();
          env.execute("bench");
          double secs = (System.nanoTime() - t0) / 1e9;
          System.out.printf("round %d %-12s %d records in %.2f s: %.0f records/s%n", round,
              join ? "join" : "decode-only", records, secs, records / secs);
        }
      }
    }
  }

  static StreamExecutionEnvironment env(int p) {
    Configuration conf = new Configuration();
    conf.setString("restart-strategy.type", "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(p, conf);
    env.getConfig().enableObjectReuse();
    return env;
  }

  static Map<String, Object> spec(int p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "bench-join");
    m.put("model", Map.of("type", "logistic", "features", Map.of("dense", 1, "hash_bits", 16)));
    m.put("optimizer", Map.of("type", "ftrl", "lr", 0.1));
    m.put("topics", Map.of("samples", "bench-imp"));
    m.put("parallelism", p);
    m.put("source", Map.of("bounded", true));
    m.put("input", Map.of("format", "json",
        "mapping", Map.of("model_id", Map.of("field", "tenant"), "event_time", Map.of("field", "ts"),
            "dense", List.of(Map.of("field", "price", "transform", "log1p")),
            "categorical", List.of(Map.of("field", "user.country", "name", "country")),
            "numeric", List.of(Map.of("field", "user.visits", "name", "visits", "transform", "log1p"))),
        "labels", Map.of("topic", "bench-clk", "key", Map.of("features", "id", "labels", "impression_id"),
            "event_time", Map.of("field", "ts"), "window_ms", 600000, "out_of_orderness_ms", 10000)));
    return m;
  }

}
