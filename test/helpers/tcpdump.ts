// tcpdump, the oracle of the capture tests: reading nslab's pcap files (tcpdump -r), and
// capturing the same traffic itself inside a namespace.
import { execFileSync } from 'node:child_process';
import type { Netns } from '../../src/index.ts';

/** The lines `tcpdump -r FILE -nn -e` prints, with epoch timestamps to the nanosecond. */
export function tcpdumpRead(path: string, extra: readonly string[] = []): string[] {
  const out = execFileSync('tcpdump', ['-r', path, '-nn', '-e', '-tt', '--time-stamp-precision=nano', ...extra], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out.split('\n').filter((l) => l !== '');
}

/** The epoch timestamp tcpdump -tt --time-stamp-precision=nano prints first, as nanoseconds. */
export const tcpdumpTime = (line: string): bigint => {
  const [sec, nsec] = line.split(' ')[0]!.split('.');
  return BigInt(sec!) * 1_000_000_000n + BigInt(nsec!);
};

/** Resolves once the program has printed text on stderr; rejects if it exits first. */
export function untilPrinted(child: ReturnType<Netns['exec']>, text: string, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolve();
    });
    child.then(
      (r) =>
        reject(
          new Error(
            `${what} exited (code ${r.exitCode}, signal ${r.signal ?? 'none'}) before printing "${text}"; stderr: ${seen || r.stderr || '(nothing)'}; stdout: ${r.stdout || '(nothing)'}`,
          ),
        ),
      reject,
    );
  });
}

/**
 * tcpdump inside ns, resolved once it says it is listening (its "listening on" line on stderr:
 * the socket is bound, so what follows is captured). It exits by itself after -c packets. Boxed:
 * the subprocess is a promise too, and returning it bare would await its exit.
 */
export async function tcpdumpIn(ns: Netns, args: readonly string[]): Promise<{ child: ReturnType<Netns['exec']> }> {
  const child = ns.exec('tcpdump', ['-nn', '-e', '-l', ...args], { reject: false, buffer: true });
  await untilPrinted(child, 'listening on', 'tcpdump');
  return { child };
}

/** A classic BPF program for a filter expression, compiled by tcpdump -dd for Ethernet (read from an empty pcap file of that link type). */
export function tcpdumpBpf(
  emptyPcap: string,
  expression: string,
): Array<{ code: number; jt: number; jf: number; k: number }> {
  const out = execFileSync('tcpdump', ['-r', emptyPcap, '-dd', expression], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return [...out.matchAll(/\{ (0x[0-9a-f]+), (\d+), (\d+), (0x[0-9a-f]+) \}/g)].map((m) => ({
    code: Number(m[1]),
    jt: Number(m[2]),
    jf: Number(m[3]),
    k: Number(m[4]),
  }));
}
