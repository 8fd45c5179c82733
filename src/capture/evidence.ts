// What a failed test's captures leave behind: each one written as a pcap file, and a few lines
// for the failure message with the path and the last packets, decoded. The files go to
// $NSLAB_EVIDENCE_DIR, or nslab-evidence/ in the system's temporary directory; their names say
// which test, process, namespace and device, so the files of parallel workers never collide.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetnsHandle } from '../handle/handle.ts';
import { capturesOf } from './capture.ts';

/** How many packets of each capture the failure message shows. */
const EXCERPT = 10;
let written = 0;

/** Where evidence files go: NSLAB_EVIDENCE_DIR, else nslab-evidence/ under the temporary directory. */
export function evidenceDir(): string {
  return process.env.NSLAB_EVIDENCE_DIR || join(tmpdir(), 'nslab-evidence');
}

const slug = (text: string): string => text.replace(/[^\w.-]+/g, '_').slice(0, 60);

/** Writes every capture of these namespaces as a pcap file; returns the lines for the failure message ('' without captures). */
export function captureEvidence(namespaces: readonly NetnsHandle[], testName: string): string {
  const captures = namespaces.flatMap((ns) => capturesOf(ns));
  if (!captures.length) return '';
  const dir = evidenceDir();
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    // The failure report must still go out, and the namespaces still be destroyed after it.
    return `\nnslab captures at the failure: ${captures.length}, not written: ${dir} could not be made (${String(error)}); set NSLAB_EVIDENCE_DIR`;
  }
  const parts = captures.map((capture) => {
    const name = `${slug(testName)}-${process.pid}-${++written}-${slug(capture.device.ns.label)}-${slug(capture.device.name)}.pcap`;
    try {
      const path = capture.writePcap(join(dir, name));
      const s = capture.stats();
      const excerpt = capture.excerpt(EXCERPT).replace(/^/gm, '    ');
      return [
        `  ${capture}: ${s.kept} packets (${s.drops} dropped by the kernel, ${s.evicted} let go), pcap ${path}`,
        s.kept ? `    last ${Math.min(EXCERPT, s.kept)}:\n${excerpt}` : '    (no packets)',
      ].join('\n');
    } catch (error) {
      return `  ${capture}: could not be written to ${join(dir, name)} (${String(error)})`;
    }
  });
  return `\nnslab captures at the failure:\n${parts.join('\n')}`;
}
