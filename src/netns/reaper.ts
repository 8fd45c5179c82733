// What a program run inside a namespace starts must not outlive this process either: a forked
// child keeps the namespace alive. PR_SET_PDEATHSIG (setpriv) reaches only the program itself,
// so each program leads a process group of its own (its children inherit it), and one reaper
// per nslab process kills every group still registered when this process goes, however it
// goes: the reaper is a shell in a session of its own (so a kill of our process group spares
// it) reading "+PGID" and "-PGID" lines on a pipe, and the pipe's end (EOF) means we are gone.
// A group is killed and unregistered as soon as its leader exits: while any member lives the
// kernel cannot hand the number to another group, so the reaper never kills a stranger.
import { type ChildProcess, spawn } from 'node:child_process';

// dash's kill takes a negative pid (a group) after a numeric signal only.
const KILL_GROUPS = 'for g in $groups; do kill -9 "-$g" 2>/dev/null; done';

/** The reaper's shell script: it keeps the list of groups, then runs finalStep on $groups (tests swap the kill for an echo). */
export function reaperScript(finalStep = KILL_GROUPS): string {
  return [
    "groups=' '",
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

function tell(line: string): void {
  if (!reaper || reaper.exitCode !== null || reaper.signalCode !== null) {
    reaper = spawn('sh', ['-c', SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    // Neither the reaper nor its pipe may keep this process's event loop alive.
    reaper.unref();
    reaper.stdin!.on('error', () => undefined);
    (reaper.stdin as unknown as { unref(): void }).unref();
  }
  reaper.stdin!.write(`${line}\n`);
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
  tell(`+ ${pid}`);
  child.once('exit', () => {
    killGroup(pid);
    tell(`- ${pid}`);
  });
  return () => killGroup(pid);
}
