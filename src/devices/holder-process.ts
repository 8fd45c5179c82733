// The tap holder: a separate process that keeps a tun/tap descriptor open on fd 3, the way a
// VM's QEMU does, until its parent tells it to close the descriptor or to exit, or kills it.
// It dies with its parent: PR_SET_PDEATHSIG covers a SIGKILLed parent, and a closed stdin
// covers any other way the parent goes.
// Protocol on stdin/stdout, one word a line: it prints "ready"; "close" -> "closed"; "exit".
import { closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { constants } from 'node:os';
import { sys } from '../sys/libc.ts';
import { PR_SET_PDEATHSIG } from '../sys/constants.ts';

const HELD_FD = 3;
const parent = Number(process.argv[2]);

sys.prctl(PR_SET_PDEATHSIG, constants.signals.SIGKILL, 0, 0, 0);
// The parent may have died before prctl() took effect; then nobody would signal us.
if (sys.getppid() !== parent) process.exit(1);

let open = true;
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line === 'close') {
    if (open) closeSync(HELD_FD);
    open = false;
    process.stdout.write('closed\n');
  } else if (line === 'exit') {
    process.exit(0);
  }
});
lines.on('close', () => process.exit(0));
process.stdout.write('ready\n');
