#!/usr/bin/env bash
# Baseline of the routes bench (bench/routes.ts) with iproute2, in a namespace of its own:
# veth v0/v1 up, 192.0.2.1/24 on v0, `rule add pref 100 table 1000`; then timed: ONE
# `ip -n NS -batch FILE` adding every route of ROUTES_FILE ("DST TABLE" per line, each via
# 192.0.2.254 dev v0), `ip -n NS -4 route show table all` (the dump, its output to a file), and
# one `ip -n NS route get DST` process per lookup for the first N_LOOKUPS lines of LOOKUPS_FILE.
#
#   usage: ip-routes.sh ROUTES_FILE LOOKUPS_FILE N_LOOKUPS
#   stdout: {"name":"ip","add_ms":..,"dump_ms":..,"dump_routes":..,"lookup_us":[...]}
set -euo pipefail
export LC_ALL=C
[[ $# -eq 3 && $3 =~ ^[0-9]+$ ]] || { echo "usage: $0 ROUTES_FILE LOOKUPS_FILE N_LOOKUPS" >&2; exit 2; }

NS="nslab-bl-batch-$$-routes"
tmp=$(mktemp -d)
cleanup() {
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Microseconds since t0 ($EPOCHREALTIME with its dot removed), as milliseconds with 3 decimals.
ms_since() {
  local dt=$((${EPOCHREALTIME/./} - $1))
  printf '%d.%03d' $((dt / 1000)) $((dt % 1000))
}

ip netns add "$NS"
ip -n "$NS" link add v0 type veth peer name v1
ip -n "$NS" link set v0 up
ip -n "$NS" link set v1 up
ip -n "$NS" addr add 192.0.2.1/24 dev v0
ip -n "$NS" rule add pref 100 table 1000
awk '{ print "route add " $1 " via 192.0.2.254 dev v0 table " $2 }' "$1" >"$tmp/batch"
mapfile -t lookups < <(head -n "$3" "$2")

t0=${EPOCHREALTIME/./}
ip -n "$NS" -batch "$tmp/batch"
add_ms=$(ms_since "$t0")

t0=${EPOCHREALTIME/./}
ip -n "$NS" -4 route show table all >"$tmp/dump"
dump_ms=$(ms_since "$t0")
dump_routes=$(grep -cE ' table 1[0-9]{3}( |$)' "$tmp/dump" || true)

times=()
for dst in "${lookups[@]}"; do
  t0=${EPOCHREALTIME/./}
  ip -n "$NS" route get "$dst" >"$tmp/get"
  times+=("$((${EPOCHREALTIME/./} - t0))")
  if ! grep -q 'via 192.0.2.254 dev v0' "$tmp/get"; then
    echo "ip-routes: $dst looked up as $(cat "$tmp/get")" >&2
    exit 1
  fi
done

(IFS=,; printf '{"name":"ip","add_ms":%s,"dump_ms":%s,"dump_routes":%s,"lookup_us":[%s]}\n' \
  "$add_ms" "$dump_ms" "$dump_routes" "${times[*]}")
