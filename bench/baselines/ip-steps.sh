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
# deleted on every exit path (EXIT trap, in ip-common.sh).
NAME=ip-steps
source "$(dirname "$0")/ip-common.sh"

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
  check_br0
  ip netns del "$ns"
  cur=""
}

run_cycles
