#!/usr/bin/python3
"""Baseline of the routes bench (bench/routes.ts) with pyroute2, the way its docs add routes.

usage: /usr/bin/python3 pyroute2_routes.py ROUTES_FILE LOOKUPS_FILE
stdout: {"name":"pyroute2","add_ms":..,"dump_ms":..,"dump_routes":..,"lookup_us":[...]}

netns.create(NAME) + pushns(NAME) + a plain IPRoute inside (no proxy process, the faster of
the two ways bench/baselines/pyroute2_cycle.py measures); veth v0/v1 up, 192.0.2.1/24 on v0,
the rule `pref 100 lookup 1000`. Then timed: ipr.route("add", ...) per line of ROUTES_FILE
("DST TABLE", via 192.0.2.254 dev v0; each waits for its ack), ipr.get_routes(family=AF_INET)
(the dump, every table), ipr.route("get", dst=...) per line of LOOKUPS_FILE. The namespace is
/run/netns/nslab-bl-py-<pid>-routes, removed in a finally block (also on SIGTERM/SIGINT).
"""
import json
import os
import signal
import sys
import time
from socket import AF_INET

from pyroute2 import IPRoute, netns

GATEWAY = "192.0.2.254"
NAME = "nslab-bl-py-%d-routes" % os.getpid()
STOP = []


def on_signal(signum, _frame):
    """Checked between steps: pyroute2 is not safe against exceptions raised inside its calls."""
    STOP.append(signum)


def check_stop():
    if STOP:
        raise SystemExit(128 + STOP[0])


def bench(ipr, routes, lookups):
    ipr.link("add", ifname="v0", kind="veth", peer="v1")
    v0 = ipr.link_lookup(ifname="v0")[0]
    v1 = ipr.link_lookup(ifname="v1")[0]
    ipr.link("set", index=v0, state="up")
    ipr.link("set", index=v1, state="up")
    ipr.addr("add", index=v0, address="192.0.2.1", prefixlen=24)
    ipr.rule("add", table=1000, priority=100)

    t0 = time.perf_counter()
    for dst, table in routes:
        ipr.route("add", dst=dst, gateway=GATEWAY, oif=v0, table=table)
        check_stop()
    add_ms = (time.perf_counter() - t0) * 1000.0

    t0 = time.perf_counter()
    dump = ipr.get_routes(family=AF_INET)
    dump_ms = (time.perf_counter() - t0) * 1000.0
    dump_routes = sum(1 for r in dump if r.get_attr("RTA_TABLE") >= 1000)
    check_stop()

    lookup_us = []
    for dst in lookups:
        t0 = time.perf_counter()
        (found,) = ipr.route("get", dst=dst)
        lookup_us.append(round((time.perf_counter() - t0) * 1e6, 1))
        if found.get_attr("RTA_GATEWAY") != GATEWAY:
            raise RuntimeError("%s looked up as %r" % (dst, found))
        check_stop()
    return {"name": "pyroute2", "add_ms": add_ms, "dump_ms": dump_ms, "dump_routes": dump_routes,
            "lookup_us": lookup_us}


def main(argv):
    if len(argv) != 3:
        print("usage: /usr/bin/python3 pyroute2_routes.py ROUTES_FILE LOOKUPS_FILE", file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        routes = [(dst, int(table)) for dst, table in (line.split() for line in f)]
    with open(argv[2]) as f:
        lookups = [line.strip() for line in f]
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        netns.create(NAME)
        netns.pushns(NAME)
        try:
            ipr = IPRoute()
            try:
                result = bench(ipr, routes, lookups)
            finally:
                ipr.close()
        finally:
            netns.popns()
    finally:
        try:
            netns.remove(NAME)
        except FileNotFoundError:  # create() failed before making the mountpoint
            pass
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
