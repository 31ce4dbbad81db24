#!/usr/bin/env bash
# Runs a benchmark main class of src/test/java/io/streamtrain/bench on the test classpath, with the JVM flags the
# integration tests use (Flink's --add-opens, Avro's serializable packages, test logging). Used by the scripted
# benchmarks; extra JVM options (e.g. -XX:StartFlightRecording=...) via BENCH_JAVA_OPTS.
# Usage: scripts/bench/run-bench-main.sh CLASS [ARGS...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CLASS="$1"
shift
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
  "$CLASS" "$@"
