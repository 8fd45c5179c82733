#!/usr/bin/env bash
# iproute2: `ip -json`, the independent oracle the tests check nslab against.
# util-linux: setpriv, which ties programs run in a namespace to our lifetime.
case "$1" in
  need)
    command -v ip >/dev/null 2>&1 || echo iproute2
    command -v setpriv >/dev/null 2>&1 || echo util-linux
    ;;
  start) ;;
esac
