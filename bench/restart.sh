#!/usr/bin/env bash
# Restart time of a broker against the size of its store (issue 17): for each store size
# (SIZES, in GB of commitlog; default "1 8") and each mode (classic, and a one-node DLedger
# group), the time from starting mqbroker until it serves again, after a clean stop (SIGTERM)
# and after kill -9, with a cold page cache (echo 3 > /proc/sys/vm/drop_caches: run as root).
#
# Stores hold 1 KiB messages in 1 GiB commitlog files (the broker's defaults):
#   - classic: written directly through the store API (broker/examples/fill_store.rs), which is
#     what a producer would leave (UNIQ_KEY, keys, tags; consume queues and key index built);
#   - DLedger: sent through a running one-node group with `mqadmin benchmark producer --batch`.
# "Serves again" means: classic, `mqadmin brokerStatus` answers (the store is open: requests are
# only served after recovery); DLedger, a send is acknowledged (the log is recovered, the node
# is leader and has applied it). Each figure is the median of REPEAT restarts (default 3).
# The broker's "store recovered" log line (where the commitlog check started, records checked and
# dispatched again) is printed with each measurement.
#
# Usage: bench/restart.sh            SIZES="1 2" MODES=classic REPEAT=1 bench/restart.sh
#        BUILD=0 bench/restart.sh   (use the release binaries already built)
# Disk: one store at a time (about SIZE + 0.5 GB), deleted before the next (WORK, default /tmp).
# Ports: free ephemeral ports, found at start. Needs python3 (free ports) and root (drop_caches).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${SIZES:-"1 8"}
MODES=${MODES:-"classic dledger"}
REPEAT=${REPEAT:-3}
WORK=$(mktemp -d "${WORK:-${TMPDIR:-/tmp}}/mq-restart.XXXXXX")
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
PIDS=()

log() { echo "[restart $(date +%T)] $*" >&2; }

cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

if [[ ${BUILD:-1} == 1 ]]; then
    log "building release binaries..."
    (cd "$ROOT" && cargo build --release --quiet -p broker --bins --example fill_store && cargo build --release --quiet -p mqadmin)
fi
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN="$TARGET_DIR/release"
MQADMIN="$BIN/mqadmin"
FILL="$BIN/examples/fill_store"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

NS_PORT=$(free_port)
"$BIN/mqnamesrv" --listen "127.0.0.1:$NS_PORT" >"$WORK/namesrv.log" 2>&1 &
PIDS+=("$!")
disown "$!" # no "Killed" line when the cleanup stops it
NS="127.0.0.1:$NS_PORT"
until (exec 3<>"/dev/tcp/127.0.0.1/$NS_PORT") 2>/dev/null; do sleep 0.05; done
TOPIC=RestartBench

# write_conf MODE STORE PORT PEER_PORT -> path of the config file
write_conf() {
    local mode=$1 store=$2 port=$3 peer=$4 conf="$WORK/broker-$1.conf"
    {
        echo "brokerClusterName=RestartCluster"
        echo "listenPort=$port"
        echo "namesrvAddr=$NS"
        echo "brokerIP1=127.0.0.1"
        echo "storePathRootDir=$store"
        if [[ $mode == dledger ]]; then
            echo "brokerName=RestartRaft"
            echo "enableDLegerCommitLog=true"
            echo "dLegerGroup=RestartRaft"
            echo "dLegerPeers=n0-127.0.0.1:$peer"
            echo "dLegerSelfId=n0"
        else
            echo "brokerName=RestartClassic"
        fi
    } >"$conf"
    echo "$conf"
}

BROKER_PID=
start_broker() { # CONF LOG
    RUST_LOG=${RUST_LOG:-info} "$BIN/mqbroker" -c "$1" >"$2" 2>&1 &
    BROKER_PID=$!
    PIDS+=("$BROKER_PID")
}

# wait_ready MODE PORT: returns once the broker serves (see the header)
wait_ready() {
    local mode=$1 port=$2 i=0
    while :; do
        if ! kill -0 "$BROKER_PID" 2>/dev/null; then
            log "mqbroker exited early"; return 1
        fi
        if [[ $mode == classic ]]; then
            "$MQADMIN" brokerStatus -b "127.0.0.1:$port" >/dev/null 2>&1 && return 0
        else
            "$MQADMIN" sendMessage -q -n "$NS" -t "$TOPIC" -p ready >/dev/null 2>&1 && return 0
        fi
        i=$((i + 1))
        ((i < 6000)) || { log "broker not ready after 10 minutes"; return 1; }
        sleep 0.02
    done
}

stop_broker() { # SIGNAL
    kill "-$1" "$BROKER_PID"
    wait "$BROKER_PID" 2>/dev/null || true
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

for mode in $MODES; do
    for size in $SIZES; do
        store="$WORK/store-$mode-${size}g"
        bytes=$((size * 1000000000))
        port=$(free_port)
        peer=$(free_port)
        conf=$(write_conf "$mode" "$store" "$port" "$peer")
        blog="$WORK/broker-$mode-$size.log"
        t0=$(now)
        if [[ $mode == classic ]]; then
            log "classic: writing a $size GB store with fill_store..."
            "$FILL" "$store" "$bytes" "$TOPIC" 8 >/dev/null
            start_broker "$conf" "$blog"
            wait_ready classic "$port"
            "$MQADMIN" updateTopic -b "127.0.0.1:$port" -t "$TOPIC" -r 8 -w 8 >/dev/null
        else
            log "dledger: writing a $size GB store through a one-node group..."
            start_broker "$conf" "$blog"
            until "$MQADMIN" updateTopic -n "$NS" -c RestartCluster -t "$TOPIC" -r 8 -w 8 >/dev/null 2>&1; do
                sleep 0.2
            done
            wait_ready dledger "$port"
            # 1 KiB bodies; the records are a little larger (header, topic, properties).
            "$MQADMIN" benchmark -q producer -n "$NS" -t "$TOPIC" -s 1024 -w 8 --batch 32 \
                --count $((bytes / 1130)) >/dev/null
        fi
        log "$mode $size GB written in $(echo "$(now) - $t0" | bc) s: $(du -sh "$store" | cut -f1)"
        for stop in clean kill9; do
            for ((r = 1; r <= REPEAT; r++)); do
                # A running broker has written its checkpoint within a second.
                sleep 2
                if [[ $stop == clean ]]; then stop_broker TERM; else stop_broker KILL; fi
                drop_caches
                t0=$(now)
                start_broker "$conf" "$blog"
                wait_ready "$mode" "$port"
                t=$(echo "$(now) - $t0" | bc)
                rec=$(grep -o 'store recovered.*' "$blog" | tail -1 | sed 's/\x1b\[[0-9;]*m//g' || true)
                log "$mode $size GB after $stop: ${t} s  ($rec)"
                printf '%s\t%s\t%s\t%s\n' "$mode" "$size" "$stop" "$t" >>"$RESULTS"
            done
        done
        stop_broker TERM
        rm -rf "$store"
    done
done

echo
echo "| mode | store | restart after clean stop (s) | restart after kill -9 (s) |"
echo "|---|---|---|---|"
for mode in $MODES; do
    for size in $SIZES; do
        c=$(awk -v m="$mode" -v s="$size" '$1==m && $2==s && $3=="clean" {print $4}' "$RESULTS" | median)
        k=$(awk -v m="$mode" -v s="$size" '$1==m && $2==s && $3=="kill9" {print $4}' "$RESULTS" | median)
        printf '| %s | %s GB | %.2f | %.2f |\n' "$mode" "$size" "$c" "$k"
    done
done
