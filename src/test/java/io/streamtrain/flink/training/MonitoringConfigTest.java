package io.streamtrain.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamtrain.core.diag.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.junit.jupiter.api.Test;

/**
 * The shipped monitoring configuration (conf/prometheus/alerts.yml, conf/grafana/streamtrain-dashboard.json) names
 * only series the trainer registers, and the alert rules' training-state codes are the enum's: a renamed gauge or
 * a reordered state fails here instead of silently never alerting.
 */
class MonitoringConfigTest {
  static final String PREFIX = "flink_taskmanager_job_task_operator_streamtrain_model_id_";
  static final Pattern SERIES = Pattern.compile(PREFIX + "([A-Za-z_]+)");

  /** The gauge names one model's figures register. */
  static Set<String> gauges() {
    Set<String> names = new HashSet<>();
    MetricGroup capture = new InterceptingOperatorMetricGroup() {
      @Override
      public MetricGroup addGroup(String name) {
        return this;
      }

      @Override
      public MetricGroup addGroup(String key, String value) {
        return this;
      }

      @Override
      protected void addMetric(String name, Metric metric) {
        names.add(name);
        super.addMetric(name, metric);
      }
    };
    new ModelGauges(capture).of("m");
    return names;
  }

  static Set<String> referenced(String text) {
    Set<String> out = new HashSet<>();
    Matcher m = SERIES.matcher(text);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void alertsAndDashboardNameRegisteredGauges() throws Exception {
    Set<String> gauges = gauges();
    assertThat(gauges).contains("loss", "loss_smoothed", "steps_total", "consumer_lag_records", "training_state_code");
    String alerts = Files.readString(Path.of("conf/prometheus/alerts.yml"));
    JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(alerts).at("/groups/0/rules");
    assertThat(rules.size()).isGreaterThanOrEqualTo(6);
    assertThat(referenced(alerts)).isNotEmpty().isSubsetOf(gauges);
    String dashboard = Files.readString(Path.of("conf/grafana/streamtrain-dashboard.json"));
    JsonNode panels = new ObjectMapper().readTree(dashboard).get("panels");
    assertThat(panels.size()).isGreaterThanOrEqualTo(8);
    assertThat(referenced(dashboard)).isNotEmpty().isSubsetOf(gauges);
  }

  @Test
  void stateCodesInTheAlertsAreTheEnumOrdinals() throws Exception {
    String alerts = Files.readString(Path.of("conf/prometheus/alerts.yml"));
    assertThat(alerts).contains("training_state_code == " + TrainingState.EXPLODING.ordinal())
        .contains("training_state_code == " + TrainingState.DIVERGED.ordinal())
        .contains("training_state_code == " + TrainingState.UNSTABLE.ordinal());
    for (TrainingState s : TrainingState.values()) {
      assertThat(alerts).contains(s.name() + " " + s.ordinal());
    }
  }
}
