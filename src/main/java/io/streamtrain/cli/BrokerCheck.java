package io.streamtrain.cli;

import io.streamtrain.io.KafkaSettings;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Asks the configured brokers for the cluster's nodes before a command starts its real work, with short client
 * timeouts, so a wrong address or a stopped broker is one line after a few seconds ("no Kafka broker at
 * HOST:PORT") instead of a client retrying for a minute and a stack trace that never names the address. A broker
 * that answers but refuses (authentication, TLS) is reported with the client's own reason.
 */
final class BrokerCheck {
  /** How long the whole check may take; a healthy local or LAN broker answers in milliseconds. */
  static final long TIMEOUT_MS = 5_000;

  private BrokerCheck() {}

  /** Returns normally when a broker at {@code settings}' bootstrap answered; throws {@link CliException} if not. */
  static void require(KafkaSettings settings) {
    Map<String, Object> quick = Map.of(
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS,
        AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, 1_000L,
        AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, 2_000L,
        AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500L);
    String where = settings.bootstrapServers();
    Admin admin;
    try {
      admin = Admin.create(settings.toProperties(quick));
    } catch (org.apache.kafka.common.KafkaException e) {
      // e.g. an address that does not resolve: the client refuses to start at all
      throw new CliException("no Kafka broker at " + where + ": " + rootMessage(e), e);
    }
    try (admin) {
      admin.describeCluster().nodes().get(TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw new CliException("no Kafka broker at " + where + " (nothing answered within " + TIMEOUT_MS / 1000
            + " s; start one with bin/streamtrain broker, or pass --bootstrap HOST:PORT)", e);
      }
      throw new CliException("the Kafka broker at " + where + " refused the connection: " + rootMessage(cause), e);
    } catch (TimeoutException e) {
      throw new CliException("no Kafka broker at " + where + " (nothing answered within " + TIMEOUT_MS / 1000
          + " s; start one with bin/streamtrain broker, or pass --bootstrap HOST:PORT)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while connecting to " + where, e);
    }
  }

  static String rootMessage(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    return r.getMessage() != null ? r.getMessage() : r.getClass().getSimpleName();
  }
}
