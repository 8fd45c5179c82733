// What a program run inside a namespace starts must not outlive this process either: a forked
// child keeps the namespace alive. PR_SET_PDEATHSIG (setpriv) reaches only the program itself
// (and a program that drops privileges, as dnsmasq does, loses it), so each program leads a
// process group of its own (its children inherit it), and one reaper per nslab process kills
// every group still registered when this process goes, however it goes: the reaper is a shell
// in a session of its own (so a kill of our process group spares it) reading "+ ID" and "- ID"
// lines on a pipe, and the pipe's end (EOF) means we are gone.
// A group is killed and unregistered as soon as its leader exits: while any member lives the
// kernel cannot hand the number to another group, so the reaper never kills a stranger.
// What left its group (setsid: any daemon) is out of a group kill's reach, so the namespaces
// this process created and ran programs in are registered too ("n" and the namespace's inode),
// and the reaper kills every process still in one of them. A namespace is registered only while
// this process holds it open, so its inode is not another namespace's; after our death it may
// be freed and the number reused, which is why only processes that started before the reaper
// saw EOF are killed.
// This process keeps the list too, so a reaper that is killed is replaced at once by one that
// knows every live group and namespace.
import { type ChildProcess, spawn } from 'node:child_process';
import { homeNetns, withNetns } from './switch.ts';

// dash's kill takes a negative pid (a group) after a numeric signal only.
const KILL_GROUPS = 'for g in $groups; do case $g in n*) ;; *) kill -9 "-$g" 2>/dev/null ;; esac; done';
// Then every process in a registered namespace, in passes until one finds none (what a killed
// daemon forked in between is in the next pass; its fork bomb is bounded by the pass count).
// Field 22 of /proc/PID/stat is the start time; the command name before it may hold spaces.
const KILL_NAMESPACES = [
  'now=$(cut -d" " -f22 /proc/self/stat)',
  'for pass in 1 2 3 4 5 6 7 8 9 10; do',
  '  found=',
  '  for g in $groups; do',
  '    case $g in n*) ;; *) continue ;; esac',
  '    for f in $(find /proc/[0-9]*/ns/net -maxdepth 0 -lname "net:\\[${g#n}\\]" 2>/dev/null); do',
  '      p=${f#/proc/}; p=${p%%/*}',
  '      s=$(cat "/proc/$p/stat" 2>/dev/null) || continue',
  '      set -- ${s##*) }',
  '      [ "${20}" -le "$now" ] && kill -9 "$p" 2>/dev/null && found=1',
  '    done',
  '  done',
  '  [ -n "$found" ] || break',
  'done',
].join('\n');

/** The reaper's shell script: it keeps the list of groups and namespaces, then runs finalStep on $groups (tests swap the kills for an echo). */
export function reaperScript(finalStep = `${KILL_GROUPS}\n${KILL_NAMESPACES}`): string {
  return [
    // The groups and namespaces this reaper is started with (the live ones, when it replaces a dead one).
    'groups=" $* "',
    'while read -r op g; do',
    '  case $op in',
    '    +) groups="$groups$g " ;;',
    // Only a listed group is cut out: for any other, both halves would be the whole list.
    '    -) case $groups in *" $g "*) groups="${groups%% $g *} ${groups#* $g }" ;; esac ;;',
    '  esac',
    'done',
    finalStep,
  ].join('\n');
}

const SCRIPT = reaperScript();

let reaper: ChildProcess | undefined;
/** The groups ("123") and namespaces ("n4026532") registered and not yet ended: what a new reaper must be told when one dies. */
const live = new Set<string>();

function startReaper(): ChildProcess {
  // The live groups and namespaces go in its arguments, so it knows them as soon as it runs, even if this process dies right after.
  const args = ['-c', SCRIPT, 'nslab-reaper', ...live];
  // A child starts in the namespace of the thread that forks it, and exec() may be called inside
  // another namespace's switch: born there, the reaper would hold that namespace until we exit.
  const started = withNetns(homeNetns(), () =>
    spawn('sh', args, { detached: true, stdio: ['pipe', 'ignore', 'ignore'] }),
  );
  // Neither the reaper nor its pipe may keep this process's event loop alive.
  started.unref();
  started.stdin!.on('error', () => undefined);
  (started.stdin as unknown as { unref(): void }).unref();
  // Unheard, a failed spawn (EAGAIN, no sh) would crash this process; the next tell() tries again.
  started.on('error', () => undefined);
  started.once('exit', () => {
    if (reaper === started) reaper = undefined;
    // Only our own death closes the reaper's pipe, so a reaper that had started and exits was
    // killed: its groups are unprotected until a new one knows them.
    if (started.pid !== undefined && live.size) tell();
  });
  return started;
}

/** Sends line (if any) to the reaper, starting one that knows every live group if there is none. */
function tell(line?: string): void {
  if (!reaper || reaper.exitCode !== null || reaper.signalCode !== null) {
    reaper = startReaper();
    // The new reaper starts with every live group, the one this line is about included.
    return;
  }
  if (line) reaper.stdin!.write(`${line}\n`);
}

/** Kills every process of the group led by pid (a program and what it forked), now. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is empty already.
  }
}

/**
 * Puts the process group that child leads (spawned with `detached: true`) in the reaper's care
 * until the child exits; then kills what is left of the group. Returns a function that kills
 * the whole group at once.
 */
export function reapGroup(child: ChildProcess): () => void {
  const pid = child.pid;
  if (pid === undefined) return () => undefined;
  const release = register(String(pid));
  child.once('exit', () => {
    killGroup(pid);
    release();
  });
  return () => killGroup(pid);
}

/**
 * Puts every process in the namespace whose inode this is in the reaper's care, until the
 * returned function is called: that must happen before this process lets go of the namespace
 * (see the note at the top on reused inodes).
 */
export function reapNamespace(inode: number): () => void {
  return register(`n${inode}`);
}

function register(id: string): () => void {
  live.add(id);
  tell(`+ ${id}`);
  return () => {
    if (!live.delete(id)) return;
    tell(`- ${id}`);
  };
}
