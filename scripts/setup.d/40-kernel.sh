#!/usr/bin/env bash
# The kernel runner (src/kernel/) boots Debian's kernel under QEMU with this machine's root
# shared read-only, so everything the guest runs comes from here:
# qemu-system-x86: the emulator; busybox-static: the initramfs's
# only program; kmod: modprobe, which the guest's kernel calls to autoload modules; xz-utils:
# unpacks the xz-compressed vmlinux inside the bzImage. vagrant: `vagrant validate` of the
# Vagrantfile in the tests.
# The guest kernels (Debian's 6.1 and 6.12, with dummy and the other device kinds as modules)
# are not installed: `start` unpacks their packages into nslab's store (src/kernel/debian.ts),
# so the host's /boot and /lib/modules stay as they were.
# A package the distribution does not have (vagrant on Ubuntu, Debian's kernels there) is left
# out: the tests that need it skip and say why.
# Without package lists yet (a fresh container), everything is wanted: setup.sh updates them.
known() { ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt-cache show -q "$1" >/dev/null 2>&1; }
want() { known "$1" && echo "$1"; }
case "$1" in
  need)
    command -v qemu-system-x86_64 >/dev/null 2>&1 || want qemu-system-x86
    # The initramfs needs the static build (no libc there), not Debian's dynamic busybox.
    dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || want busybox-static
    command -v modprobe >/dev/null 2>&1 || want kmod
    command -v xz >/dev/null 2>&1 || want xz-utils
    command -v vagrant >/dev/null 2>&1 || want vagrant
    ;;
  start)
    # Quick when they are there (two apt-cache lookups each). Without Debian's archive (Ubuntu) there
    # is nothing to unpack: the guest tests skip and say so.
    here=$(cd "$(dirname "$0")/../.." && pwd)
    node=node
    [ -x "$here/node_modules/.bin/node" ] && node="$here/node_modules/.bin/node"
    # A root whose package lists were cleaned (a slim image with everything else installed) gets
    # them read once: apt-get download needs them.
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
      apt-get update -qq >/dev/null || echo "nslab setup: apt-get update failed: the guest kernels cannot be fetched" >&2
    fi
    if command -v apt-get >/dev/null 2>&1 && apt-cache show -q linux-image-amd64 >/dev/null 2>&1; then
      "$node" "$here/src/kernel/cli.ts" fetch >/dev/null
    fi
    ;;
esac
