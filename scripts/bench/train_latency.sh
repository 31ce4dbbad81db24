#!/usr/bin/env bash
# Event-to-update latency of the live training job at a fixed input rate (HdrHistogram percentiles).
# Paced producer at rate samples/s, unbounded job, metrics after every batch; see bench.TrainLatency.
# Usage: scripts/bench/train_latency.sh [rate=10000] [seconds=40] [warmup=10] [dims=50] [batch=256] [capacity=1024]
# Extra JVM options (e.g. -XX:StartFlightRecording=...) via BENCH_JAVA_OPTS.
exec "$(dirname "${BASH_SOURCE[0]}")/run-bench-main.sh" io.streamtrain.bench.TrainLatency "$@"
