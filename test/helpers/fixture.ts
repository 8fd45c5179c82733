// Child node processes running the scripts in test/integration/fixtures/, for what a test cannot
// do to itself: be SIGKILLed, run without privileges, or leave a child unreaped.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../integration/fixtures/${name}`, import.meta.url));

export interface Started<T> {
  child: ChildProcess;
  /** The first line the fixture prints, parsed as JSON. */
  report: T;
  /** Resolves once the child has exited (and been reaped). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a fixture (optionally under a wrapper such as setpriv) and resolves with its first line
 * of output, which every fixture prints as JSON once it is set up. The child keeps running.
 */
export async function startFixture<T>(
  name: string,
  args: string[] = [],
  options: { wrapper?: string[]; timeoutMs?: number } = {},
): Promise<Started<T>> {
  const [file, ...pre] = [...(options.wrapper ?? []), NODE];
  const child = spawn(file!, [...pre, fixture(name), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const timeoutMs = options.timeoutMs ?? 20_000;
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`fixture ${name} printed nothing within ${timeoutMs} ms; stderr: ${stderr}`)),
        timeoutMs,
      );
      lines.once('line', (l) => {
        clearTimeout(timer);
        resolve(l);
      });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          new Error(`fixture ${name} exited (code ${code}, signal ${signal}) before reporting; stderr: ${stderr}`),
        );
      });
    });
    return { child, report: JSON.parse(line) as T, exited };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}
