// Every error nslab raises can be caught by class: the errno-carrying ones too, and EPERM from
// either source becomes the one PermissionError.
import { constants } from 'node:os';
import { describe, expect, test } from 'vitest';
import { asPermissionError, ErrnoError, hasErrno, NslabError, PermissionError } from '../../src/errors.ts';
import { SysError } from '../../src/sys/libc.ts';
import { NetlinkError } from '../../src/netlink/errors.ts';

const { EPERM, ENODEV } = constants.errno;
const request = { type: 'RTM_NEWLINK', what: 'link add br0 type bridge' };

describe('errno errors', () => {
  test('SysError and NetlinkError are NslabErrors, with the errno and its name', () => {
    for (const e of [new SysError('setns', EPERM), new NetlinkError(EPERM, request)]) {
      expect(e).toBeInstanceOf(NslabError);
      expect(e).toBeInstanceOf(ErrnoError);
      expect({ errno: e.errno, code: e.code }).toEqual({ errno: EPERM, code: 'EPERM' });
    }
    expect(new SysError('open', ENODEV).name).toBe('SysError');
  });

  test('hasErrno compares by name, and only on errno errors', () => {
    expect(hasErrno(new NetlinkError(ENODEV, request), 'ENODEV')).toBe(true);
    expect(hasErrno(new NetlinkError(ENODEV, request), 'EPERM')).toBe(false);
    expect(hasErrno(Object.assign(new Error('x'), { code: 'ENODEV' }), 'ENODEV')).toBe(false);
  });

  test('asPermissionError turns EPERM from either source into a PermissionError naming the capability, and passes the rest through', () => {
    const fromKernel = asPermissionError(new NetlinkError(EPERM, request), 'CAP_NET_ADMIN', request.what);
    expect(fromKernel).toBeInstanceOf(PermissionError);
    expect(fromKernel).toMatchObject({
      capability: 'CAP_NET_ADMIN',
      message: expect.stringMatching(/^link add br0 type bridge needs CAP_NET_ADMIN/),
    });
    expect(
      asPermissionError(new SysError('unshare', EPERM), 'CAP_SYS_ADMIN', 'creating a network namespace'),
    ).toMatchObject({ capability: 'CAP_SYS_ADMIN' });
    const other = new SysError('open', ENODEV);
    expect(asPermissionError(other, 'CAP_NET_ADMIN', 'opening')).toBe(other);
  });
});
