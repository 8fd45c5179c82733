# Shared by ip-steps.sh and ip-batch.sh (sourced, not run): arguments, the cleanup of the
# namespace a cycle has alive, the check of what a cycle read, and the timed loop.
#   NAME must be set before sourcing; the script then defines cycle() and calls run_cycles.
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: $0 N [WARMUP]" >&2; exit 2; }
[[ ${1:-} =~ ^[0-9]+$ ]] || usage
[[ ${2:-0} =~ ^[0-9]+$ ]] || usage
N=$1
WARMUP=${2:-0}

PREFIX="nslab-bl-${NAME#ip-}-$$"
cur=""   # namespace currently alive (to delete on failure)
out=""   # the last read of br0

cleanup() {
  if [[ -n $cur ]]; then
    ip netns del "$cur" 2>/dev/null || true
    cur=""
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Cheap sanity check of the read (bash builtins only, no fork).
check_br0() {
  if [[ $out != *'"bridge_id":"8000.52:54:0:0:0:1"'* || $out != *'"UP"'* ]]; then
    echo "$NAME: unexpected br0 state: $out" >&2
    return 1
  fi
}

# Runs WARMUP unmeasured cycles, then N timed ones, and prints the JSON line.
run_cycles() {
  local i t0 t1 dt ms
  for ((i = 0; i < WARMUP; i++)); do
    cycle "$PREFIX-w$i"
  done
  local times=()
  for ((i = 0; i < N; i++)); do
    t0=${EPOCHREALTIME/./}
    cycle "$PREFIX-$i"
    t1=${EPOCHREALTIME/./}
    dt=$((t1 - t0))   # microseconds
    printf -v ms '%d.%03d' $((dt / 1000)) $((dt % 1000))
    times+=("$ms")
  done
  echo "$NAME: last br0 read: $out" >&2
  (IFS=,; printf '{"name":"%s","cycles_ms":[%s]}\n' "$NAME" "${times[*]}")
}
