#!/usr/bin/env bash
# Builds the binaries and runs a name server plus one broker (classic store) on 127.0.0.1.
#   bin/quick-start.sh start   build, start both in the background, print the cluster list
#   bin/quick-start.sh stop    stop both (safe to run twice)
# Logs, pids and the store live under $QUICKSTART_ROOT (default /tmp/rmqstore/quickstart).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${QUICKSTART_ROOT:-/tmp/rmqstore/quickstart}
bin=target/release

stop_pid() {
  local f="$root/$1.pid"
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

case "${1:-}" in
  start)
    command -v cargo >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 2; }
    cargo build --release --workspace --bins
    mkdir -p "$root"
    for p in namesrv broker; do
      if [ -f "$root/$p.pid" ] && kill -0 "$(cat "$root/$p.pid")" 2>/dev/null; then
        echo "already running; run '$0 stop' first" >&2; exit 1
      fi
    done
    sed -e "s#^storePathRootDir.*##" conf/broker.conf > "$root/broker.conf"
    printf 'namesrvAddr=127.0.0.1:9876\nbrokerIP1=127.0.0.1\nbrokerIP2=127.0.0.1\nstorePathRootDir=%s/store\nmappedFileSizeCommitLog=67108864\n' "$root" >> "$root/broker.conf"
    nohup "$bin/mqnamesrv" --listen 127.0.0.1:9876 >"$root/namesrv.log" 2>&1 &
    echo $! > "$root/namesrv.pid"
    nohup "$bin/mqbroker" -c "$root/broker.conf" >"$root/broker.log" 2>&1 &
    echo $! > "$root/broker.pid"
    for _ in $(seq 1 100); do
      if "$bin/mqadmin" -n 127.0.0.1:9876 clusterList >"$root/clusterList.txt" 2>/dev/null && grep -q broker-a "$root/clusterList.txt"; then
        cat "$root/clusterList.txt"
        echo "name server 127.0.0.1:9876, broker 127.0.0.1:10911; logs in $root. Stop with: $0 stop" >&2
        exit 0
      fi
      sleep 0.2
    done
    echo "the broker did not register within 20 s; see $root/broker.log" >&2
    exit 1
    ;;
  stop)
    stop_pid broker
    stop_pid namesrv
    echo "stopped; start again with: $0 start" >&2
    ;;
  *)
    echo "Usage: $0 start|stop" >&2
    exit 1
    ;;
esac
