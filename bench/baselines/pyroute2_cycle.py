#!/usr/bin/python3
"""Baseline (c): one Python process doing N fixture cycles with pyroute2.

usage: /usr/bin/python3 pyroute2_cycle.py N [WARMUP] [--mode netns|pushns]
stdout: {"name":"pyroute2-<mode>","cycles_ms":[...]}   (one line)
stderr: the br0 state read in the last cycle (sanity check)

Needs Debian's python3-pyroute2 (0.7.2 on bookworm); run it with
/usr/bin/python3 (a pyenv `python3` on PATH does not see it).

--mode netns (default, the idiomatic pyroute2 way):
    netns.create(NAME)      forks a helper that unshares + bind-mounts
                            /run/netns/NAME
    NetNS(NAME)             forks a proxy process living in NAME; every
                            request is marshalled to it over pipes
    ... link add/set/get ... (tuntap: the proxy opens /dev/net/tun itself)
    NetNS.close(); netns.remove(NAME)   (umount + unlink)
--mode pushns (no proxy process):
    netns.create(NAME); netns.pushns(NAME) (setns of this process);
    IPRoute() + all steps while inside; popns(); netns.remove(NAME).
    All steps run while switched in, because pyroute2 creates tuntap devices
    by opening /dev/net/tun in the *calling* process: doing that after
    popns() would create tap0 in the original namespace.

Every namespace is created under /run/netns/nslab-bl-py-<pid>-<i> and removed
in a finally block (also on SIGTERM/SIGINT).
"""
import json
import os
import signal
import sys
import time

from pyroute2 import IPRoute, NetNS, netns

MAC = "52:54:00:00:00:01"
PREFIX = "nslab-bl-py-%d" % os.getpid()


def setup_and_read(ipr):
    """Steps 2-6 on an IPRoute-like object bound to the new namespace."""
    ipr.link("add", ifname="br0", kind="bridge")
    ipr.link("add", ifname="tap0", kind="tuntap", mode="tap", ifr={"no_pi": True})
    tap = ipr.link_lookup(ifname="tap0")[0]
    br = ipr.link_lookup(ifname="br0")[0]
    ipr.link("set", index=tap, address=MAC)
    ipr.link("set", index=tap, master=br)
    ipr.link("set", index=br, state="up")
    ipr.link("set", index=tap, state="up")
    (msg,) = ipr.link("get", index=br)
    bid = msg.get_attr("IFLA_LINKINFO").get_attr("IFLA_INFO_DATA").get_attr("IFLA_BR_BRIDGE_ID")
    state = {
        "ifindex": msg["index"],
        "flags": msg["flags"],
        "operstate": msg.get_attr("IFLA_OPERSTATE"),
        "carrier": msg.get_attr("IFLA_CARRIER"),
        "bridge_id": bid,
    }
    # 0x1 = IFF_UP; bridge id MAC is inherited from tap0
    if not (state["flags"] & 0x1) or bid is None or bid.get("addr") != MAC:
        raise RuntimeError("unexpected br0 state: %r" % (state,))
    return state


def remove(name):
    try:
        netns.remove(name)
    except FileNotFoundError:  # create() failed before making the mountpoint
        pass


def cycle_netns(name):
    try:
        netns.create(name)
        ns = NetNS(name, flags=0)
        try:
            return setup_and_read(ns)
        finally:
            ns.close()
    finally:
        remove(name)


def cycle_pushns(name):
    try:
        netns.create(name)
        netns.pushns(name)
        try:
            ipr = IPRoute()
            try:
                return setup_and_read(ipr)
            finally:
                ipr.close()
        finally:
            netns.popns()
    finally:
        remove(name)


MAIN_PID = os.getpid()
STOP = []


def on_signal(signum, _frame):
    """SIGTERM/SIGINT: finish the current cycle (incl. netns removal), then exit.

    No exception is raised from here: pyroute2 is not safe against
    asynchronous exceptions (a SystemExit landing inside its tuntap helper
    leaves a non-daemon monitor thread -- bound to the new netns -- that the
    interpreter then waits for forever; NetNS.close() swallows it with a bare
    except). pyroute2's forked helpers (netns.create, the NetNS proxy)
    inherit this handler and so ignore the process-group signal and finish
    their part. A second signal to the main process exits at once.
    """
    if os.getpid() != MAIN_PID:
        return
    if STOP:
        raise SystemExit(128 + signum)
    STOP.append(signum)


def main(argv):
    args = [a for a in argv[1:]]
    mode = "netns"
    if "--mode" in args:
        i = args.index("--mode")
        if i + 1 >= len(args) or args[i + 1] not in ("netns", "pushns"):
            return usage()
        mode = args[i + 1]
        del args[i : i + 2]
    if not 1 <= len(args) <= 2 or not all(a.isdigit() for a in args):
        return usage()
    n = int(args[0])
    warmup = int(args[1]) if len(args) > 1 else 0
    cycle = cycle_netns if mode == "netns" else cycle_pushns

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    origin = os.stat("/proc/self/ns/net").st_ino
    state = None
    seen = {}
    times = []
    for i in range(warmup + n):
        t0 = time.perf_counter()
        state = cycle("%s-%d" % (PREFIX, i))
        dt = (time.perf_counter() - t0) * 1000.0
        if i >= warmup:
            times.append(round(dt, 3))
        key = "%s/carrier=%s" % (state["operstate"], state["carrier"])
        seen[key] = seen.get(key, 0) + 1
        if os.stat("/proc/self/ns/net").st_ino != origin:
            raise RuntimeError("left in the wrong network namespace")
        if STOP:
            print("pyroute2_cycle: stopped by signal %d after %d cycles" % (STOP[0], i + 1), file=sys.stderr)
            return 128 + STOP[0]

    if state is not None:
        print("pyroute2_cycle[%s]: last br0 read: %r; (operstate/carrier) over %d cycles: %r"
              % (mode, state, warmup + n, seen), file=sys.stderr)
    print(json.dumps({"name": "pyroute2-" + mode, "cycles_ms": times}, separators=(",", ":")))
    return 0


def usage():
    print("usage: /usr/bin/python3 pyroute2_cycle.py N [WARMUP] [--mode netns|pushns]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
