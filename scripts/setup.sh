#!/usr/bin/env bash
# Installs and starts what the tests and the claims run need from outside npm, when missing.
# Each part lives in scripts/setup.d/NN-name.sh and prints the Debian packages it needs on
# stdout (`need`) or starts a service (`start`); all missing packages are installed in one
# apt-get run. Runs before `npm test` and `npm run claims`; quiet and quick when all is there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
parts=("$here"/setup.d/*.sh)

need=()
for part in "${parts[@]}"; do
  while read -r pkg; do [ -n "$pkg" ] && need+=("$pkg"); done < <(bash "$part" need)
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "nslab setup: missing ${need[*]}; install them (Debian/Ubuntu: apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "nslab setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
for part in "${parts[@]}"; do bash "$part" start; done
