#!/usr/bin/env bash
# Compares `mqadmin verify-commitlog` with what operators do by hand (`md5sum`, spec §6.3 step 2).
#
# Creates two commitlog files of SIZE bytes of random data (default 1G), places them (hard links,
# so no extra disk space) in a master and a slave `dir:` node, builds mqadmin in release mode, warms
# the page cache, then times, best of RUNS (default 3):
#   1. md5sum of one file                      vs verify-commitlog hashing that one file (the slave
#                                                 node is empty) and vs one file on master + slave
#   2. md5sum of both files, sequentially      vs verify-commitlog --last 2
#   3. md5sum of both files on both nodes (the manual procedure: 4 hashes, sequentially)
#                                              vs verify-commitlog --last 2
# and prints the ratios (md5sum time / mqadmin time: above 1 means mqadmin is faster).
#
# Usage: SIZE=256M RUNS=3 bench/verify_commitlog.sh     (WORK=/path to choose the scratch dir)
set -euo pipefail

SIZE=${SIZE:-1G}
RUNS=${RUNS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/verify-commitlog-bench.XXXXXX")}
trap 'rm -rf "$WORK"' EXIT

echo "building mqadmin (release)..." >&2
cargo build --release --quiet -p mqadmin --manifest-path "$ROOT/Cargo.toml"
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
MQADMIN="$TARGET_DIR/release/mqadmin"

echo "creating 2 files of $SIZE in $WORK..." >&2
mkdir -p "$WORK/data" "$WORK/m1" "$WORK/s1" "$WORK/m2" "$WORK/s2" "$WORK/empty"
head -c "$SIZE" /dev/urandom >"$WORK/data/f0"
head -c "$SIZE" /dev/urandom >"$WORK/data/f1"
BYTES=$(stat -c %s "$WORK/data/f0")
F0=$(printf '%020d' 0)
F1=$(printf '%020d' "$BYTES")
for node in m2 s2; do
    ln "$WORK/data/f0" "$WORK/$node/$F0"
    ln "$WORK/data/f1" "$WORK/$node/$F1"
done
for node in m1 s1; do
    ln "$WORK/data/f1" "$WORK/$node/$F1"
done
cat "$WORK/data/f0" "$WORK/data/f1" >/dev/null # warm the page cache

# best_of CMD...: the smallest wall-clock time of RUNS runs, in seconds.
best_of() {
    local best="" t
    for _ in $(seq "$RUNS"); do
        local start end
        start=$(date +%s.%N)
        "$@" >/dev/null
        end=$(date +%s.%N)
        t=$(echo "$end - $start" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    printf '%.3f' "$best"
}

# verify MASTER SLAVE N: exit 1 (a file missing on the slave) is expected for the empty slave.
verify() {
    local rc=0
    "$MQADMIN" -q verify-commitlog --master "dir:$WORK/$1" --slave "dir:$WORK/$2" --last "$3" || rc=$?
    [ "$rc" -le 1 ]
}

one_md5=$(best_of md5sum "$WORK/data/f1")
solo_mq=$(best_of verify m1 empty 1)
one_mq=$(best_of verify m1 s1 1)
two_md5=$(best_of md5sum "$WORK/data/f0" "$WORK/data/f1")
four_md5=$(best_of md5sum "$WORK/m2/$F0" "$WORK/m2/$F1" "$WORK/s2/$F0" "$WORK/s2/$F1")
two_mq=$(best_of verify m2 s2 2)

mib=$(echo "$BYTES / 1048576" | bc)
ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo "file size: $mib MiB, $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg), best of $RUNS"
printf '%-58s %8s s\n' "md5sum, 1 file" "$one_md5"
printf '%-58s %8s s   (md5sum/mqadmin = %s)\n' "mqadmin verify-commitlog, 1 file on the master only" "$solo_mq" "$(ratio "$one_md5" "$solo_mq")"
printf '%-58s %8s s   (md5sum/mqadmin = %s)\n' "mqadmin verify-commitlog, 1 file (master + slave copy)" "$one_mq" "$(ratio "$one_md5" "$one_mq")"
printf '%-58s %8s s\n' "md5sum, 2 files sequentially" "$two_md5"
printf '%-58s %8s s\n' "md5sum, 2 files x 2 nodes sequentially (manual procedure)" "$four_md5"
printf '%-58s %8s s   (vs 2 files: %s, vs manual: %s)\n' "mqadmin verify-commitlog --last 2 (4 hashes in parallel)" "$two_mq" "$(ratio "$two_md5" "$two_mq")" "$(ratio "$four_md5" "$two_mq")"
