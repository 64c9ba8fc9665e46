#!/usr/bin/env bash
# Throughput, latency, failover, CLI latency and memory of the Rust broker, on loopback only.
#
#   1. classic single ASYNC_MASTER broker (mqnamesrv + mqbroker -c <generated conf>), 128 B and 1 KiB
#   2. 3-node DLedger group (mqadmin fast-try start --store-root ...), same loads, and 128 B again
#      while COMMITTERS (16) consumer groups commit their offsets every second (of an idle topic,
#      then reading the loaded one)
#   3. failover drills (mqadmin benchmark failover, THREADS senders of 128 B):
#      kill -9 of the leader, ROUNDS rounds (default 30, QUICK=1: 3); SIGTERM of the leader,
#      TERM_ROUNDS rounds (default 10, QUICK=1: 2); a SIGSTOP of a follower for 1 s, 3 rounds; a
#      rolling restart of the three nodes (1 round); a soak without faults for SOAK_SECS (default
#      600, QUICK=1: 30) counting leader changes and term increments
#   4. bench/verify_commitlog.sh ratio, if present
#   5. mqadmin clusterList wall time (hyperfine if installed, else a loop)
#   6. peak RSS (VmHWM) of every broker and of mqadmin
# and prints one markdown table of medians over REPEAT runs (default 3; QUICK=1: 1 run of 10 s).
#
# Usage: bench/run.sh            QUICK=1 bench/run.sh        REPEAT=5 DURATION=30 THREADS=64 bench/run.sh
#        SOAK_SECS=120 ROUNDS=10 bench/run.sh
# Ports: classic name server 19876, broker 20911; DLedger group: fast-try defaults (9876,
# 30911/30921/30931, 40911-40913). Every server listens on or registers 127.0.0.1.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
    REPEAT=${REPEAT:-1}; DURATION=${DURATION:-10}; ROUNDS=${ROUNDS:-3}
    TERM_ROUNDS=${TERM_ROUNDS:-2}; SOAK_SECS=${SOAK_SECS:-30}
else
    REPEAT=${REPEAT:-3}; DURATION=${DURATION:-30}; ROUNDS=${ROUNDS:-30}
    TERM_ROUNDS=${TERM_ROUNDS:-10}; SOAK_SECS=${SOAK_SECS:-600}
fi
THREADS=${THREADS:-64}
CLASSIC_NS_PORT=${CLASSIC_NS_PORT:-19876}
CLASSIC_PORT=${CLASSIC_PORT:-20911}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mq-bench.XXXXXX")
RESULTS="$WORK/results"
mkdir -p "$RESULTS"
PIDS=()

log() { echo "[bench $(date +%T)] $*" >&2; }

cleanup() {
    set +e
    if [[ -n ${MQADMIN:-} && -f $WORK/dledger/fast-try.json ]]; then
        "$MQADMIN" fast-try stop --store-root "$WORK/dledger" --conf-dir "$WORK/dconf" --timeout 5 >/dev/null 2>&1
    fi
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    sleep 0.5
    for pid in "${PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

log "building release binaries..."
(cd "$ROOT" && cargo build --release --workspace --bins --quiet)
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN="$TARGET_DIR/release"
MQADMIN="$BIN/mqadmin"

hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
jget() { python3 -c "import json,sys; d=json.load(open('$1')); print(eval('d'+sys.argv[1]))" "$2"; }

wait_port() {
    for _ in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    log "port $1 did not open"; return 1
}

# --- classic broker --------------------------------------------------------------------------
mkdir -p "$WORK/classic/store"
cat >"$WORK/classic/broker.conf" <<EOF
brokerClusterName=BenchCluster
brokerName=bench-a
brokerId=0
brokerRole=ASYNC_MASTER
flushDiskType=ASYNC_FLUSH
listenPort=$CLASSIC_PORT
brokerIP1=127.0.0.1
brokerIP2=127.0.0.1
namesrvAddr=127.0.0.1:$CLASSIC_NS_PORT
storePathRootDir=$WORK/classic/store
storePathCommitLog=$WORK/classic/store/commitlog
autoCreateTopicEnable=true
EOF
log "starting classic name server :$CLASSIC_NS_PORT and broker :$CLASSIC_PORT"
"$BIN/mqnamesrv" --listen "127.0.0.1:$CLASSIC_NS_PORT" >"$WORK/classic/namesrv.log" 2>&1 &
PIDS+=($!)
wait_port "$CLASSIC_NS_PORT"
"$BIN/mqbroker" -c "$WORK/classic/broker.conf" >"$WORK/classic/broker.log" 2>&1 &
CLASSIC_PID=$!
PIDS+=("$CLASSIC_PID")
wait_port "$CLASSIC_PORT"
sleep 1
CLASSIC_IDLE_RSS=$(rss_kib "$CLASSIC_PID")

# --- DLedger group ---------------------------------------------------------------------------
mkdir -p "$WORK/dconf" "$WORK/dledger"
for f in "$ROOT"/conf/dledger/broker-n*.conf; do
    { cat "$f"; printf '\nbrokerIP1=127.0.0.1\nbrokerIP2=127.0.0.1\n'; } >"$WORK/dconf/$(basename "$f")"
done
log "starting the DLedger group (fast-try)"
"$MQADMIN" fast-try start --conf-dir "$WORK/dconf" --store-root "$WORK/dledger" >/dev/null
DNS=127.0.0.1:9876
sleep 1
dledger_pids() { python3 -c "import json; print(' '.join(str(p['pid']) for p in json.load(open('$WORK/dledger/fast-try.json'))['processes'] if p['name']!='namesrv'))"; }
DLEDGER_IDLE_RSS=$(for p in $(dledger_pids); do rss_kib "$p"; done | sort -n | tail -1)

"$MQADMIN" -n "127.0.0.1:$CLASSIC_NS_PORT" updateTopic -c BenchCluster -t Bench128 -r 8 -w 8 >/dev/null
"$MQADMIN" -n "127.0.0.1:$CLASSIC_NS_PORT" updateTopic -c BenchCluster -t Bench1K -r 8 -w 8 >/dev/null
"$MQADMIN" -n "$DNS" updateTopic -c RaftCluster -t Bench128 -r 8 -w 8 >/dev/null
"$MQADMIN" -n "$DNS" updateTopic -c RaftCluster -t Bench1K -r 8 -w 8 >/dev/null
"$MQADMIN" -n "$DNS" updateTopic -c RaftCluster -t BenchmarkFailover -r 8 -w 8 >/dev/null
"$MQADMIN" -n "$DNS" updateTopic -c RaftCluster -t BenchCommit -r 8 -w 8 >/dev/null
sleep 1

# run_producer NAME NAMESRV TOPIC SIZE RUN -> $RESULTS/NAME-RUN.json
# Each load starts with the dirty pages of the previous one written back (`sync`): otherwise the
# kernel's writeback of the last run's 100-300 MB lands on the next one's measurement.
run_producer() {
    local out="$RESULTS/$1-$5.json"
    sync
    log "producer $1 run $5: $THREADS senders, $4 B, ${DURATION} s"
    /usr/bin/env time -f '%M' -o "$out.rss" "$MQADMIN" -q -n "$2" --output json benchmark producer \
        -t "$3" -w "$THREADS" -s "$4" --duration "$DURATION" >"$out" 2>"$out.err" ||
        { log "producer $1 failed: $(tail -3 "$out.err")"; return 0; }
}

HAVE_TIME=0
/usr/bin/env time -f '%M' true 2>/dev/null && HAVE_TIME=1
if [[ $HAVE_TIME == 0 ]]; then
    # No GNU time: run without the RSS wrapper.
    run_producer() {
        local out="$RESULTS/$1-$5.json"
        sync
        log "producer $1 run $5: $THREADS senders, $4 B, ${DURATION} s"
        "$MQADMIN" -q -n "$2" --output json benchmark producer -t "$3" -w "$THREADS" -s "$4" \
            --duration "$DURATION" >"$out" 2>"$out.err" || log "producer $1 failed: $(tail -3 "$out.err")"
    }
fi

# The DLedger 128 B load again, while COMMITTERS consumer groups (default 16) commit every queue's
# offset every second (oneway, as Java clients; offsets go through the Raft log, coalesced per
# 100 ms on the leader):
#   dledger-128c: the groups consume BenchCommit (8 queues, no load), so what the sends share the
#                 group with is the offset traffic alone (16 x 8 offsets a second);
#   dledger-128r: the groups consume the loaded topic itself, each reading everything (16-fold
#                 read fan-out on the same cores).
COMMITTERS=${COMMITTERS:-16}
run_with_committers() { # run_with_committers NAME TOPIC RUN
    "$MQADMIN" -q -n "$DNS" --output json benchmark consumer -t "$2" -g "bench_$1" \
        --groups "$COMMITTERS" --commit-interval-ms 1000 --duration "$((DURATION + 2))" \
        >"$RESULTS/committers-$1-$3.json" 2>"$RESULTS/committers-$1-$3.err" &
    local cpid=$!
    run_producer "$1" "$DNS" Bench128 128 "$3"
    wait "$cpid" || log "committing consumers failed: $(tail -3 "$RESULTS/committers-$1-$3.err")"
}

for run in $(seq 1 "$REPEAT"); do
    run_producer classic-128 "127.0.0.1:$CLASSIC_NS_PORT" Bench128 128 "$run"
    run_producer dledger-128 "$DNS" Bench128 128 "$run"
    run_producer classic-1k "127.0.0.1:$CLASSIC_NS_PORT" Bench1K 1024 "$run"
    run_producer dledger-1k "$DNS" Bench1K 1024 "$run"
    run_with_committers dledger-128c BenchCommit "$run"
    run_with_committers dledger-128r Bench128 "$run"
done

# Peak RSS of the brokers after the load runs (before the failover restarts them).
CLASSIC_HWM=$(hwm_kib "$CLASSIC_PID")
DLEDGER_HWM=$(for p in $(dledger_pids); do hwm_kib "$p"; done | sort -n | tail -1)

# --- failover --------------------------------------------------------------------------------
# drill NAME MODE ROUNDS [ARGS...] -> $RESULTS/NAME.json
drill() {
    local name=$1 mode=$2 rounds=$3
    shift 3
    log "failover drill $name: --mode $mode, $rounds rounds, $THREADS senders $*"
    "$MQADMIN" -q --output json benchmark failover --mode "$mode" --rounds "$rounds" \
        --store-root "$WORK/dledger" -t BenchmarkFailover -w "$THREADS" "$@" \
        >"$RESULTS/$name.json" 2>"$RESULTS/$name.err" ||
        log "$name: exit $? ($(tail -3 "$RESULTS/$name.err"))"
}
drill failover kill "$ROUNDS"
drill failover-term term "$TERM_ROUNDS"
drill stall-follower stall-follower 3 --stall-ms 1000
drill rolling rolling 1
drill soak soak 1 --soak-secs "$SOAK_SECS"

# --- clusterList wall time -------------------------------------------------------------------
log "clusterList wall time"
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs 30 --export-json "$RESULTS/cl.json" \
        "$MQADMIN -n $DNS clusterList" >/dev/null 2>&1
    CL_MS=$(python3 -c "import json; print(round(json.load(open('$RESULTS/cl.json'))['results'][0]['median']*1000,1))")
else
    for _ in $(seq 1 30); do
        s=$(date +%s%N); "$MQADMIN" -n "$DNS" clusterList >/dev/null; e=$(date +%s%N)
        echo $(((e - s) / 1000))
    done | median >"$RESULTS/cl.txt"
    CL_MS=$(awk '{printf "%.1f", $1/1000}' "$RESULTS/cl.txt")
fi
if [[ $HAVE_TIME == 1 ]]; then
    /usr/bin/env time -f '%M' -o "$RESULTS/cl.rss" "$MQADMIN" -n "$DNS" clusterList >/dev/null
    CL_RSS=$(cat "$RESULTS/cl.rss")
else
    CL_RSS=n/a
fi

# --- verify-commitlog ------------------------------------------------------------------------
VC="n/a"
if [[ -x $ROOT/bench/verify_commitlog.sh ]]; then
    log "verify_commitlog.sh (SIZE=${VC_SIZE:-128M})"
    if SIZE=${VC_SIZE:-128M} RUNS=1 "$ROOT/bench/verify_commitlog.sh" >"$RESULTS/vc.txt" 2>"$RESULTS/vc.err"; then
        VC=$(grep -Eo 'vs manual: [0-9.]+' "$RESULTS/vc.txt" | grep -Eo '[0-9.]+$' || echo "see output")
    fi
fi

# --- table -----------------------------------------------------------------------------------
stat() { # stat NAME EXPR -> median over runs
    for f in "$RESULTS/$1"-*.json; do
        [[ -s $f ]] && jget "$f" "$2"
    done | median
}
MQADMIN_RSS=$(cat "$RESULTS"/*.rss 2>/dev/null | sort -n | tail -1)
fmt() { awk -v v="$1" 'BEGIN { if (v == "n/a" || v == "") print "n/a"; else printf "%.0f", v }'; }
fmt2() { awk -v v="$1" 'BEGIN { if (v == "n/a" || v == "") print "n/a"; else printf "%.2f", v }'; }

C128=$(stat classic-128 "['tps']"); D128=$(stat dledger-128 "['tps']")
C1K=$(stat classic-1k "['tps']"); D1K=$(stat dledger-1k "['tps']")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b+0 == 0 || a == "n/a") print "n/a"; else printf "%.2f", a/b }'; }

echo
echo "Runs: $REPEAT x ${DURATION} s, $THREADS senders, $(nproc) cores; medians over runs."
echo
echo "| load | classic TPS | classic p50 / p99 / max ms | DLedger TPS | DLedger p50 / p99 / max ms | DLedger/classic |"
echo "|---|---|---|---|---|---|"
for load in 128 1k; do
    c=$(stat "classic-$load" "['tps']"); d=$(stat "dledger-$load" "['tps']")
    echo "| $load B | $(fmt "$c") | $(fmt2 "$(stat "classic-$load" "['latency']['p50Ms']")") / $(fmt2 "$(stat "classic-$load" "['latency']['p99Ms']")") / $(fmt2 "$(stat "classic-$load" "['latency']['maxMs']")") | $(fmt "$d") | $(fmt2 "$(stat "dledger-$load" "['latency']['p50Ms']")") / $(fmt2 "$(stat "dledger-$load" "['latency']['p99Ms']")") / $(fmt2 "$(stat "dledger-$load" "['latency']['maxMs']")") | $(ratio "$d" "$c") |"
done
echo
echo "Each run (msg/s), in the order they ran (the loads alternate, so drift hits all of them):"
echo
echo "| load | $(for r in $(seq "$REPEAT"); do printf 'run %s | ' "$r"; done)"
echo "|---|$(for r in $(seq "$REPEAT"); do printf -- '---|'; done)"
for name in classic-128 dledger-128 classic-1k dledger-1k dledger-128c dledger-128r; do
    row="| $name |"
    for r in $(seq "$REPEAT"); do
        f="$RESULTS/$name-$r.json"
        if [[ -s $f ]]; then row="$row $(fmt "$(jget "$f" "['tps']")") |"; else row="$row n/a |"; fi
    done
    echo "$row"
done
echo
echo "| measure | value |"
echo "|---|---|"
if [[ -s $RESULTS/failover.json ]]; then
    F="$RESULTS/failover.json"
    echo "| failover (kill -9 of the leader, $THREADS senders) rounds | $(jget "$F" "['rounds'].__len__()") |"
    echo "| failover: kill -> new BID 0 in name server, median / p90 / max ms | $(fmt "$(jget "$F" "['medianNewBid0Ms']")") / $(fmt "$(jget "$F" "['p90NewBid0Ms']")") / $(fmt "$(jget "$F" "['maxNewBid0Ms']")") |"
    echo "| failover: kill -> first ack, median / p90 / max ms | $(fmt "$(jget "$F" "['medianFirstAckMs']")") / $(fmt "$(jget "$F" "['p90FirstAckMs']")") / $(fmt "$(jget "$F" "['maxFirstAckMs']")") |"
    echo "| failover: acknowledged / lost / misplaced | $(jget "$F" "['acknowledged']") / $(jget "$F" "['lost']") / $(jget "$F" "['misplaced']") |"
else
    echo "| failover | failed: $(tail -1 "$RESULTS/failover.err" 2>/dev/null) |"
fi
if [[ -s $RESULTS/failover-term.json ]]; then
    F="$RESULTS/failover-term.json"
    echo "| SIGTERM of the leader ($(jget "$F" "['rounds'].__len__()") rounds): -> new BID 0, median / p90 / max ms | $(fmt "$(jget "$F" "['medianNewBid0Ms']")") / $(fmt "$(jget "$F" "['p90NewBid0Ms']")") / $(fmt "$(jget "$F" "['maxNewBid0Ms']")") |"
    echo "| SIGTERM of the leader: sends failed after retries / slowest send ms / lost | $(jget "$F" "['producer']['gaveUp']") / $(fmt "$(jget "$F" "['producer']['latency']['maxMs']")") / $(jget "$F" "['lost']") |"
else
    echo "| SIGTERM of the leader | failed: $(tail -1 "$RESULTS/failover-term.err" 2>/dev/null) |"
fi
if [[ -s $RESULTS/stall-follower.json ]]; then
    F="$RESULTS/stall-follower.json"
    echo "| follower SIGSTOPped 1 s, 3 rounds: leader changes / term increments | $(jget "$F" "['leaderChanges']") / $(jget "$F" "['termIncrements']") |"
else
    echo "| follower SIGSTOPped 1 s | failed: $(tail -1 "$RESULTS/stall-follower.err" 2>/dev/null) |"
fi
if [[ -s $RESULTS/rolling.json ]]; then
    F="$RESULTS/rolling.json"
    echo "| rolling restart of 3 nodes (SIGTERM) under load: sends failed after retries / slowest send ms / lost / leader changes | $(jget "$F" "['producer']['gaveUp']") / $(fmt "$(jget "$F" "['producer']['latency']['maxMs']")") / $(jget "$F" "['lost']") / $(jget "$F" "['leaderChanges']") |"
else
    echo "| rolling restart | failed: $(tail -1 "$RESULTS/rolling.err" 2>/dev/null) |"
fi
if [[ -s $RESULTS/soak.json ]]; then
    F="$RESULTS/soak.json"
    echo "| soak ${SOAK_SECS} s, $THREADS senders of 128 B: leader changes / term increments / TPS / lost | $(jget "$F" "['leaderChanges']") / $(jget "$F" "['termIncrements']") / $(fmt "$(jget "$F" "['producer']['tps']")") / $(jget "$F" "['lost']") |"
else
    echo "| soak | failed: $(tail -1 "$RESULTS/soak.err" 2>/dev/null) |"
fi
echo "| verify-commitlog --last 2 vs manual md5sum (4 files of ${VC_SIZE:-128M}): md5sum time / mqadmin time | $VC |"
echo "| clusterList wall time, median ms | $CL_MS |"
echo "| classic broker RSS idle / peak MiB | $((CLASSIC_IDLE_RSS / 1024)) / $((CLASSIC_HWM / 1024)) |"
echo "| DLedger broker RSS idle / peak MiB (largest node) | $((DLEDGER_IDLE_RSS / 1024)) / $((DLEDGER_HWM / 1024)) |"
echo "| mqadmin peak RSS MiB (benchmark / clusterList) | $(awk -v k="${MQADMIN_RSS:-0}" 'BEGIN{printf "%.0f", k/1024}') / $(awk -v k="$CL_RSS" 'BEGIN{ if (k=="n/a") print k; else printf "%.0f", k/1024}') |"
D128C=$(stat dledger-128c "['tps']"); D128R=$(stat dledger-128r "['tps']")
commits() { for r in $(seq "$REPEAT"); do f="$RESULTS/committers-$1-$r.json"; [[ -s $f ]] && jget "$f" "['offsetCommits']"; done | median; }
read_tps() { for r in $(seq "$REPEAT"); do f="$RESULTS/committers-$1-$r.json"; [[ -s $f ]] && jget "$f" "['tps']"; done | median; }
echo "| DLedger 128 B while $COMMITTERS consumer groups of an idle topic commit every second: TPS (ratio to classic) / offset commits per run | $(fmt "$D128C") ($(ratio "$D128C" "$C128")) / $(commits dledger-128c) |"
echo "| DLedger 128 B while $COMMITTERS consumer groups read the loaded topic and commit every second: TPS (ratio to classic) / messages read per second / offset commits per run | $(fmt "$D128R") ($(ratio "$D128R" "$C128")) / $(fmt "$(read_tps dledger-128r)") / $(commits dledger-128r) |"
echo
echo "DLedger/classic throughput ratio, 128 B: $(ratio "$D128" "$C128"); 1 KiB: $(ratio "$D1K" "$C1K"); 128 B with committing consumers (idle topic / reading the load): $(ratio "$D128C" "$C128") / $(ratio "$D128R" "$C128")"
if [[ -n ${KEEP_RESULTS:-} ]]; then
    mkdir -p "$KEEP_RESULTS" && cp -r "$RESULTS"/. "$KEEP_RESULTS"/
fi
