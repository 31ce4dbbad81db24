#!/usr/bin/env bash
# End-to-end throughput and start-up of `streamtrain train --bounded` as a user runs it: a broker process
# (`streamtrain broker`), the CSV produced once into a 2-partition topic, then RUNS interleaved rounds of the whole
# train command for each jar given (A/B on one machine in one session), plus one run per jar on a 1-sample topic
# (the fixed start-up and shutdown cost), also RUNS rounds. A JAR argument may carry extra JVM options after
# commas, e.g. target/streamtrain.jar,-XX:SharedArchiveFile=target/streamtrain.jsa (what bin/streamtrain adds). Prints per run: wall seconds, CPU seconds of the train JVM (user+sys;
# far less sensitive than wall time to other load on a shared machine), whole-command samples/s, and the median of
# the job's own samples_per_second reports (steady state).
# Usage: scripts/bench/train-e2e.sh CSV SPEC RUNS JAR [JAR...]
#   e.g. scripts/bench/train-e2e.sh /work/bench/data/dense50.csv scripts/bench/dense50-logistic.yaml 3 \
#          /tmp/base.jar target/streamtrain.jar
# Extra JVM options for the train command via TRAIN_JAVA_OPTS (e.g. -XX:StartFlightRecording=...); extra produce
# options via PRODUCE_OPTS (e.g. PRODUCE_OPTS="--categorical a,b,c" for the hashed sparse20 workload).
# A second input, interleaved run by run with the first on the same broker (A/B of two input formats under the same
# load): SPEC_B=other.yaml with PRODUCE_OPTS_B for its topic (e.g. the same CSV as JSON events).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CSV="$1"; SPEC="$2"; RUNS="$3"; shift 3
JARS=("$@")
CP="$(cat "$ROOT/target/classpath.txt")"
WORK="$(mktemp -d /tmp/train-e2e.XXXXXX)"
# shellcheck source=jvm-opens.sh
source "$ROOT/scripts/bench/jvm-opens.sh"
cli() { # JAR JAVA_OPTS ARGS...: the same command line bin/streamtrain runs, on a given jar
  local jar="$1" opts="$2"; shift 2
  local timer=()
  [[ -n "${TIMEFILE:-}" ]] && timer=(/usr/bin/time -f "%U %S" -o "$TIMEFILE")
  # shellcheck disable=SC2086
  "${timer[@]}" java -Xmx2g $opts "${OPENS[@]}" -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.streamtrain.avro \
    -Dlog4j2.configurationFile="$ROOT/conf/log4j2.xml" -Dstreamtrain.home="$ROOT" \
    -Djava.io.tmpdir="$WORK" -cp "$jar:$CP" io.streamtrain.cli.Main "$@"
}
BROKER_PID=
cleanup() { [[ -n "$BROKER_PID" ]] && kill "$BROKER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
cli "${JARS[0]%%,*}" "" broker --port 0 --data-dir "$WORK/broker" >"$WORK/broker.out" 2>&1 &
BROKER_PID=$!
for _ in $(seq 120); do grep -q "ready on" "$WORK/broker.out" && break; sleep 0.5; done
BOOT="$(grep -o 'localhost:[0-9]*' "$WORK/broker.out" | head -1)"
echo "broker $BOOT"
N="$(($(wc -l <"$CSV") - 1))"
cli "${JARS[0]%%,*}" "" produce --bootstrap "$BOOT" --topic bench-samples --partitions 2 --from "$CSV" --label y \
  ${PRODUCE_OPTS:-} --no-progress | tail -1
if [[ -n "${SPEC_B:-}" ]]; then
  cli "${JARS[0]%%,*}" "" produce --bootstrap "$BOOT" --topic bench-samples-b --partitions 2 --from "$CSV" --label y \
    ${PRODUCE_OPTS_B:-} --no-progress | tail -1
fi
head -2 "$CSV" >"$WORK/one.csv"
cli "${JARS[0]%%,*}" "" produce --bootstrap "$BOOT" --topic bench-one --partitions 2 --from "$WORK/one.csv" --label y \
  ${PRODUCE_OPTS:-} --no-progress | tail -1
spec_for() { # SAMPLES_TOPIC TAG [SPEC]: the spec with this run's topics
  sed -e "/^topics:/s/samples: [a-z0-9-]*/samples: $1/" -e "/^topics:/s/metrics: [a-z0-9-]*/metrics: m-$2/" \
      -e "/^topics:/s/models: [a-z0-9-]*/models: s-$2/" -e "/^topics:/s/rejected: [a-z0-9-]*/rejected: r-$2/" \
      -e "s/^name: .*/name: $2/" "${3:-$SPEC}" >"$WORK/$2.yaml"
}
printf '%-6s %-24s %8s %8s %12s %12s\n' run jar wall_s cpu_s whole_sps steady_sps
INPUTS=(a); [[ -n "${SPEC_B:-}" ]] && INPUTS=(a b)
for run in $(seq "$RUNS") $(seq -f 'one%g' "$RUNS"); do
  for j in "${!JARS[@]}"; do
  for input in "${INPUTS[@]}"; do
    [[ "$run" == one* && "$input" == b ]] && continue
    tag="r$run-j$j$input"
    if [[ "$run" == one* ]]; then spec_for bench-one "$tag"; n=1
    elif [[ "$input" == b ]]; then spec_for bench-samples-b "$tag" "$SPEC_B"; n=$N
    else spec_for bench-samples "$tag"; n=$N; fi
    jar="${JARS[$j]%%,*}"
    extra=""; [[ "${JARS[$j]}" == *,* ]] && extra="${JARS[$j]#*,}"
    opts="${TRAIN_JAVA_OPTS:-} ${extra//,/ }"; opts="${opts//@TAG@/$tag}"
    t0=$(date +%s.%N)
    TIMEFILE="$WORK/$tag.time" cli "$jar" "$opts" train "$WORK/$tag.yaml" --bootstrap "$BOOT" --bounded >"$WORK/$tag.out" 2>&1 \
      || { echo "run $tag failed:"; tail -20 "$WORK/$tag.out"; exit 1; }
    t1=$(date +%s.%N)
    steady=$(cli "${JARS[0]%%,*}" "" consume --bootstrap "$BOOT" --topic "m-$tag" --timeout 5 2>/dev/null \
      | grep -o '"samples_per_second": *[0-9.eE+-]*' | awk -F: '{print $2+0}' | sort -g \
      | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "nan"}')
    cpu=$(awk '{print $1 + $2}' "$WORK/$tag.time")
    awk -v r="$run" -v jar="$(basename "$jar")${extra:+ +opts}${SPEC_B:+ [$input]}" -v a="$t0" -v b="$t1" -v n="$n" -v s="$steady" -v c="$cpu" \
      'BEGIN {printf "%-6s %-24s %8.2f %8.2f %12.0f %12s\n", r, jar, b - a, c, n / (b - a), s}'
  done
  done
done
