#!/usr/bin/env bash
# The kernel runner (src/kernel/) boots Debian's kernel under QEMU with this machine's root
# shared read-only, so everything the guest runs comes from here:
# qemu-system-x86: the emulator; linux-image-amd64: the default guest kernel (6.1, with dummy
# and the other device kinds as modules under /lib/modules); busybox-static: the initramfs's
# only program; kmod: modprobe, which the guest's kernel calls to autoload modules; xz-utils:
# unpacks the xz-compressed vmlinux inside the bzImage. vagrant: `vagrant validate` of the
# Vagrantfile in the tests.
# A package the distribution does not have (linux-image-amd64 and vagrant on Ubuntu) is left
# out: the tests that need it skip and say why.
# Without package lists yet (a fresh container), everything is wanted: setup.sh updates them.
known() { ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt-cache show -q "$1" >/dev/null 2>&1; }
want() { known "$1" && echo "$1"; }
case "$1" in
  need)
    command -v qemu-system-x86_64 >/dev/null 2>&1 || want qemu-system-x86
    compgen -G '/boot/vmlinuz-6.1.*-amd64' >/dev/null || want linux-image-amd64
    # The initramfs needs the static build (no libc there), not Debian's dynamic busybox.
    dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || want busybox-static
    command -v modprobe >/dev/null 2>&1 || want kmod
    command -v xz >/dev/null 2>&1 || want xz-utils
    command -v vagrant >/dev/null 2>&1 || want vagrant
    ;;
  start) ;;
esac
