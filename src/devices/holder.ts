// A tap holder: a separate process that keeps a tun/tap descriptor open on its fd 3, the way a
// VM's QEMU does, until this process tells it to close the descriptor or to exit, or kills it.
// It is a shell, not a Node process: a holder is started per held tap, and a shell starts in
// milliseconds where Node took a tenth of a second here and seconds on an emulated CPU.
// It dies with this process: setpriv's parent-death signal covers a SIGKILL, and a closed
// stdin any other way this process goes.
// Protocol on stdin/stdout, one word a line: it prints "ready"; "close" -> "closed"; "exit".
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { NslabError } from '../errors.ts';
import type { TunFile } from './tun-file.ts';

/** The name holders run under ($0 of their shell), which ps shows beside the tap's label. */
export const HOLDER_NAME = 'nslab-tap-holder';

const SCRIPT = [
  // The parent may have died before setpriv set the signal; then nobody would send it.
  '[ "$PPID" = "$1" ] || exit 1',
  'echo ready',
  'while read -r line; do',
  '  case $line in',
  '    close) exec 3<&-; echo closed ;;',
  '    exit) exit 0 ;;',
  '  esac',
  'done',
].join('\n');

/**
 * How long a holder may take to start: milliseconds here, but seconds on an emulated CPU under
 * load (the kernel runner's TCG guests raise it through NSLAB_HOLDER_START_MS).
 */
const START_TIMEOUT_MS = (() => {
  const text = process.env.NSLAB_HOLDER_START_MS;
  return text && /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : 15_000;
})();

/** How a holder process ended, as Node's 'exit' event reports it. */
export interface HolderExit {
  /** The exit status, or null when a signal ended the process. */
  code: number | null;
  /** The signal that ended the process, or null when it exited by itself. */
  signal: NodeJS.Signals | null;
}

/** A separate process holding a tap's descriptor, so that the carrier can outlive or lose its owner on cue. */
export class TapHolder {
  /** The holder process's PID. */
  readonly pid: number;
  /** Resolves when the process has ended, however it ended. */
  readonly exited: Promise<HolderExit>;
  private readonly child: ChildProcess;
  private readonly lines: Interface;
  /** Who waits for each answer, oldest first: the holder answers each request in order. */
  private readonly waiting = new Map<string, Array<() => void>>();
  private ended = false;

  private constructor(child: ChildProcess) {
    this.child = child;
    this.pid = child.pid!;
    this.lines = createInterface({ input: child.stdout! });
    this.lines.on('line', (line) => this.waiting.get(line)?.shift()?.());
    // A holder that has just died makes the next write fail with EPIPE; unheard, that error
    // would crash this process. The caller learns of the death through exited instead.
    child.stdin!.on('error', () => undefined);
    child.on('error', () => undefined);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.ended = true;
        resolve({ code, signal });
      }),
    );
  }

  /** Starts a holder with a copy of file's descriptor; the caller closes its own copy. */
  static async start(file: TunFile, label: string): Promise<TapHolder> {
    const child = spawn(
      'setpriv',
      ['--pdeathsig', 'KILL', '--', 'sh', '-c', SCRIPT, HOLDER_NAME, String(process.pid), label],
      { stdio: ['pipe', 'pipe', 'inherit', file.fd] },
    );
    const holder = new TapHolder(child);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new NslabError(
                `tap holder for ${label} did not start within ${START_TIMEOUT_MS} ms; on a slow or emulated machine, raise NSLAB_HOLDER_START_MS`,
              ),
            ),
          START_TIMEOUT_MS,
        );
        child.once('error', reject);
        holder
          .reply('ready')
          .then(resolve, reject)
          .finally(() => clearTimeout(timer));
      });
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return holder;
  }

  /** Resolves when the holder prints expected; rejects if it ends first. */
  private reply(expected: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(expected) ?? [];
      queue.push(resolve);
      this.waiting.set(expected, queue);
      void this.exited.then(() =>
        reject(new NslabError(`tap holder ${this.pid} ended before answering "${expected}"`)),
      );
    });
  }

  /** False once the process has ended, however it ended. */
  get alive(): boolean {
    return !this.ended;
  }

  /** Tells the holder to close its descriptor and waits until it has. The process stays. */
  async closeFd(): Promise<void> {
    const answered = this.reply('closed');
    this.child.stdin!.write('close\n');
    await answered;
  }

  /** Tells the holder to exit normally (its descriptors close as it exits). */
  async exit(): Promise<HolderExit> {
    if (this.ended) return this.exited;
    this.child.stdin!.write('exit\n');
    return this.exited;
  }

  /** Kills the holder with a signal (SIGKILL by default) and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<HolderExit> {
    if (!this.ended) this.child.kill(signal);
    return this.exited;
  }
}
