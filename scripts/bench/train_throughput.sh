#!/usr/bin/env bash
# End-to-end throughput of the training job: produce N logistic-regression samples (50 dense features) into the
# in-process broker, run the bounded job (B=256, parallelism 2) three times, print samples/s (median of 3).
# Usage: scripts/bench/train_throughput.sh [samples=2000000] [dims=50] [runs=3] [models=1] [batch=256]
# Extra JVM options (e.g. -XX:StartFlightRecording=...) via BENCH_JAVA_OPTS.
exec "$(dirname "${BASH_SOURCE[0]}")/run-bench-main.sh" io.streamtrain.bench.TrainThroughput "$@"
