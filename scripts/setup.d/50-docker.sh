#!/usr/bin/env bash
# The container tests and the E1 suite: Debian's Docker engine (docker.io), the real dnsmasq
# (dnsmasq-base) and a static busybox (busybox-static) that the offline images are built from.
#
# `start` runs dockerd when nothing answers on its socket, configured not to touch the host's
# network: no docker0 bridge, no iptables/ip6tables rules, no ip_forward or masquerading (the
# tests check the host's links, addresses and routes before and after the run, and containers
# run with --network none; nslab plugs them into its own namespaces). It never fails the
# setup: where dockerd cannot run (inside an unprivileged container, say) it says why and the
# container tests skip with that reason.
sock=${NSLAB_DOCKER_SOCKET:-/var/run/docker.sock}
log=${NSLAB_DOCKERD_LOG:-/var/log/nslab-dockerd.log}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

answers() {
  # `docker version` needs the daemon, not just the socket file: a stale socket says nothing.
  [ -S "$sock" ] && timeout 5 docker -H "unix://$sock" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

case "$1" in
  need)
    command -v dockerd >/dev/null 2>&1 || echo docker.io
    command -v dnsmasq >/dev/null 2>&1 || echo dnsmasq-base
    installed busybox-static || echo busybox-static
    ;;
  start)
    # Somebody else's engine (DOCKER_HOST elsewhere, or already running): leave it alone.
    if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "unix://$sock" ]; then exit 0; fi
    answers && exit 0
    if ! command -v dockerd >/dev/null 2>&1; then
      echo "nslab setup: dockerd is not installed; the container tests will skip" >&2
      exit 0
    fi
    if [ "$(id -u)" != 0 ]; then
      echo "nslab setup: dockerd is not running and only root can start it; the container tests will skip" >&2
      exit 0
    fi
    # Detached from this script (and from npm), so the engine outlives the setup step.
    setsid dockerd --host "unix://$sock" --bridge=none --iptables=false --ip6tables=false \
      --ip-forward=false --ip-masq=false --userland-proxy=false \
      </dev/null >>"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do # 30 s at most
      answers && exit 0
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "nslab setup: dockerd exited at start (see $log: $(tail -n 1 "$log")); the container tests will skip" >&2
        exit 0
      fi
      sleep 0.1
    done
    echo "nslab setup: dockerd did not answer on $sock within 30 s (see $log); the container tests will skip" >&2
    ;;
esac
exit 0
