#!/usr/bin/env bash
# A/B of the Prometheus exporter's cost: a classic ASYNC_MASTER broker under
# `mqadmin benchmark producer` with metricsExporterType=DISABLE (A) and =PROM while /metrics is
# scraped every second (B), alternating A B A B ... so drift of a shared machine hits both.
# Prints each run and the medians (TPS, p50/p99 ms) of both sides.
#
# Usage: bench/metrics_ab.sh     REPEAT=3 DURATION=10 THREADS=64 SIZE=128 bench/metrics_ab.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPEAT=${REPEAT:-3}; DURATION=${DURATION:-10}; THREADS=${THREADS:-64}; SIZE=${SIZE:-128}
NS_PORT=${NS_PORT:-19886}; PORT=${PORT:-20921}; PROM_PORT=${PROM_PORT:-25557}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mq-metrics-ab.XXXXXX")
PIDS=()
log() { echo "[metrics-ab $(date +%T)] $*" >&2; }
cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    sleep 0.5
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN="$TARGET_DIR/release"
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    (cd "$ROOT" && cargo build --release -p broker --bin mqbroker --bin mqnamesrv --quiet &&
        cargo build --release --bin mqadmin --quiet)
fi
wait_port() {
    for _ in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    log "port $1 did not open"; return 1
}
jget() { python3 -c "import json,sys; d=json.load(open('$1')); print(eval('d'+sys.argv[1]))" "$2"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

"$BIN/mqnamesrv" --listen "127.0.0.1:$NS_PORT" >"$WORK/namesrv.log" 2>&1 &
PIDS+=($!)
wait_port "$NS_PORT"

# run MODE N: a fresh broker (and store) per run, so every run starts from the same state.
run() {
    local mode=$1 n=$2 dir="$WORK/$1-$2"
    mkdir -p "$dir/store"
    cat >"$dir/broker.conf" <<EOF
brokerClusterName=AbCluster
brokerName=ab-$mode-$n
brokerId=0
brokerRole=ASYNC_MASTER
flushDiskType=ASYNC_FLUSH
listenPort=$PORT
brokerIP1=127.0.0.1
namesrvAddr=127.0.0.1:$NS_PORT
storePathRootDir=$dir/store
storePathCommitLog=$dir/store/commitlog
autoCreateTopicEnable=true
metricsExporterType=$mode
metricsPromExporterPort=$PROM_PORT
EOF
    "$BIN/mqbroker" -c "$dir/broker.conf" >"$dir/broker.log" 2>&1 &
    local bpid=$!
    wait_port "$PORT"
    "$BIN/mqadmin" -q -n "127.0.0.1:$NS_PORT" updateTopic -c AbCluster -t AbTopic -r 8 -w 8 >/dev/null
    sleep 1
    local scraper=""
    if [[ $mode == PROM ]]; then
        ( while true; do curl -s -o /dev/null "http://127.0.0.1:$PROM_PORT/metrics"; sleep 1; done ) &
        scraper=$!
    fi
    sync
    "$BIN/mqadmin" -q -n "127.0.0.1:$NS_PORT" --output json benchmark producer -t AbTopic \
        -w "$THREADS" -s "$SIZE" --duration "$DURATION" >"$WORK/$mode-$n.json" 2>"$WORK/$mode-$n.err" ||
        log "producer $mode $n failed: $(tail -3 "$WORK/$mode-$n.err")"
    if [[ -n $scraper ]]; then
        curl -s "http://127.0.0.1:$PROM_PORT/metrics" | grep -E '^rocketmq_messages_in_total.*AbTopic' >&2 || true
        kill "$scraper"; wait "$scraper" 2>/dev/null || true
    fi
    kill "$bpid"; wait "$bpid" 2>/dev/null || true
    log "$mode run $n: $(jget "$WORK/$mode-$n.json" "['tps']") msg/s, p99 $(jget "$WORK/$mode-$n.json" "['latency']['p99_ms']") ms"
}
for n in $(seq 1 "$REPEAT"); do
    run DISABLE "$n"
    run PROM "$n"
done
echo "| exporter | runs (msg/s) | median msg/s | median p50 ms | median p99 ms |"
echo "|---|---|---|---|---|"
for mode in DISABLE PROM; do
    runs=$(for n in $(seq 1 "$REPEAT"); do jget "$WORK/$mode-$n.json" "['tps']"; done | awk '{printf "%.0f ", $1}')
    tps=$(for n in $(seq 1 "$REPEAT"); do jget "$WORK/$mode-$n.json" "['tps']"; done | median)
    p50=$(for n in $(seq 1 "$REPEAT"); do jget "$WORK/$mode-$n.json" "['latency']['p50_ms']"; done | median)
    p99=$(for n in $(seq 1 "$REPEAT"); do jget "$WORK/$mode-$n.json" "['latency']['p99_ms']"; done | median)
    echo "| $mode | $runs| $(printf %.0f "$tps") | $(printf %.2f "$p50") | $(printf %.2f "$p99") |"
done
