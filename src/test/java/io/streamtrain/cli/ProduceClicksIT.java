package io.streamtrain.cli;

import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.local.KafkaBroker;
import io.streamtrain.testing.CliRun;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** produce-clicks: two topics keyed by impression id, every click of an impression sent, the same records again. */
class ProduceClicksIT {
  @Test
  void writesImpressionsAndTheirClicksTheSameEachTime() throws Exception {
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      List<List<String>> runs = new ArrayList<>();
      for (String suffix : List.of("a", "b")) {
        CliRun r = CliRun.run("produce-clicks", "--bootstrap", bs, "--impressions-topic", "imp-" + suffix,
            "--clicks-topic", "clk-" + suffix, "--count", "3000", "--seed", "5", "--window-ms", "5000");
        assertThat(r.exit()).as(r.err()).isZero();
        List<ConsumerRecord<byte[], byte[]>> imps = readAll(bs, "imp-" + suffix);
        List<ConsumerRecord<byte[], byte[]>> clicks = readAll(bs, "clk-" + suffix);
        assertThat(r.out().trim()).isEqualTo("produced 3000 impressions to imp-" + suffix + " and " + clicks.size()
            + " clicks to clk-" + suffix);
        assertThat(imps).hasSize(3000);
        assertThat(clicks.size()).isBetween(300, 3000);
        ObjectMapper json = new ObjectMapper();
        Set<String> ids = new HashSet<>();
        for (var rec : imps) {
          String id = json.readTree(rec.value()).get("id").asText();
          assertThat(new String(rec.key(), StandardCharsets.UTF_8)).isEqualTo(id);
          ids.add(id);
        }
        for (var rec : clicks) {
          var c = json.readTree(rec.value());
          assertThat(ids).contains(c.get("impression_id").asText());
          assertThat(new String(rec.key(), StandardCharsets.UTF_8)).isEqualTo(c.get("impression_id").asText());
        }
        List<String> content = new ArrayList<>();
        for (var rec : imps) {
          content.add(rec.partition() + "/" + rec.offset() + " " + new String(rec.value(), StandardCharsets.UTF_8));
        }
        for (var rec : clicks) {
          content.add(rec.partition() + "/" + rec.offset() + " " + new String(rec.value(), StandardCharsets.UTF_8));
        }
        content.sort(null);
        runs.add(content);
      }
      assertThat(runs.get(1)).isEqualTo(runs.get(0));
    }
  }
}
