#!/usr/bin/env bash
# End-to-end throughput of the training job: produce N logistic-regression samples (50 dense features) into the
# in-process broker, run the bounded job (B=256, parallelism 2) three times, print samples/s (median of 3).
# Usage: scripts/bench/train_throughput.sh [samples=2000000] [dims=50] [runs=3] [models=1] [batch=256]
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
  io.streamtrain.bench.TrainThroughput "$@"
