#!/usr/bin/env bash
# `mqadmin upgrade-group` of a classic Master/Slave pair with SIZES of commitlog (default "1G 4G",
# in 256 MiB files like the issue's measurement), while a sender probes the group every 20 ms:
#   - the downtime upgrade-group reports (SIGTERM of the old master -> first send the new group
#     acknowledged) and the longest gap the probing sender saw between two acknowledged sends;
#   - the bytes copied before the downtime (pre-copy) and during it;
#   - the pre-copy's throughput against `cp` + `md5sum` of the same commitlog files (run first,
#     into a scratch directory deleted before the upgrade).
# Prints one markdown table. Uses ephemeral ports on 127.0.0.1.
#
# The store is built with `mqadmin benchmark producer` (1 KiB messages) on the master alone; the
# slave is then given the master's store with its sealed commitlog and consume-queue files hard
# linked (never written again by either broker) and its newest files copied, so that the disk
# holds about 2x SIZE at a time (master + third node) instead of 3x. Everything is deleted at
# the end of each size.
#
# Usage: bench/upgrade.sh          SIZES="256M 1G" bench/upgrade.sh        WORK=/path bench/upgrade.sh
set -euo pipefail

SIZES=${SIZES:-"1G 4G"}
FILE_SIZE=${FILE_SIZE:-268435456}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK_BASE=${WORK:-${TMPDIR:-/tmp}}
PIDS=()
WORK=""

log() { echo "[upgrade-bench $(date +%T)] $*" >&2; }

stop_all() {
    set +e
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    sleep 1
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    if [[ -n $WORK ]]; then
        # The brokers started by upgrade-group are detached: find them by their config paths.
        for pid in $(pgrep -f "mqbroker -c $WORK/" || true); do kill -9 "$pid" 2>/dev/null; done
        rm -rf "$WORK"
    fi
    PIDS=()
    set -e
}
trap stop_all EXIT

log "building release binaries..."
(cd "$ROOT" && cargo build --release --workspace --bins --quiet)
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN="$TARGET_DIR/release"
MQADMIN="$BIN/mqadmin"

free_port() {
    python3 -c 'import socket
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    if 20000 < p < 50000:
        t = socket.socket()
        try:
            t.bind(("0.0.0.0", p + 1)); t.close(); print(p); break
        except OSError:
            pass'
}

free_ports() { # free_ports N: N ports, each with its next port free too, none next to another
    local out=() p q ok
    while ((${#out[@]} < $1)); do
        p=$(free_port); ok=1
        for q in "${out[@]}"; do
            ((p == q || p == q + 1 || p + 1 == q)) && ok=0
        done
        ((ok)) && out+=("$p")
    done
    echo "${out[@]}"
}

bytes_of() { numfmt --from=iec "$1"; }

wait_for() { # wait_for SECONDS CMD...: until CMD succeeds
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

write_conf() { # write_conf FILE NAME PORT STORE EXTRA...
    local file=$1 port=$3 store=$4; shift 4
    {
        echo "brokerClusterName=BenchCluster"
        echo "brokerName=bench-up"
        echo "listenPort=$port"
        echo "namesrvAddr=$NS"
        echo "brokerIP1=127.0.0.1"
        echo "brokerIP2=127.0.0.1"
        echo "storePathRootDir=$store"
        echo "mappedFileSizeCommitLog=$FILE_SIZE"
        echo "flushDiskType=ASYNC_FLUSH"
        for kv in "$@"; do echo "$kv"; done
    } >"$file"
}

commitlog_bytes() { du -sb --apparent-size "$1/commitlog" 2>/dev/null | cut -f1; }

ROWS=()
for size in $SIZES; do
    target=$(bytes_of "$size")
    WORK=$(mktemp -d "$WORK_BASE/upgrade-bench.XXXXXX")
    log "$size: building the store in $WORK"
    # Seven distinct ports, none the HA port (listen port + 1) of another.
    read -r NSPORT P0 P1 P2 Q0 Q1 Q2 < <(free_ports 7)
    NS="127.0.0.1:$NSPORT"
    mkdir -p "$WORK"/{master,slave,third}-conf "$WORK"/{master,slave,third}-store
    write_conf "$WORK/master-conf/master.conf" master "$P0" "$WORK/master-store" brokerId=0 brokerRole=ASYNC_MASTER
    write_conf "$WORK/slave-conf/slave.conf" slave "$P1" "$WORK/slave-store" brokerId=1 brokerRole=SLAVE
    write_conf "$WORK/third-conf/third.conf" third "$P2" "$WORK/third-store"
    "$BIN/mqnamesrv" --listen "$NS" >"$WORK/ns.log" 2>&1 & PIDS+=($!)
    "$BIN/mqbroker" -c "$WORK/master-conf/master.conf" >"$WORK/master.log" 2>&1 & MPID=$!; PIDS+=($MPID)
    wait_for 60 "$MQADMIN" -n "$NS" updateTopic -c BenchCluster -t BenchTopic -r 8 -w 8
    # 1 KiB bodies; a record is about 1.2 KiB with its header and properties.
    count=$((target / 1200))
    "$MQADMIN" -n "$NS" -q benchmark producer -t BenchTopic --size 1024 --threads 32 --batch 16 \
        --count "$count" >"$WORK/fill.log" 2>&1
    log "$size: master commitlog $(commitlog_bytes "$WORK/master-store") bytes; giving the slave the same store"
    kill "$MPID"; wait "$MPID" 2>/dev/null || true
    # The slave: sealed files hard linked, newest files and the rest copied.
    (
        cd "$WORK/master-store"
        mkdir -p "$WORK/slave-store/commitlog"
        files=(commitlog/*)
        for f in "${files[@]:0:${#files[@]}-1}"; do ln "$f" "$WORK/slave-store/$f"; done
        cp "${files[-1]}" "$WORK/slave-store/commitlog/"
        cp -r --sparse=always config consumequeue index checkpoint "$WORK/slave-store/"
    )
    "$BIN/mqbroker" -c "$WORK/master-conf/master.conf" >>"$WORK/master.log" 2>&1 & PIDS+=($!)
    "$BIN/mqbroker" -c "$WORK/slave-conf/slave.conf" >"$WORK/slave.log" 2>&1 & PIDS+=($!)
    wait_for 120 "$MQADMIN" -n "$NS" sendMessage -t BenchTopic -p warm

    # Baseline: cp + md5sum of the commitlog files the pre-copy will copy (all but the newest).
    files=("$WORK"/master-store/commitlog/*)
    sealed=("${files[@]:0:${#files[@]}-1}")
    mkdir -p "$WORK/scratch"
    base_bytes=$(cat "${sealed[@]}" | wc -c)
    t0=$(date +%s.%N)
    cp "${sealed[@]}" "$WORK/scratch/"
    md5sum "$WORK"/scratch/* >/dev/null
    t1=$(date +%s.%N)
    rm -rf "$WORK/scratch"
    base_mbps=$(echo "$base_bytes / ($t1 - $t0) / 1000000" | bc -l)
    log "$size: cp + md5sum of $base_bytes bytes: $(printf %.0f "$base_mbps") MB/s"

    # The probing sender: one mqadmin sendMessage every 20 ms, each success time-stamped.
    (
        while true; do
            if "$MQADMIN" -n "$NS" -q sendMessage -t BenchTopic -p probe >/dev/null 2>&1; then
                date +%s.%N
            fi
            sleep 0.02
        done
    ) >"$WORK/probe.log" & PROBE=$!; PIDS+=($PROBE)
    wait_for 30 test -s "$WORK/probe.log"
    sleep 1

    log "$size: upgrade-group"
    "$MQADMIN" -n "$NS" --output json upgrade-group --yes \
        --master "$WORK/master-conf/master.conf" --slave "$WORK/slave-conf/slave.conf" \
        --third "$WORK/third-conf/third.conf" \
        --peers "n0-127.0.0.1:$Q0;n1-127.0.0.1:$Q1;n2-127.0.0.1:$Q2" --timeout 120 \
        >"$WORK/report.json" 2>"$WORK/upgrade.err" || { cat "$WORK/upgrade.err" >&2; exit 1; }
    sleep 2
    kill "$PROBE" 2>/dev/null || true
    cp "$WORK/report.json" "${TMPDIR:-/tmp}/upgrade-bench-$size.json"
    # The progress lines and the new group's logs, for a look at where the downtime went.
    for n in master slave third; do
        cp "$WORK/$n-store/mqbroker.log" "${TMPDIR:-/tmp}/upgrade-bench-$size-$n.log" 2>/dev/null || true
    done
    cp "$WORK/upgrade.err" "${TMPDIR:-/tmp}/upgrade-bench-$size.err"

    row=$(python3 - "$WORK/report.json" "$WORK/probe.log" "$size" "$base_mbps" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
times = [float(l) for l in open(sys.argv[2]) if l.strip()]
gap = max((b - a for a, b in zip(times, times[1:])), default=0)
d = report["downtime"]
steps = {s["step"]: s for s in report["steps"]}
pre = steps["pre-copy"].get("durationMs", 0) / 1000
pre_mbps = d["bytesBefore"] / pre / 1e6 if pre > 0 else 0
base = float(sys.argv[4])
print(f"| {sys.argv[3]} | {d['measuredMs'] / 1000:.2f} ({d['until']}) | {gap:.2f} | "
      f"{d['bytesBefore'] / 1e6:.0f} | {d['bytesDuring'] / 1e6:.0f} | {pre_mbps:.0f} | {base:.0f} | "
      f"{pre_mbps / base:.2f} | {steps['copy'].get('durationMs', 0) / 1000:.2f} |")
EOF
)
    ROWS+=("$row")
    log "$size: $row"
    stop_all
    WORK=""
done

echo
echo "| commitlog | downtime reported, s | longest gap seen by the sender, s | MB copied before | MB copied during | pre-copy MB/s | cp+md5sum MB/s | ratio | copy step, s |"
echo "|---|---|---|---|---|---|---|---|---|"
for r in "${ROWS[@]}"; do echo "$r"; done
