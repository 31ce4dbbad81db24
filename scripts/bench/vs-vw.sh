#!/usr/bin/env bash
# streamtrain against Vowpal Wabbit (the speed and loss reference) on the same rows: the comparison kit's dense50
# and sparse20 streams (gen_data.py output: NAME.vw for VW, NAME.csv for streamtrain, same rows, same order).
# Per workload: a broker process (`streamtrain broker`), the CSV produced once into a 2-partition topic, VW's cache
# written once, then RUNS interleaved rounds of: VW on the text file, VW from its cache, and the whole
# `streamtrain train SPEC --bounded` command (JVM start, MiniCluster, consume, train, final checkpoint and commit).
# Prints per run samples/s and the one-pass progressive log loss of each, then medians and the ratios
# streamtrain whole / VW text and streamtrain steady / VW cache (steady: the median of the job's own
# samples_per_second reports). Loss definitions: VW's "average loss" scores each example before learning it;
# streamtrain's is each batch's loss at the parameters before its update (progressive per batch), weighted by
# samples over the pass.
# Usage: scripts/bench/vs-vw.sh VW_BIN DATA_DIR [RUNS=3] [WORKLOADS="dense50 sparse20"]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VW="$1"; DATA="$2"; RUNS="${3:-3}"; WORKLOADS="${4:-dense50 sparse20}"
ST="$ROOT/bin/streamtrain"
PY="$(command -v python3)"
WORK="$(mktemp -d /tmp/vs-vw.XXXXXX)"
BROKER_PID=
cleanup() { [[ -n "$BROKER_PID" ]] && kill "$BROKER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
"$ST" --version >/dev/null 2>&1 || true   # builds the jar first when needed (not timed)
"$ST" broker --port 0 --data-dir "$WORK/broker" >"$WORK/broker.out" 2>&1 &
BROKER_PID=$!
for _ in $(seq 240); do grep -q "ready" "$WORK/broker.out" && break; sleep 0.5; done
BOOT="$(grep -o 'localhost:[0-9]*' "$WORK/broker.out" | head -1)"
echo "broker $BOOT; vw $("$VW" --version | head -1); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"

# secs OUTFILE CMD...: runs CMD with its output into OUTFILE, prints the wall seconds; fails when CMD fails.
secs() { local out="$1" t0 t1; shift; t0=$(date +%s.%N); "$@" >"$out" 2>&1 || { echo "failed: $*" >&2; tail -20 "$out" >&2; return 1; }
  t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "nan")}'; }
# The one-pass progressive loss and median steady rate from a metrics topic's JSON lines.
metrics_summary() {
  "$PY" -c '
import json, sys
num = den = 0.0
rates = []
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    m = json.loads(line)
    n = m.get("samples_in_report") or 0
    loss = m.get("loss_mean")
    if isinstance(loss, (int, float)) and n:
        num += loss * n
        den += n
    r = m.get("samples_per_second")
    if isinstance(r, (int, float)) and r == r:
        rates.append(r)
rates.sort()
print("%.5f %.0f" % (num / den if den else float("nan"), rates[len(rates) // 2] if rates else float("nan")))
'
}

for w in $WORKLOADS; do
  csv="$DATA/$w.csv"; vwfile="$DATA/$w.vw"; spec="$ROOT/scripts/bench/$w-$( [[ $w == dense50 ]] && echo logistic || echo ftrl ).yaml"
  n="$(($(wc -l <"$csv") - 1))"
  extra=(); [[ $w == sparse20 ]] && extra=(--categorical "$(head -1 "$csv" | cut -d, -f2- )")
  echo "== $w: $n rows, spec $(basename "$spec")"
  "$ST" produce --bootstrap "$BOOT" --topic "$w" --from "$csv" --label y "${extra[@]}" 2>&1 | tail -1
  "$VW" -d "$vwfile" --loss_function logistic -c --cache_file "$WORK/$w.cache" --quiet >/dev/null 2>&1
  printf '%-4s %14s %14s %14s %14s   %s\n' run vw_text_sps vw_cache_sps st_whole_sps st_steady_sps "loss vw / st"
  for run in $(seq "$RUNS"); do
    t_text=$(secs "$WORK/vw.out" "$VW" -d "$vwfile" --loss_function logistic --quiet)
    t_cache=$(secs "$WORK/vw.out" "$VW" --cache_file "$WORK/$w.cache" --loss_function logistic --quiet)
    vw_loss=$("$VW" --cache_file "$WORK/$w.cache" --loss_function logistic 2>&1 | awk '/average loss/ {print $4}')
    tag="$w-r$run"
    sed -e "/^topics:/s/metrics: [a-z0-9-]*/metrics: m-$tag/" -e "/^topics:/s/models: [a-z0-9-]*/models: s-$tag/" \
        -e "/^topics:/s/rejected: [a-z0-9-]*/rejected: r-$tag/" -e "s/^name: .*/name: $tag/" "$spec" >"$WORK/$tag.yaml"
    t_st=$(secs "$WORK/$tag.out" "$ST" train "$WORK/$tag.yaml" --bootstrap "$BOOT" --bounded)
    read -r st_loss steady < <("$ST" consume --bootstrap "$BOOT" --topic "m-$tag" --timeout 5 2>/dev/null | metrics_summary)
    awk -v r="$run" -v n="$n" -v a="$t_text" -v b="$t_cache" -v c="$t_st" -v s="$steady" -v lv="$vw_loss" -v ls="$st_loss" \
      'BEGIN {printf "%-4s %14.0f %14.0f %14.0f %14s   %s / %s\n", r, n / a, n / b, n / c, s, lv, ls}' | tee -a "$WORK/$w.rows"
  done
  "$PY" - "$WORK/$w.rows" <<'PYEOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
col = lambda k: statistics.median(float(r[k]) for r in rows)
text, cache, whole, steady = col(1), col(2), col(3), col(4)
print("median: vw text %.0f, vw cache %.0f, streamtrain whole %.0f, steady %.0f samples/s" % (text, cache, whole, steady))
print("ratios: streamtrain whole / vw text %.2fx, steady / vw cache %.2fx" % (whole / text, steady / cache))
PYEOF
done
