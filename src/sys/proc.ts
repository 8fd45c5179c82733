// What /proc says about a process, for deciding whether the owner of something nslab left behind
// (a pin, a container) still runs. A pid alone can be reused; a pid with its start time cannot.
import { readFileSync } from 'node:fs';

/**
 * Field 22 of /proc/PID/stat (clock ticks since boot), or undefined when no such process runs.
 * A zombie (killed, not reaped yet; a container's PID 1 may never reap it) owns nothing any more.
 */
export function processStartTime(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}
