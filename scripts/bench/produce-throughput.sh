#!/usr/bin/env bash
# End-to-end throughput of `streamtrain produce`: a 1e6-row CSV (20 numeric features + a 0/1 label, ~190 MB)
# streamed into the local broker (`streamtrain broker`, a separate JVM on the same machine), 3 runs on fresh topics.
# Usage: scripts/bench/produce-throughput.sh [ROWS]   (prints the three summary lines)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROWS="${1:-1000000}"
WORK="$(mktemp -d)"
CSV="$WORK/bench.csv"
python3 - "$CSV" "$ROWS" <<'PY'
import random, sys
random.seed(1)
path, rows = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write(",".join(f"x{i}" for i in range(20)) + ",label\n")
    for _ in range(rows):
        xs = [round(random.gauss(0, 1), 6) for _ in range(20)]
        f.write(",".join(map(str, xs)) + "," + str(int(sum(xs) > 0)) + "\n")
PY
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$ROOT/bin/streamtrain" broker --port "$PORT" --data-dir "$WORK/broker" > "$WORK/broker.log" 2>&1 &
BROKER=$!
trap 'kill "$BROKER" 2>/dev/null; wait "$BROKER" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do grep -q ready "$WORK/broker.log" && break; sleep 1; done
grep -q ready "$WORK/broker.log" || { cat "$WORK/broker.log"; exit 1; }
for run in 1 2 3; do
  "$ROOT/bin/streamtrain" produce --bootstrap "localhost:$PORT" --topic "bench-$run" --from "$CSV" --no-progress
done
