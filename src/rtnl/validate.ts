// Device names checked as the kernel's dev_valid_name() would, but before anything is sent,
// with a message that says which rule was broken.
import { InvalidNameError } from '../errors.ts';
import { IFNAMSIZ } from '../sys/constants.ts';

export function validateName(name: unknown): asserts name is string {
  const bad = (why: string): never => {
    throw new InvalidNameError(`invalid device name ${JSON.stringify(name)}: ${why}`, name);
  };
  if (typeof name !== 'string') bad('a name must be a string');
  const s = name as string;
  if (s.length === 0) bad('it is empty');
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes >= IFNAMSIZ) bad(`it is ${bytes} bytes long; the kernel allows at most ${IFNAMSIZ - 1}`);
  if (s === '.' || s === '..') bad('"." and ".." are reserved');
  if (s.includes('/')) bad('"/" is not allowed (names become sysfs paths)');
  if (s.includes(':')) bad('":" is not allowed (it marks legacy alias labels)');
  if (/\s/.test(s)) bad('whitespace is not allowed');
}
