#!/usr/bin/env bash
# Wait until the kernel has finished tearing down the network namespaces a
# benchmark left behind. Namespace teardown is asynchronous: the last put of a
# netns queues it on the ordered "netns" workqueue, where cleanup_net() tears
# down batches of namespaces one round at a time.
#
#   wait-netns-freed.sh --count
#       settle the kernel (see "deferred free" below) and print the number of
#       live struct net objects: use it as BASELINE, taken while idle.
#   wait-netns-freed.sh BASELINE DEADLINE_S [SINCE]
#       poll every 5 ms until count <= BASELINE or DEADLINE_S seconds passed,
#       print one JSON line and exit 0 (freed) / 1 (timeout) / 2 (usage):
#       {"elapsed_ms":..,"first_idle_ms":..,"baseline":..,"count":..,
#        "polls":..,"probes":..,"timed_out":false}
#       SINCE (optional, $EPOCHREALTIME format, e.g. 1700000000.123456) is the
#       instant the times are measured from (default: when this script starts).
#       elapsed_ms: until every namespace is freed (count <= BASELINE).
#       first_idle_ms: first time no cleanup round was running and the count
#       had been stable for 2 polls (= the backlog of teardown work is done,
#       modulo puts still in flight, e.g. RCU-deferred socket frees).
#
# How it counts. struct net lives in the `net_namespace` slab cache (init_net
# is static and not counted). Two kernel details make the raw number wrong:
#  1. SLUB reports every object of a per-CPU slab as active, so
#     /proc/slabinfo's active_objs overstates. Before an exact read the script
#     writes 1 to /sys/kernel/slab/net_namespace/shrink (flushes the per-CPU
#     slabs; harmless, root only). The raw number is an upper bound, so it is
#     read first and the shrink is skipped when the bound already suffices.
#  2. Deferred free (kernel >= 6.13 and stable backports): a cleanup round
#     frees the struct nets of the *previous* round, its own stay allocated
#     until the next round runs. After a burst the count stays at
#     "live + size of the last round" indefinitely. So when no round is
#     running (no kworker whose comm ends in "+netns") and the count has not
#     moved for 2 polls (4, 8, ... 100 for later probes), the script starts
#     one probe namespace
#     (`unshare -n true`: empty netns, no devices, gone at once) whose round
#     frees the previous one. In the settled state the count is "live + 1"
#     (the last probe), which is what --count reports.
# Namespaces created by anything else on the machine during the wait (other
# test runs) keep the count up; the deadline bounds the wait.
set -euo pipefail
export LC_ALL=C

SYS=/sys/kernel/slab/net_namespace
POLL_S=0.005
UNSHARE=${UNSHARE:-unshare}

usage() {
  echo "usage: $0 --count | $0 BASELINE DEADLINE_S [SINCE]" >&2
  exit 2
}

if [[ ! -r $SYS/objects || ! -w $SYS/shrink ]]; then
  echo "wait-netns-freed: $SYS missing or not writable (need root, SLUB sysfs, unmerged net_namespace cache)" >&2
  exit 2
fi

count=0
read_count() { # $1=1: exact (shrink first)
  local line
  if (($1)); then echo 1 >"$SYS/shrink"; fi
  read -r line <"$SYS/objects" # "N N0=N ..."
  count=${line%% *}
}

busy=0
cleanup_running() { # sets busy=1 if a kworker is executing netns work
  local f c
  busy=0
  for f in /proc/[0-9]*/comm; do
    { read -r c <"$f"; } 2>/dev/null || continue
    if [[ $c == kworker/*+netns ]]; then busy=1; return; fi
  done
}

probe() { "$UNSHARE" -n true; }

# A descriptor that never becomes readable: `read -t` on it is a fork-free
# bounded wait (bash builtin), unlike /bin/sleep.
exec {never}<> <(:)
tick() { read -r -t "$POLL_S" -u "$never" _ || true; }

# settle: wait (bounded) until no round runs and the exact count is stable
# for 3 polls; returns the count in $count
settle() {
  local stable=0 prev=-1 k
  for ((k = 0; k < 4000 && stable < 3; k++)); do # <= ~20 s + scan time
    tick
    cleanup_running
    read_count 1
    if ((busy == 0 && count == prev)); then stable=$((stable + 1)); else stable=0; fi
    prev=$count
  done
}

if [[ ${1:-} == --count ]]; then
  # two probe rounds: the first frees whatever the last round deferred, the
  # second frees the first probe; what remains is live + 1
  settle
  probe; settle
  probe; settle
  echo "$count"
  exit 0
fi

[[ ${1:-} =~ ^[0-9]+$ && ${2:-} =~ ^[0-9]+([.][0-9]+)?$ ]] || usage
baseline=$1
deadline_s=$2
start=${EPOCHREALTIME/./}
if [[ -n ${3:-} ]]; then
  [[ $3 =~ ^[0-9]+[.][0-9]{6}$ ]] || usage
  start=${3/./}
fi
if [[ $deadline_s == *.* ]]; then
  frac=${deadline_s#*.}000000
  deadline_us=$((${deadline_s%.*} * 1000000 + 10#${frac:0:6}))
else
  deadline_us=$((deadline_s * 1000000))
fi
end=$((${EPOCHREALTIME/./} + deadline_us))
max_polls=$((deadline_us / 5000 + 2)) # hard bound on the loop

polls=0 probes=0 idle=0 prev=-1 first_idle=-1 timed_out=false
need_idle=2 # idle polls before a probe; doubles after each probe (max 100):
            # if the excess is live namespaces (someone else's), probes cannot help
while :; do
  polls=$((polls + 1))
  read_count 0
  if ((count > baseline)); then read_count 1; fi
  ((count <= baseline)) && break
  cleanup_running
  if ((busy == 0 && count == prev)); then idle=$((idle + 1)); else idle=0; fi
  prev=$count
  now=${EPOCHREALTIME/./}
  if ((idle >= need_idle)); then
    ((first_idle >= 0)) || first_idle=$((now - start))
    probe
    probes=$((probes + 1))
    idle=0 prev=-1
    need_idle=$((need_idle * 2 > 100 ? 100 : need_idle * 2))
  fi
  if ((now >= end || polls >= max_polls)); then
    timed_out=true
    break
  fi
  tick
done
now=${EPOCHREALTIME/./}
el=$((now - start))
((first_idle >= 0)) || first_idle=$el
printf '{"elapsed_ms":%d.%03d,"first_idle_ms":%d.%03d,"baseline":%d,"count":%d,"polls":%d,"probes":%d,"timed_out":%s}\n' \
  $((el / 1000)) $((el % 1000)) $((first_idle / 1000)) $((first_idle % 1000)) \
  "$baseline" "$count" "$polls" "$probes" "$timed_out"
[[ $timed_out == false ]]
