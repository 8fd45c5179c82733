#!/usr/bin/env bash
# Baseline (b): `ip netns add`, then ONE `ip -n NS -d -j -batch -` process
# that does all link steps *and* the read (iproute2 6.1 prints the JSON of
# `link show` from inside batch mode), then `ip netns del`.
# Three `ip` processes per cycle.
#
#   usage: ip-batch.sh N [WARMUP]
#   stdout: {"name":"ip-batch","cycles_ms":[...]}   (one line, N entries)
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: $0 N [WARMUP]" >&2; exit 2; }
[[ ${1:-} =~ ^[0-9]+$ ]] || usage
[[ ${2:-0} =~ ^[0-9]+$ ]] || usage
N=$1
WARMUP=${2:-0}

PREFIX="nslab-bl-batch-$$"
cur=""

cleanup() {
  if [[ -n $cur ]]; then
    ip netns del "$cur" 2>/dev/null || true
    cur=""
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

BATCH='link add br0 type bridge
tuntap add tap0 mode tap
link set tap0 address 52:54:00:00:00:01
link set tap0 master br0
link set br0 up
link set tap0 up
link show br0'

out=""
cycle() {
  local ns=$1
  cur=$ns
  ip netns add "$ns"
  out=$(ip -n "$ns" -d -j -batch - <<<"$BATCH")
  if [[ $out != *'"bridge_id":"8000.52:54:0:0:0:1"'* || $out != *'"UP"'* ]]; then
    echo "ip-batch: unexpected br0 state: $out" >&2
    return 1
  fi
  ip netns del "$ns"
  cur=""
}

for ((i = 0; i < WARMUP; i++)); do
  cycle "$PREFIX-w$i"
done

times=()
for ((i = 0; i < N; i++)); do
  t0=${EPOCHREALTIME/./}
  cycle "$PREFIX-$i"
  t1=${EPOCHREALTIME/./}
  dt=$((t1 - t0))
  printf -v ms '%d.%03d' $((dt / 1000)) $((dt % 1000))
  times+=("$ms")
done

echo "ip-batch: last br0 read: $out" >&2
(IFS=,; printf '{"name":"ip-batch","cycles_ms":[%s]}\n' "${times[*]}")
