#!/usr/bin/env bash
# Baseline (b): `ip netns add`, then ONE `ip -n NS -d -j -batch -` process
# that does all link steps *and* the read (iproute2 6.1 prints the JSON of
# `link show` from inside batch mode), then `ip netns del`.
# Three `ip` processes per cycle.
#
#   usage: ip-batch.sh N [WARMUP]
#   stdout: {"name":"ip-batch","cycles_ms":[...]}   (one line, N entries)
NAME=ip-batch
source "$(dirname "$0")/ip-common.sh"

BATCH='link add br0 type bridge
tuntap add tap0 mode tap
link set tap0 address 52:54:00:00:00:01
link set tap0 master br0
link set br0 up
link set tap0 up
link show br0'

cycle() {
  local ns=$1
  cur=$ns
  ip netns add "$ns"
  out=$(ip -n "$ns" -d -j -batch - <<<"$BATCH")
  check_br0
  ip netns del "$ns"
  cur=""
}

run_cycles
