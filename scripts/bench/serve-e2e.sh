#!/usr/bin/env bash
# The serve job end to end: requests/s (N requests produced first, the serve job timed until a read_committed
# reader has every prediction; median of R runs), then version-swap latency (S versions published in Kafka
# transactions while requests arrive at a fixed rate; commit -> first prediction naming the version).
# Usage: scripts/bench/serve-e2e.sh [requests=500000] [dims=50] [runs=3] [swaps=20] [rate=2000]
exec "$(dirname "${BASH_SOURCE[0]}")/run-bench-main.sh" io.streamtrain.bench.ServeThroughput "$@"
