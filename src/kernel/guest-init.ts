// The two scripts the guest runs. Stage 1 is /init in the initramfs (static busybox): it loads
// the virtio and 9p drivers, mounts the host's root read-only with tmpfs where programs write
// and over the modprobe configuration, and switch_roots into it, so that the kernel's module
// autoload finds the host's modprobe and modules, but not its module options.
// Stage 2 runs from the host's root with its /bin/sh: it runs the command and leaves its exit
// status in the writable share before rebooting (QEMU runs with -no-reboot, so that ends it).

/** Lines the host watches for on the console. */
export const MARK = {
  stage1: 'nslab-guest: stage 1',
  running: 'nslab-guest: running',
  failed: 'nslab-guest: FAILED:',
  done: 'nslab-guest: exit status',
} as const;

/** 9p mount tags of the shares: the host's root, the results, the working directory. */
export const TAGS = { root: 'nslabroot', out: 'nslabout', cwd: 'nslabcwd' } as const;

/** Where the writable share appears in the guest. */
export const GUEST_OUT = '/run/nslab-out';

export function stage1Script(): string {
  return `#!/bin/busybox sh
/bin/busybox mkdir -p /bin /proc /sys /dev /newroot
/bin/busybox --install -s /bin
export PATH=/bin
fail() {
  echo "${MARK.failed} $*"
  # -no-reboot turns the reboot into QEMU's exit.
  echo b > /proc/sysrq-trigger
  sleep 60
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "${MARK.stage1} $(cut -d' ' -f1 /proc/uptime)"
for m in $(cat /modules/order); do
  insmod "/modules/$m" || fail "insmod $m"
done
# cache=loose: the root is read-only and nothing else changes it during a run; the stricter
# cache modes make Node about ten times slower.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 ${TAGS.root} /newroot || fail "cannot mount the host's root over 9p"
for d in tmp run var/tmp; do
  [ -d "/newroot/$d" ] && { mount -t tmpfs -o mode=1777 tmpfs "/newroot/$d" || fail "tmpfs on /$d"; }
done
# The host's modprobe options stay out: a minimal root has none, and systemd's numdummies=0 and
# the like would hide a module that creates devices in the initial namespace as it loads.
for d in etc/modprobe.d lib/modprobe.d usr/lib/modprobe.d usr/local/lib/modprobe.d; do
  [ -d "/newroot/$d" ] && { mount -t tmpfs -o mode=0755 tmpfs "/newroot/$d" || fail "tmpfs on /$d"; }
done
mkdir -p /newroot${GUEST_OUT}
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 ${TAGS.out} /newroot${GUEST_OUT} || fail "cannot mount the result share"
# Nodes of modules that load on first open (tun's /dev/net/tun): devtmpfs shows them only once
# their module is loaded, which it would never be without the node. Done here, with busybox
# from memory, because each program run from the 9p root costs noticeably under TCG.
devname=/newroot/lib/modules/$(uname -r)/modules.devname
if [ -r "$devname" ]; then
  while read -r mod node spec; do
    case "$mod" in ''|'#'*) continue ;; esac
    type=\${spec%%[0-9]*}
    nums=\${spec#?}
    mkdir -p "/dev/\${node%/*}"
    [ -e "/dev/$node" ] || mknod "/dev/$node" "$type" "\${nums%%:*}" "\${nums#*:}"
  done < "$devname"
fi
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
echo "${MARK.stage1} done $(cut -d' ' -f1 /proc/uptime)"
for d in proc sys dev; do mount --move "/$d" "/newroot/$d" || fail "move /$d"; done
exec switch_root /newroot /bin/sh ${GUEST_OUT}/stage2.sh
fail "switch_root"
`;
}

const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export interface Stage2Options {
  command: readonly string[];
  cwd: string;
  env: Record<string, string>;
}

export function stage2Script({ command, cwd, env }: Stage2Options): string {
  const exports = Object.entries(env)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join('\n');
  return `#!/bin/sh
out=${GUEST_OUT}
${exports}
# A working directory under /tmp, /run or /var/tmp is hidden by the guest's tmpfs there: mount
# its own share in its place.
[ -d ${shellQuote(cwd)} ] || { mkdir -p ${shellQuote(cwd)} && mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 ${TAGS.cwd} ${shellQuote(cwd)}; } ||
  echo "nslab-guest: cannot mount the working directory's share on ${cwd}"
# The working directory gets a throwaway writable layer: tools write next to the project
# (Vite bundles the config into node_modules/.vite-temp), and the host's copy stays untouched.
mkdir -p /run/nslab-rw/upper /run/nslab-rw/work "$HOME"
mount -t overlay overlay -o lowerdir=${shellQuote(cwd)},upperdir=/run/nslab-rw/upper,workdir=/run/nslab-rw/work ${shellQuote(cwd)} ||
  echo "nslab-guest: no writable layer on ${cwd}: it stays read-only"
cd ${shellQuote(cwd)} || { echo "${MARK.failed} cannot enter ${cwd}"; echo b > /proc/sysrq-trigger; }
echo "${MARK.running} $(cut -d' ' -f1 /proc/uptime)"
${command.map(shellQuote).join(' ')} </dev/null
status=$?
echo "$status" > "$out/status"
echo "${MARK.done} $status $(cut -d' ' -f1 /proc/uptime)"
sync
echo b > /proc/sysrq-trigger
`;
}
