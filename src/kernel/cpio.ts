// A minimal writer of the "newc" cpio format, the one the kernel unpacks as an initramfs, so
// building the initramfs needs neither cpio(1) nor root-owned files on disk.

export interface CpioEntry {
  path: string;
  /** File type and permission bits, e.g. 0o100755 (file), 0o040755 (directory), 0o120777 (symlink). */
  mode: number;
  /** File contents, or a symlink's target. */
  data?: Buffer | string;
  /** A device node's major and minor numbers. */
  rdev?: [number, number];
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');
const pad4 = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);

function header(ino: number, mode: number, size: number, nameSize: number, [major, minor]: [number, number]): string {
  // magic ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
  return `070701${hex(ino)}${hex(mode)}${hex(0)}${hex(0)}${hex(1)}${hex(0)}${hex(size)}${hex(0)}${hex(0)}${hex(major)}${hex(minor)}${hex(nameSize)}${hex(0)}`;
}

export function cpioArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const add = (ino: number, mode: number, name: string, data: Buffer, rdev: [number, number] = [0, 0]): void => {
    const nameBytes = Buffer.from(`${name}\0`);
    const head = Buffer.concat([
      Buffer.from(header(ino, mode, data.length, nameBytes.length, rdev), 'latin1'),
      nameBytes,
    ]);
    parts.push(head, pad4(head.length), data, pad4(data.length));
  };
  entries.forEach((e, i) => {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    add(i + 1, e.mode, e.path.replace(/^\/+/, ''), data, e.rdev);
  });
  add(0, 0, 'TRAILER!!!', Buffer.alloc(0));
  return Buffer.concat(parts);
}
