#!/usr/bin/env bash
# Data-parallel training end to end (issue 13): a broker process, the CSV produced once round robin into a
# 4-partition topic (`produce --partition-by round_robin`), then RUNS interleaved rounds of the whole
# `streamtrain train --bounded` command for each worker count given (workers 1 is the single trainer), on the
# embedded MiniCluster. Prints per run: wall seconds, CPU seconds of the train JVM (user+sys), whole-command
# samples/s, and the median of the job's own samples_per_second reports (steady state), plus the final smoothed loss.
# Extra JVM options for the train command via TRAIN_JAVA_OPTS (@TAG@ becomes the run's tag, e.g.
# TRAIN_JAVA_OPTS=-XX:StartFlightRecording=filename=/tmp/@TAG@.jfr,settings=profile).
# JARS="A.jar B.jar" compares builds: each run trains every worker count with each jar in turn (column `jar`: its
# position in JARS; the broker and producer use the first), so the builds meet the same load.
# Usage: scripts/bench/parallel-e2e.sh CSV SPEC RUNS ROUND_SAMPLES STALENESS WORKERS...
#   e.g. PRODUCE_OPTS="--categorical a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t" \
#        scripts/bench/parallel-e2e.sh /work/bench/data/sparse20.csv scripts/bench/sparse20-adagrad.yaml 3 20000 1 1 2
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CSV="$1"; SPEC="$2"; RUNS="$3"; H="$4"; D="$5"; shift 5
WORKERS=("$@")
read -r -a JARLIST <<<"${JARS:-$ROOT/target/streamtrain-0.1.0-SNAPSHOT.jar}"
JAR="${JARLIST[0]}"
CP="$(cat "$ROOT/target/classpath.txt")"
WORK="$(mktemp -d /tmp/parallel-e2e.XXXXXX)"
# shellcheck source=jvm-opens.sh
source "$ROOT/scripts/bench/jvm-opens.sh"
cli() { # ARGS...: the command line bin/streamtrain runs
  local timer=()
  [[ -n "${TIMEFILE:-}" ]] && timer=(/usr/bin/time -f "%U %S" -o "$TIMEFILE")
  # shellcheck disable=SC2086
  "${timer[@]}" java -Xmx2g ${JAVA_EXTRA:-} "${OPENS[@]}" -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.streamtrain.avro \
    -Dlog4j2.configurationFile="$ROOT/conf/log4j2.xml" -Dstreamtrain.home="$ROOT" \
    -Djava.io.tmpdir="$WORK" -cp "$JAR:$CP" io.streamtrain.cli.Main "$@"
}
BROKER_PID=
cleanup() { [[ -n "$BROKER_PID" ]] && kill "$BROKER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
cli broker --port 0 --data-dir "$WORK/broker" >"$WORK/broker.out" 2>&1 &
BROKER_PID=$!
for _ in $(seq 120); do grep -q "ready on" "$WORK/broker.out" && break; sleep 0.5; done
BOOT="$(grep -o 'localhost:[0-9]*' "$WORK/broker.out" | head -1)"
echo "broker $BOOT"
N="$(($(wc -l <"$CSV") - 1))"
cli produce --bootstrap "$BOOT" --topic bench-samples --partitions 4 --partition-by round_robin --from "$CSV" \
  --label y ${PRODUCE_OPTS:-} --no-progress | tail -1
spec_for() { # WORKERS TAG: the spec with this run's topics and parallel section
  sed -e "/^topics:/s/samples: [a-z0-9-]*/samples: bench-samples/" -e "/^topics:/s/metrics: [a-z0-9-]*/metrics: m-$2/" \
      -e "/^topics:/s/models: [a-z0-9-]*/models: s-$2/" -e "/^topics:/s/rejected: [a-z0-9-]*/rejected: r-$2/" \
      -e "s/^name: .*/name: $2/" "$SPEC" >"$WORK/$2.yaml"
  if [[ "$1" -gt 1 ]]; then
    echo "parallel: {workers: $1, round_samples: $H, staleness: $D}" >>"$WORK/$2.yaml"
  fi
}
printf '%-4s %-3s %-8s %8s %8s %6s %12s %12s %10s\n' run jar workers wall_s cpu_s sys_s whole_sps steady_sps loss
for run in $(seq "$RUNS"); do
  for w in "${WORKERS[@]}"; do
  for j in "${!JARLIST[@]}"; do
    JAR="${JARLIST[$j]}"
    tag="r$run-w$w-j$j"
    spec_for "$w" "$tag"
    t0=$(date +%s.%N)
    opts="${TRAIN_JAVA_OPTS:-}"
    TIMEFILE="$WORK/$tag.time" JAVA_EXTRA="${opts//@TAG@/$tag}" cli train "$WORK/$tag.yaml" --bootstrap "$BOOT" --bounded >"$WORK/$tag.out" 2>&1 \
      || { echo "run $tag failed:"; tail -20 "$WORK/$tag.out"; exit 1; }
    t1=$(date +%s.%N)
    cli consume --bootstrap "$BOOT" --topic "m-$tag" --timeout 5 2>/dev/null >"$WORK/$tag.metrics" || true
    steady=$(grep -o '"samples_per_second": *[0-9.eE+-]*' "$WORK/$tag.metrics" | awk -F: '{print $2+0}' | sort -g \
      | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "nan"}')
    loss=$(grep -o '"loss_smoothed": *[0-9.eE+-]*' "$WORK/$tag.metrics" | tail -1 | awk -F: '{print $2+0}')
    cpu=$(awk '{print $1 + $2}' "$WORK/$tag.time")
    sys=$(awk '{print $2}' "$WORK/$tag.time")
    awk -v r="$run" -v j="$j" -v w="$w" -v a="$t0" -v b="$t1" -v n="$N" -v s="$steady" -v c="$cpu" -v y="$sys" \
      -v l="$loss" 'BEGIN {printf "%-4s %-3s %-8s %8.2f %8.2f %6.2f %12.0f %12s %10s\n", r, j, w, b - a, c, y, n / (b - a), s, l}'
  done
  done
done
