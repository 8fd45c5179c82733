#!/usr/bin/env bash
# tcpdump: the oracle of the capture tests (test/integration/capture.test.ts, test/assert/capture.test.ts),
# reading the pcap files nslab writes (tcpdump -r) and capturing the same traffic in a namespace.
case "$1" in
  need)
    command -v tcpdump >/dev/null 2>&1 || echo tcpdump
    ;;
  start) ;;
esac
