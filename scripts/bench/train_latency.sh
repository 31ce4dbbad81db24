#!/usr/bin/env bash
# Event-to-update latency of the live training job at a fixed input rate (HdrHistogram percentiles).
# Paced producer at rate samples/s, unbounded job, metrics after every batch; see bench.TrainLatency.
# Usage: scripts/bench/train_latency.sh [rate=10000] [seconds=40] [warmup=10] [dims=50] [batch=256] [capacity=1024]
# Extra JVM options (e.g. -XX:StartFlightRecording=...) via BENCH_JAVA_OPTS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
mvn -q -B -o test-compile 2>/dev/null || mvn -q -B test-compile
# shellcheck disable=SC2086
exec java -Xmx3g ${BENCH_JAVA_OPTS:-} \
  -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.streamtrain.avro \
  -Dlog4j.configurationFile=src/test/resources/log4j2-test.properties \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  io.streamtrain.bench.TrainLatency "$@"
