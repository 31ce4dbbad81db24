#!/usr/bin/env bash
# End-to-end replay throughput: N samples of a 10-feature rotating-hyperplane stream (one model id, 2 partitions)
# produced into the local broker (`streamtrain broker`, a separate JVM), then replayed prequentially with 1 and
# with 3 optimizer configurations side by side (embedded Flink MiniCluster, parallelism 2). Prints each ranking
# table; samples/s per configuration = samples scored by that configuration / job wall time (startup included).
# Usage: scripts/bench/replay-throughput.sh [SAMPLES]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="${1:-1000000}"
WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$ROOT/bin/streamtrain" broker --port "$PORT" --data-dir "$WORK/broker" > "$WORK/broker.log" 2>&1 &
BROKER=$!
trap 'kill "$BROKER" 2>/dev/null; wait "$BROKER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do grep -q ready "$WORK/broker.log" && break; sleep 1; done
grep -q ready "$WORK/broker.log" || { cat "$WORK/broker.log"; exit 1; }
"$ROOT/bin/streamtrain" produce --bootstrap "localhost:$PORT" --topic bench-replay --generator hyperplane \
  --param dims=10 --param speed=0.0001 --count "$N" --model-id hyperplane --partitions 2 --no-progress
cfg() {
  echo "  - {name: $1, model: {type: logistic, features: {dense: 10}}, optimizer: $2,"
  echo "     batching: {batch_size: 256, shuffle_capacity: 4096, seed: 1}}"
}
for k in 1 3; do
  {
    echo "name: bench-replay-$k"
    echo "source: {topic: bench-replay}"
    echo "configs:"
    cfg adam "{type: adam, lr: 0.01}"
    if [ "$k" = 3 ]; then
      cfg sgd "{type: sgd, lr: 0.1, momentum: 0.9}"
      cfg adagrad "{type: adagrad, lr: 0.1}"
    fi
    echo "metrics: {window: 1000, report_every: 10000}"
    echo "output: {report: $WORK/r$k/report.json, charts: $WORK/r$k}"
  } > "$WORK/replay-$k.yaml"
  echo "== $k configuration(s), $N samples"
  "$ROOT/bin/streamtrain" replay "$WORK/replay-$k.yaml" --bootstrap "localhost:$PORT" 2>/dev/null
done
