// What a program run inside a namespace starts must not outlive this process either: a forked
// child keeps the namespace alive. PR_SET_PDEATHSIG (setpriv) reaches only the program itself,
// so each program leads a process group of its own (its children inherit it), and one reaper
// per nslab process kills every group still registered when this process goes, however it
// goes: the reaper is a shell in a session of its own (so a kill of our process group spares
// it) reading "+PGID" and "-PGID" lines on a pipe, and the pipe's end (EOF) means we are gone.
// A group is killed and unregistered as soon as its leader exits: while any member lives the
// kernel cannot hand the number to another group, so the reaper never kills a stranger.
// This process keeps the list too, so a reaper that is killed is replaced at once by one that
// knows every live group.
import { type ChildProcess, spawn } from 'node:child_process';
import { homeNetns, withNetns } from './switch.ts';

// dash's kill takes a negative pid (a group) after a numeric signal only.
const KILL_GROUPS = 'for g in $groups; do kill -9 "-$g" 2>/dev/null; done';

/** The reaper's shell script: it keeps the list of groups, then runs finalStep on $groups (tests swap the kill for an echo). */
export function reaperScript(finalStep = KILL_GROUPS): string {
  return [
    // The groups this reaper is started with (the live ones, when it replaces a dead one).
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
/** The groups registered and not yet ended: what a new reaper must be told when one dies. */
const live = new Set<number>();

function startReaper(): ChildProcess {
  // The live groups go in its arguments, so it knows them as soon as it runs, even if this process dies right after.
  const args = ['-c', SCRIPT, 'nslab-reaper', ...[...live].map(String)];
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
  live.add(pid);
  tell(`+ ${pid}`);
  child.once('exit', () => {
    killGroup(pid);
    live.delete(pid);
    tell(`- ${pid}`);
  });
  return () => killGroup(pid);
}
