package io.streamtrain.io.gen;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A seeded stream of ad impressions and the clicks that follow some of them, as JSON events for two topics: the
 * shape of delayed-label data ({@code input.labels}, jobs/events-clicks.yaml). Impression i of tenant
 * {@code t-(i mod tenants)} has id {@code imp-i}, event time {@code t0 + i * stepMs}, a price, a country and a
 * visit count; it is clicked with probability sigmoid(w . x) (so a model has something to learn), after a delay
 * drawn uniformly from [0, 1.5 x windowMs] (a third of clicks come too late and leave a negative), and a tenth of
 * clicked impressions are clicked twice. Within each topic, events leave in event-time order shuffled within
 * blocks of {@code disorder} events (out of order by at most disorder x the spacing), keyed by impression id.
 */
public final class ClickEvents {
  /** One event to send: key, JSON value, event time; for a click, the impression it clicks. */
  public record Event(String key, byte[] value, long time, String tenant, long impression, double price) {}

  private final List<Event> impressions = new ArrayList<>();
  private final List<Event> clicks = new ArrayList<>();

  public ClickEvents(int n, int tenants, long seed, long t0, long stepMs, long windowMs, int disorder) {
    SplittableRandom r = new SplittableRandom(seed);
    ObjectMapper json = new ObjectMapper();
    String[] countries = {"FR", "DE", "IT", "ES", "PL"};
    for (long i = 0; i < n; i++) {
      long ts = t0 + i * stepMs;
      String tenant = "t-" + (i % tenants);
      double price = Math.round(r.nextDouble() * 20_000) / 100.0;
      int country = r.nextInt(countries.length);
      int visits = r.nextInt(30);
      double z = -1.0 + 1.5 * (country == 0 ? 1 : 0) - 0.02 * price + 0.05 * visits;
      boolean clicked = r.nextDouble() < 1 / (1 + Math.exp(-z));
      Map<String, Object> imp = new LinkedHashMap<>();
      imp.put("id", "imp-" + i);
      imp.put("tenant", tenant);
      imp.put("ts", ts);
      imp.put("price", price);
      imp.put("user", Map.of("country", countries[country], "visits", visits));
      impressions.add(new Event("imp-" + i, bytes(json, imp), ts, tenant, i, price));
      int times = clicked ? (r.nextInt(10) == 0 ? 2 : 1) : 0;
      for (int k = 0; k < times; k++) {
        long at = ts + r.nextLong(windowMs * 3 / 2 + 1);
        Map<String, Object> click = new LinkedHashMap<>();
        click.put("impression_id", "imp-" + i);
        click.put("ts", at);
        click.put("action", "click");
        clicks.add(new Event("imp-" + i, bytes(json, click), at, tenant, i, price));
      }
    }
    clicks.sort(java.util.Comparator.comparingLong(Event::time).thenComparingLong(Event::impression));
    shuffleBlocks(impressions, disorder, r);
    shuffleBlocks(clicks, disorder, r);
  }

  /** Impressions in the order they are sent. */
  public List<Event> impressions() {
    return impressions;
  }

  /** Clicks in the order they are sent. */
  public List<Event> clicks() {
    return clicks;
  }

  private static void shuffleBlocks(List<Event> l, int block, SplittableRandom r) {
    for (int from = 0; from < l.size(); from += block) {
      int to = Math.min(l.size(), from + block);
      for (int i = to - 1; i > from; i--) {
        java.util.Collections.swap(l, i, from + r.nextInt(i - from + 1));
      }
    }
  }

  private static byte[] bytes(ObjectMapper json, Map<String, Object> m) {
    try {
      return json.writeValueAsString(m).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
