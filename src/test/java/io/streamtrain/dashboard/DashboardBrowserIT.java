package io.streamtrain.dashboard;

import static io.streamtrain.testing.KafkaTestSupport.createTopics;
import static io.streamtrain.testing.KafkaTestSupport.decodeAll;
import static io.streamtrain.testing.KafkaTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.avro.TrainingMetrics;
import io.streamtrain.io.KafkaSettings;
import io.streamtrain.local.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The dashboard page in a real browser: headless Chromium (Debian package {@code chromium}, driven over its
 * DevTools protocol) opens the page of a running dashboard before the job starts, runs its JavaScript (server-sent
 * events, the per-model cards), and once it says it has read every report of the metrics topic its DOM shows, for
 * each of two models, the version, step and smoothed loss of the topic's latest report; a screenshot goes to
 * {@code target/dashboard.png}. The job then runs again (a restart: more samples, the same topics) while the page
 * stays open, and the same page shows the new latest reports.
 *
 * <p>Without Chromium on the PATH the test is skipped, unless {@code STREAMTRAIN_REQUIRE_BROWSER} is set (CI's
 * {@code .ci/run} installs Chromium when absent and sets it, so CI never skips it).
 */
class DashboardBrowserIT {
  private static final Pattern CARD = Pattern.compile("<div class=\"model\" data-model=\"([^\"]+)\">(.*?)<canvas",
      Pattern.DOTALL);

  @Test
  void chromiumRendersEachModelsLatestReportBeforeAndAfterARestart() throws Exception {
    String chromium = findChromium();
    if (chromium == null) {
      assertThat(System.getenv("STREAMTRAIN_REQUIRE_BROWSER"))
          .as("STREAMTRAIN_REQUIRE_BROWSER is set but no chromium is on the PATH").isNull();
      Assumptions.abort("no chromium on the PATH (Debian package chromium): the browser test is skipped");
    }
    try (KafkaBroker broker = KafkaBroker.builder().build().start()) {
      String bs = broker.bootstrapServers();
      createTopics(bs, 1, "br-samples", "br-metrics", "br-models", "br-rejected");
      try (Dashboard d = Dashboard.start(KafkaSettings.ofBootstrap(bs), "br-metrics", "127.0.0.1", 0, "t0ken")
              .followRejected(KafkaSettings.ofBootstrap(bs), "br-rejected");
          Chromium browser = Chromium.start(chromium)) {
        browser.open("http://127.0.0.1:" + d.port() + "/?token=t0ken");
        // Two samples of m2 with a dense width its model does not have: rejected, shown by reason on its card.
        io.streamtrain.testing.KafkaTestSupport.produce(bs, "br-samples", "m2",
            io.streamtrain.io.gen.Generators.create("hyperplane", java.util.Map.of("dims", 3), 9), 2);
        DashboardIT.produceAndTrain(bs, "br", 1500, 600, 1);
        List<TrainingMetrics> first = waitForAll(bs, d);
        String dom = browser.domWhenStatusHas(first.size() + " reports, 2 model(s); live");
        assertShowsLatest(dom, first);
        // The rejected counts come from their own topic, on their own schedule.
        browser.domWhenContains("<div class=\"rejected\">rejected by reason: DENSE_LENGTH_MISMATCH 2</div>");
        Path shot = Path.of("target", "dashboard.png").toAbsolutePath();
        Files.write(shot, browser.screenshot());
        assertThat(Files.size(shot)).as("a PNG screenshot of the page").isGreaterThan(10_000);

        // The job restarts (a second bounded run on more samples) while the page stays open: it follows live.
        DashboardIT.produceAndTrain(bs, "br", 700, 300, 5);
        List<TrainingMetrics> all = waitForAll(bs, d);
        assertThat(all.size()).isGreaterThan(first.size());
        assertShowsLatest(browser.domWhenStatusHas(all.size() + " reports, 2 model(s); live"), all);
      }
    }
  }

  private static List<TrainingMetrics> waitForAll(String bs, Dashboard d) throws Exception {
    List<TrainingMetrics> topic = decodeAll(readAll(bs, "br-metrics"), TrainingMetrics.class);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (d.reports() < topic.size() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(d.reports()).isEqualTo(topic.size());
    return topic;
  }

  /** The rendered page: version, step and smoothed loss of each model's card equal its latest report's. */
  private static void assertShowsLatest(String dom, List<TrainingMetrics> topic) {
    assertThat(dom).contains(topic.size() + " reports, 2 model(s); live");
    List<String> seen = new ArrayList<>();
    Matcher m = CARD.matcher(dom);
    while (m.find()) {
      String id = m.group(1);
      String card = m.group(2);
      seen.add(id);
      TrainingMetrics last = topic.stream().filter(t -> t.getModelId().equals(id)).reduce((a, b) -> b).orElseThrow();
      assertThat(field(card, "<b class=\"version\">([0-9]+)</b>")).as(id).isEqualTo(
          Long.toString(last.getModelVersion()));
      assertThat(field(card, "<b class=\"step\">([0-9]+)</b>")).as(id).isEqualTo(Long.toString(last.getStep()));
      assertThat(Double.parseDouble(field(card, "<b class=\"loss\" data-value=\"([^\"]+)\">"))).as(id)
          .isEqualTo(last.getLossSmoothed());
    }
    assertThat(seen).containsExactlyInAnyOrder("m1", "m2");
    // The diagnostics' figures (a list of name/value records in the report) reach each card's table.
    assertThat(dom.split("<td>probe_work_share</td>", -1)).as("a figures table per model").hasSize(3);
  }

  private static String field(String card, String regex) {
    Matcher m = Pattern.compile(regex).matcher(card);
    assertThat(m.find()).as(regex + " in " + card).isTrue();
    return m.group(1);
  }

  private static String findChromium() {
    for (String name : new String[] {"chromium", "chromium-browser", "google-chrome"}) {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return p.toString();
        }
      }
    }
    return null;
  }
}
