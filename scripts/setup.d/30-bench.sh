#!/usr/bin/env bash
# `npm run bench` (bench/): the baselines it measures nslab against need
# python3-pyroute2 (Debian's, run with /usr/bin/python3), and the C floor is built with
# make + a C compiler + libc headers (gcc, make, libc6-dev). iproute2 and util-linux come from 10-base.sh.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
case "$1" in
  need)
    if command -v dpkg-query >/dev/null 2>&1; then
      installed python3-pyroute2 || echo python3-pyroute2
    else
      /usr/bin/python3 -c 'import pyroute2' >/dev/null 2>&1 || echo python3-pyroute2
    fi
    command -v cc >/dev/null 2>&1 || echo gcc
    command -v make >/dev/null 2>&1 || echo make
    [ -e /usr/include/stdio.h ] || echo libc6-dev
    ;;
  start) ;;
esac
