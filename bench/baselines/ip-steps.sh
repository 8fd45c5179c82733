#!/usr/bin/env bash
# Baseline (a): one `ip` process per fixture step, like shell/execa-based
# harnesses do it.
#
#   usage: ip-steps.sh N [WARMUP]
#   stdout: {"name":"ip-steps","cycles_ms":[...]}   (one line, N entries)
#
# One cycle = netns add, bridge br0, tap tap0 + MAC, tap0 master br0,
# br0 up, tap0 up, read br0 (`ip -d -j link show`), netns del.
# Every device lives in the namespace created for the cycle; the namespace is
# deleted on every exit path (EXIT trap).
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: $0 N [WARMUP]" >&2; exit 2; }
[[ ${1:-} =~ ^[0-9]+$ ]] || usage
[[ ${2:-0} =~ ^[0-9]+$ ]] || usage
N=$1
WARMUP=${2:-0}

PREFIX="nslab-bl-steps-$$"
cur=""   # namespace currently alive (to delete on failure)

cleanup() {
  if [[ -n $cur ]]; then
    ip netns del "$cur" 2>/dev/null || true
    cur=""
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

out=""
cycle() {
  local ns=$1
  cur=$ns
  ip netns add "$ns"
  ip -n "$ns" link add br0 type bridge
  ip -n "$ns" tuntap add tap0 mode tap
  ip -n "$ns" link set tap0 address 52:54:00:00:00:01
  ip -n "$ns" link set tap0 master br0
  ip -n "$ns" link set br0 up
  ip -n "$ns" link set tap0 up
  out=$(ip -n "$ns" -d -j link show br0)
  # cheap sanity check (bash builtins only, no fork)
  if [[ $out != *'"bridge_id":"8000.52:54:0:0:0:1"'* || $out != *'"UP"'* ]]; then
    echo "ip-steps: unexpected br0 state: $out" >&2
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
  dt=$((t1 - t0))   # microseconds
  printf -v ms '%d.%03d' $((dt / 1000)) $((dt % 1000))
  times+=("$ms")
done

echo "ip-steps: last br0 read: $out" >&2
(IFS=,; printf '{"name":"ip-steps","cycles_ms":[%s]}\n' "${times[*]}")
