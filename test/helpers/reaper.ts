// Finding nslab's reaper among a process's children: the shell running its script.
import { readFileSync } from 'node:fs';
import { reaperScript } from '../../src/handle/reaper.ts';
import { childrenOf } from './proc.ts';

const SCRIPT = reaperScript();

/** The reapers pid has started (alive or a zombie it has not reaped yet). */
export function reapersOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(SCRIPT);
    } catch {
      return false;
    }
  });
}
