#!/usr/bin/env bash
# Installs the Debian packages the tests and the claims run use, when they are missing:
# iproute2 (`ip -json`, the independent oracle the tests check nslab against) and
# util-linux (setpriv, which ties programs run in a namespace to our lifetime).
# Runs before `npm test` and `npm run claims`; quiet and quick when all is there.
set -euo pipefail
need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "nslab setup: missing ${need[*]}; install them (Debian/Ubuntu: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "nslab setup: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
