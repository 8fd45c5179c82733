// The two scripts the guest runs. Stage 1 is /init in the initramfs (static busybox): it loads
// the virtio and 9p drivers, mounts the host's root read-only with tmpfs where programs write
// and over the modprobe configuration, and switch_roots into it, so that the kernel's module
// autoload finds the host's modprobe and modules, but not its module options.
// Stage 2 runs from the host's root with its /bin/sh: it runs the command and leaves its exit
// status in the writable share before rebooting (QEMU runs with -no-reboot, so that ends it).

import { KernelRunnerError } from './errors.ts';

/** Lines the host watches for on the console. */
export const MARK = {
  stage1: 'nslab-guest: stage 1',
  running: 'nslab-guest: running',
  failed: 'nslab-guest: FAILED:',
  done: 'nslab-guest: exit status',
} as const;

/** 9p mount tags of the shares: the host's root, the results, the working directory. */
export const TAGS = { root: 'nslabroot', out: 'nslabout', cwd: 'nslabcwd' } as const;

/** Directories of the host's root that the guest covers with a tmpfs of its own. */
export const GUEST_TMPFS = ['tmp', 'run', 'var/tmp'] as const;

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
for d in ${GUEST_TMPFS.join(' ')}; do
  [ -d "/newroot/$d" ] && { mount -t tmpfs -o mode=1777 tmpfs "/newroot/$d" || fail "tmpfs on /$d"; }
done
# The host's modprobe options stay out: a minimal root has none, and systemd's numdummies=0 and
# the like would hide a module that creates devices in the initial namespace as it loads.
for d in etc/modprobe.d lib/modprobe.d usr/lib/modprobe.d usr/local/lib/modprobe.d; do
  [ -d "/newroot/$d" ] && { mount -t tmpfs -o mode=0755 tmpfs "/newroot/$d" || fail "tmpfs on /$d"; }
done
# A kernel unpacked outside /lib/modules (Debian's packages in nslab's store, a kernel given by
# path) has its modules found through a modprobe that is told where they are: the kernel's
# autoload and nslab's own loads both run the program /proc/sys/kernel/modprobe names. (A bind
# mount at /lib/modules/RELEASE would need that directory in the read-only root, which a minimal
# root does not have.)
mods=$(sed -n 's/.*nslab\\.modules=\\([^ ]*\\).*/\\1/p' /proc/cmdline)
moddir=/newroot/lib/modules/$(uname -r)
if [ -n "$mods" ]; then
  moddir="/newroot$mods"
  printf '#!/bin/sh\nexec %s -d %s "$@"\n' "$(cat /proc/sys/kernel/modprobe)" "\${mods%/lib/modules/*}" > /newroot/run/nslab-modprobe &&
    chmod 755 /newroot/run/nslab-modprobe && echo /run/nslab-modprobe > /proc/sys/kernel/modprobe ||
    fail "cannot point the kernel's modprobe at the modules in $mods"
fi
mkdir -p /newroot${GUEST_OUT}
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 ${TAGS.out} /newroot${GUEST_OUT} || fail "cannot mount the result share"
# Nodes of modules that load on first open (tun's /dev/net/tun): devtmpfs shows them only once
# their module is loaded, which it would never be without the node. Done here, with busybox
# from memory, because each program run from the 9p root costs noticeably under TCG.
devname=$moddir/modules.devname
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

/** What a POSIX shell accepts as a variable name: anything else in `export` would be run as shell text. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Stage2Options {
  command: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** Directories outside cwd that also get a writable layer (where cwd/node_modules really is). */
  writable?: readonly string[];
}

/** The guest's second stage; throws KernelRunnerError for an environment key that is no variable name. */
export function stage2Script({ command, cwd, env, writable = [] }: Stage2Options): string {
  const bad = Object.keys(env).find((k) => !ENV_NAME.test(k));
  if (bad !== undefined) {
    throw new KernelRunnerError(
      `cannot pass ${JSON.stringify(bad)} to the guest: an environment variable name is letters, digits and _, not starting with a digit`,
    );
  }
  const exports = Object.entries(env)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join('\n');
  // Paths go in once, single-quoted, and are used as "$cwd" and "$dir" after that: a path is data
  // to the shell however it is spelled, and mount options never carry one.
  return `#!/bin/sh
out=${GUEST_OUT}
${exports}
cwd=${shellQuote(cwd)}
# A working directory under /tmp, /run or /var/tmp is hidden by the guest's tmpfs there: mount
# its own share in its place.
[ -d "$cwd" ] || { mkdir -p "$cwd" && mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 ${TAGS.cwd} "$cwd"; } ||
  echo "nslab-guest: cannot mount the working directory's share on $cwd"
# The working directory gets a throwaway writable layer: tools write next to the project
# (Vite bundles the config into node_modules/.vite-temp), and the host's copy stays untouched.
# The layer's lower directory is a bind mount at a fixed path, so that overlay's options (split
# at commas and colons) never hold the path.
n=0
for dir in "$cwd"${writable.map((d) => ` ${shellQuote(d)}`).join('')}; do
  n=$((n + 1))
  rw=/run/nslab-rw/$n
  { mkdir -p $rw/lower $rw/upper $rw/work && mount --bind "$dir" $rw/lower &&
    mount -t overlay overlay -o lowerdir=$rw/lower,upperdir=$rw/upper,workdir=$rw/work "$dir"; } ||
    echo "nslab-guest: no writable layer on $dir: it stays read-only"
done
mkdir -p "$HOME"
cd "$cwd" || { echo "${MARK.failed} cannot enter $cwd"; echo b > /proc/sysrq-trigger; }
echo "${MARK.running} $(cut -d' ' -f1 /proc/uptime)"
${command.map(shellQuote).join(' ')} </dev/null
status=$?
echo "$status" > "$out/status"
echo "${MARK.done} $status $(cut -d' ' -f1 /proc/uptime)"
sync
echo b > /proc/sysrq-trigger
`;
}
