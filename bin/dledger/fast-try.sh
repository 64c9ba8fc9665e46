#!/usr/bin/env bash
# Like Apache RocketMQ's bin/dledger/fast-try.sh: builds the binaries (release) if needed, then runs
#   mqadmin fast-try start|stop|status [options]
# which starts a name server on 127.0.0.1:9876 and the three DLedger brokers of conf/dledger/.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -eq 0 ]; then
  echo "Usage: $0 start|stop|status [mqadmin fast-try options]" >&2
  exit 1
fi
command -v cargo >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 2; }
if [ "$1" = start ]; then
  cargo build --release --workspace --bins
fi
exec target/release/mqadmin fast-try "$@"
