#!/usr/bin/env bash
# Run every baseline N cycles (after WARMUP unmeasured ones), wait after each
# until the kernel has freed all its namespaces, and print a markdown table.
#
#   usage: bench/baselines/run-all.sh [N] [WARMUP] [OUTDIR]
#          defaults: N=200 WARMUP=5 OUTDIR=${TMPDIR:-/tmp}/nslab-baselines
#   needs: root, iproute2, util-linux (unshare), python3-pyroute2, a C compiler
#   writes OUTDIR/<name>.json (the baseline's stdout), <name>.err (stderr),
#   <name>.drain.json (wait-netns-freed.sh output) and summary.md
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
N=${1:-200}
WARMUP=${2:-5}
OUT=${3:-${TMPDIR:-/tmp}/nslab-baselines}
DRAIN_DEADLINE_S=${DRAIN_DEADLINE_S:-60}
PY=/usr/bin/python3
[[ $N =~ ^[0-9]+$ && $WARMUP =~ ^[0-9]+$ ]] || { echo "usage: $0 [N] [WARMUP] [OUTDIR]" >&2; exit 2; }

mkdir -p "$OUT"
make -s -C "$HERE/c" >&2
BIN=$HERE/../bin/fixture_cycle

# name | command
RUNS=(
  "ip-steps|$HERE/ip-steps.sh $N $WARMUP"
  "ip-batch|$HERE/ip-batch.sh $N $WARMUP"
  "pyroute2-netns|$PY $HERE/pyroute2_cycle.py $N $WARMUP --mode netns"
  "pyroute2-pushns|$PY $HERE/pyroute2_cycle.py $N $WARMUP --mode pushns"
  "c-rtnetlink|$BIN $N $WARMUP"
  "c-rtnetlink-combined|$BIN $N $WARMUP --combined"
  "c-rtnetlink-tun-setns|$BIN $N $WARMUP --tun-setns"
)

# other users of the machine (e.g. nslab's own test suite) create namespaces
# too: note the ones visible in /run/netns around each run
foreign() { local f out=""; for f in /run/netns/*; do [[ -e $f && ${f##*/} != nslab-bl-* ]] && out+="${f##*/} "; done; echo "$out"; }

for run in "${RUNS[@]}"; do
  name=${run%%|*}
  cmd=${run#*|}
  # re-take the settled baseline each time (live foreign namespaces included)
  baseline=$("$HERE/wait-netns-freed.sh" --count)
  echo "== $name: $cmd   (net_namespace baseline $baseline; foreign: $(foreign))" >&2
  t0=$EPOCHREALTIME
  # shellcheck disable=SC2086  # cmd is a trusted word list built above
  $cmd >"$OUT/$name.json" 2>"$OUT/$name.err"
  t1=$EPOCHREALTIME
  "$HERE/wait-netns-freed.sh" "$baseline" "$DRAIN_DEADLINE_S" "$t1" >"$OUT/$name.drain.json" ||
    echo "   drain timed out: $(cat "$OUT/$name.drain.json")" >&2
  echo "{\"wall_ms\":$(( (${t1/./} - ${t0/./}) / 1000 ))}" >"$OUT/$name.wall.json"
  echo "   drain: $(cat "$OUT/$name.drain.json"); foreign after: $(foreign)" >&2
done

"$PY" - "$OUT" "$N" "$WARMUP" "${RUNS[@]}" <<'EOF' | tee "$OUT/summary.md"
import json, sys
out, n, warmup, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]

def pct(xs, p):  # linear interpolation between closest ranks (numpy default)
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)

print("N=%d measured cycles after %d warm-up; times in ms per cycle" % (n, warmup))
print()
print("| baseline | median | p10 | p90 | mean | max | run wall s | idle after ms | freed after ms | probes | (wall+freed)/(N+warm-up) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for run in runs:
    name = run.split("|", 1)[0]
    xs = json.load(open("%s/%s.json" % (out, name)))["cycles_ms"]
    if not xs:
        continue
    wall = json.load(open("%s/%s.wall.json" % (out, name)))["wall_ms"] / 1000.0
    d = json.load(open("%s/%s.drain.json" % (out, name)))
    drain = "%.0f%s" % (d["elapsed_ms"], " (timeout)" if d["timed_out"] else "")
    eff = (wall * 1000 + d["elapsed_ms"]) / (n + warmup) if n + warmup else 0
    print("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %s | %d | %.2f |" % (
        name, pct(xs, 50), pct(xs, 10), pct(xs, 90), sum(xs) / len(xs), max(xs),
        wall, d["first_idle_ms"], drain, d["probes"], eff))
EOF
