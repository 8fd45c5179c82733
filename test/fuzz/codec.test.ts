// Property-based tests of the netlink codec (fast-check): everything nslab encodes or decodes
// round-trips, and bytes the kernel would never send — random, truncated, mutated — make the
// decoders either return or raise nslab's own typed error, never another exception, a loop
// that does not end, or output out of proportion to the input. Case counts and the seed come
// from NSLAB_FUZZ_RUNS and NSLAB_FUZZ_SEED (see property.ts).
import { isIP } from 'node:net';
import { Script, createContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatIp, ipBytes, parseCidr } from '../../src/values/ip.ts';
import { formatBridgeId, parseBridgeId } from '../../src/values/bridge-id.ts';
import { NslabError } from '../../src/errors.ts';
import { decodeAck } from '../../src/netlink/ack.ts';
import { decodeAddr } from '../../src/netlink/addr.ts';
import { align4, MessageWriter, NLMSG_HDRLEN, parseAttrs, parseMessages } from '../../src/netlink/codec.ts';
import type { Attrs, NetlinkMessage } from '../../src/netlink/codec.ts';
import { decodeLink } from '../../src/netlink/link.ts';
import { decodeRoute } from '../../src/netlink/route.ts';
import { decodeNeigh } from '../../src/netlink/neigh.ts';
import { decodeRule } from '../../src/netlink/rule.ts';
import { formatMac, parseMac } from '../../src/values/mac.ts';
import { addrAdd, addrDel } from '../../src/rtnl/addr.ts';
import { linkAdd, linkSet } from '../../src/rtnl/link.ts';
import { vethData } from '../../src/netlink/kinds/veth.ts';
import * as C from '../../src/sys/constants.ts';
import { capture } from '../helpers/capture.ts';
import { checkProperty } from './property.ts';
import {
  ackCase,
  addrCase,
  deviceName,
  encodeAck,
  encodeAddrMessage,
  encodeLinkMessage,
  encodeRouteMessage,
  encodeNeighMessage,
  encodeRuleMessage,
  linkMessage,
  routeCase,
  neighCase,
  ruleCase,
} from './messages.ts';
import { optional, s32, u16, u32, u8, unicastMac } from './messages.ts';
import { parseMacOption } from '../../src/values/mac.ts';
import { parseName } from '../../src/values/name.ts';

const one = (bytes: Buffer): NetlinkMessage => {
  const msgs = parseMessages(bytes);
  expect(msgs).toHaveLength(1);
  return msgs[0]!;
};

describe('round trips', () => {
  test('link messages: decodeLink gives back every field the kernel encoded', async () => {
    await checkProperty(
      'decodeLink round trip',
      fc.property(linkMessage, (m) => {
        expect(decodeLink(encodeLinkMessage(m))).toEqual(m);
      }),
    );
  });

  test('route messages: rtmsg fields, the whole table, metrics, next hops; the addresses parse back to their bytes', async () => {
    await checkProperty(
      'decodeRoute round trip',
      fc.property(routeCase, (c) => {
        const { dst, gateway, prefsrc, nexthops, ...rest } = decodeRoute(encodeRouteMessage(c));
        expect(rest).toEqual(c.message);
        const back = (a: string | undefined): Buffer | undefined => (a === undefined ? undefined : ipBytes(a));
        expect([back(dst), back(gateway), back(prefsrc)]).toEqual([c.dst, c.gateway, c.prefsrc]);
        expect(nexthops?.map((h) => ({ ...h, gateway: back(h.gateway) }))).toEqual(c.nexthops);
      }),
    );
  });

  test('address messages: header fields, flags (IFA_FLAGS or ifa_flags), label; the address text parses back to its bytes', async () => {
    await checkProperty(
      'decodeAddr round trip',
      fc.property(addrCase, (c) => {
        const { address, ...rest } = decodeAddr(encodeAddrMessage(c));
        expect(rest).toEqual(c.message);
        expect(isIP(address)).toBe(c.message.family);
        expect(ipBytes(address)).toEqual(c.raw);
      }),
    );
  });

  test('neighbour messages: header fields, lladdr, probes; the address text parses back to its bytes', async () => {
    await checkProperty(
      'decodeNeigh round trip',
      fc.property(neighCase, (c) => {
        const { address, ...rest } = decodeNeigh(encodeNeighMessage(c));
        expect(rest).toEqual(c.message);
        expect(ipBytes(address)).toEqual(c.raw);
      }),
    );
  });

  test('rule messages: priority (absent for 0), prefixes, marks, devices, the full table id, action, goto', async () => {
    await checkProperty(
      'decodeRule round trip',
      fc.property(ruleCase, (c) => {
        const { from, to, ...rest } = decodeRule(encodeRuleMessage(c));
        const { from: wantFrom, to: wantTo, ...want } = c.message;
        expect(rest).toEqual(want);
        expect(from && { prefixLength: from.prefixLength, bytes: ipBytes(from.address) }).toEqual(
          wantFrom && { ...wantFrom, bytes: c.src },
        );
        expect(to && { prefixLength: to.prefixLength, bytes: ipBytes(to.address) }).toEqual(
          wantTo && { ...wantTo, bytes: c.dst },
        );
      }),
    );
  });

  test("acknowledgements and errors: errno, the kernel's message and offset, whatever the echoed request's length", async () => {
    await checkProperty(
      'decodeAck round trip',
      fc.property(ackCase, (c) => {
        const failed = c.errno !== 0;
        const want = {
          errno: c.errno,
          extack: failed ? c.extack : undefined,
          extackOffset: failed ? c.offset : undefined,
        };
        expect(decodeAck(one(encodeAck(c)))).toEqual(want);
      }),
    );
  });

  test('datagrams of several messages split back into them, in order, with every header field', async () => {
    const msg = fc.record({ type: u16, flags: u16, seq: u32, pid: u32, payload: fc.uint8Array({ maxLength: 40 }) });
    await checkProperty(
      'parseMessages round trip',
      fc.property(fc.array(msg, { maxLength: 8 }), (msgs) => {
        const bytes = Buffer.concat(
          msgs.map((m) => {
            const b = Buffer.from(new MessageWriter(m.type, m.flags).header(m.payload).finish(m.seq));
            // The writer pads the header; the kernel's nlmsg_len counts the unpadded payload.
            b.writeUInt32LE(NLMSG_HDRLEN + m.payload.length, 0);
            b.writeUInt32LE(m.pid, 12);
            return b;
          }),
        );
        const plain = (m: { payload: Uint8Array }): object => ({ ...m, payload: new Uint8Array(m.payload) });
        expect(parseMessages(bytes).map(plain)).toEqual(msgs.map(plain));
      }),
    );
  });

  test('attributes: a random tree written with MessageWriter parses back, nests included', async () => {
    type Tree = Array<{ type: number; value: Uint8Array | Tree }>;
    const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
      tree: fc.array(
        fc.record({
          type: fc.integer({ min: 0, max: 0x3fff }),
          value: fc.oneof({ depthSize: 'small' }, fc.uint8Array({ maxLength: 24 }), tie('tree')),
        }),
        { maxLength: 5 },
      ),
    }));
    const write = (w: MessageWriter, t: Tree): void => {
      for (const a of t) {
        if (a.value instanceof Uint8Array) w.bytes(a.type, a.value);
        else {
          const inner = a.value;
          w.nest(a.type, (n) => write(n, inner));
        }
      }
    };
    // What parseAttrs keeps: the last attribute of each type, nests parsed recursively.
    const expected = (t: Tree): Map<number, unknown> =>
      new Map(t.map((a) => [a.type, a.value instanceof Uint8Array ? Buffer.from(a.value) : expected(a.value)]));
    const read = (attrs: Attrs, like: Map<number, unknown>): Map<number, unknown> =>
      new Map(
        [...attrs].map(([type, b]) => {
          const inner = like.get(type);
          return [type, inner instanceof Map ? read(parseAttrs(b), inner as Map<number, unknown>) : b];
        }),
      );
    await checkProperty(
      'MessageWriter/parseAttrs round trip',
      fc.property(tree, (t) => {
        const w = new MessageWriter(C.RTM_NEWLINK, 0, 8);
        write(w, t);
        const want = expected(t);
        expect(read(parseAttrs(one(w.finish(1)).payload), want)).toEqual(want);
      }),
    );
  });

  test('link add requests carry the name, kind, MAC and the veth peer (name, MAC, namespace descriptor)', async () => {
    const spec = fc.record({
      name: deviceName,
      kind: fc.constantFrom('bridge', 'veth', 'dummy', 'vxlan'),
      mac: optional(unicastMac),
      peer: optional(fc.record({ name: deviceName, mac: optional(unicastMac), nsFd: optional(fc.nat(1 << 20)) })),
    });
    await checkProperty(
      'linkAdd request round trip',
      fc.property(spec, (s) => {
        const m = one(
          capture((sock) =>
            linkAdd(sock, {
              name: parseName(s.name),
              kind: s.kind,
              mac: parseMacOption(s.mac),
              data:
                s.peer &&
                vethData({ name: parseName(s.peer.name), mac: parseMacOption(s.peer.mac), nsFd: s.peer.nsFd }),
            }),
          ),
        );
        const flags = C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL | C.NLM_F_ECHO;
        expect({ type: m.type, flags: m.flags }).toEqual({ type: C.RTM_NEWLINK, flags });
        const a = parseAttrs(m.payload, 16);
        const link = decodeLink(m.payload);
        expect({ name: link.name, kind: link.kind, mac: link.mac }).toEqual({
          name: s.name,
          kind: s.kind,
          mac: s.mac?.toLowerCase(),
        });
        const data = parseAttrs(parseAttrs(a.get(C.IFLA_LINKINFO)!).get(C.IFLA_INFO_DATA) ?? Buffer.alloc(0));
        const peer = data.get(C.VETH_INFO_PEER);
        expect(peer === undefined).toBe(s.peer === undefined);
        if (peer && s.peer) {
          const p = decodeLink(peer);
          const nsFd = parseAttrs(peer, 16).get(C.IFLA_NET_NS_FD)?.readUInt32LE(0);
          expect({ name: p.name, mac: p.mac, nsFd }).toEqual({
            name: s.peer.name,
            mac: s.peer.mac?.toLowerCase(),
            nsFd: s.peer.nsFd,
          });
        }
      }),
    );
  });

  test('link set requests: up/down in flags under the IFF_UP change mask, MAC, master, namespace', async () => {
    const change = fc.record(
      { up: fc.boolean(), mac: unicastMac, master: u32, nsFd: fc.nat(1 << 20) },
      { requiredKeys: [] },
    );
    await checkProperty(
      'linkSet request round trip',
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), change, (index, ch) => {
        const m = one(capture((sock) => linkSet(sock, index, { ...ch, mac: parseMacOption(ch.mac) })));
        const a = parseAttrs(m.payload, 16);
        expect({
          index: m.payload.readInt32LE(4),
          flags: m.payload.readUInt32LE(8),
          change: m.payload.readUInt32LE(12),
          mac: a.has(C.IFLA_ADDRESS) ? formatMac(a.get(C.IFLA_ADDRESS)!) : undefined,
          master: a.get(C.IFLA_MASTER)?.readUInt32LE(0),
          nsFd: a.get(C.IFLA_NET_NS_FD)?.readUInt32LE(0),
        }).toEqual({
          index,
          flags: ch.up ? C.IFF_UP : 0,
          change: ch.up === undefined ? 0 : C.IFF_UP,
          mac: ch.mac?.toLowerCase(),
          master: ch.master,
          nsFd: ch.nsFd,
        });
      }),
    );
  });

  test('address add and delete requests carry family, prefix, device, the address bytes twice, and the flags', async () => {
    const cidr = fc.oneof(
      fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 })),
      fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 })),
    );
    const request = fc.tuple(cidr, u32, fc.boolean(), fc.boolean());
    await checkProperty(
      'addrAdd/addrDel request round trip',
      fc.property(request, ([[raw, prefix], index, nodad, add]) => {
        const c = parseCidr(`${formatIp(raw)}/${prefix}`);
        const m = one(capture((sock) => (add ? addrAdd(sock, index, c, { nodad }) : addrDel(sock, index, c))));
        const flags = add && nodad ? C.IFA_F_NODAD : 0;
        const a = parseAttrs(m.payload, 8);
        const header = {
          type: m.type,
          family: m.payload.readUInt8(0),
          prefix: m.payload.readUInt8(1),
          index: m.payload.readUInt32LE(4),
        };
        expect({ ...header, flags: a.get(C.IFA_FLAGS)?.readUInt32LE(0) }).toEqual({
          type: add ? C.RTM_NEWADDR : C.RTM_DELADDR,
          family: raw.length === 4 ? C.AF_INET : C.AF_INET6,
          prefix,
          index,
          flags,
        });
        expect([a.get(C.IFA_LOCAL), a.get(C.IFA_ADDRESS)]).toEqual([Buffer.from(raw), Buffer.from(raw)]);
      }),
    );
  });

  test('values: MACs, IP addresses and bridge IDs written and read back', async () => {
    const ip = fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 }));
    await checkProperty(
      'MAC, IP and bridge ID text round trip',
      fc.property(unicastMac, ip, u16, (mac, raw, priority) => {
        expect(formatMac(parseMac(mac))).toBe(mac.toLowerCase());
        expect(ipBytes(formatIp(raw))).toEqual(Buffer.from(raw));
        expect(parseBridgeId(formatBridgeId({ priority, mac }))).toEqual({ priority, mac: mac.toLowerCase() });
      }),
    );
  });
});

// Runs a decoder under a watchdog: a loop that never ends is stopped (vm's timeout interrupts
// any JavaScript on this thread) and reported, instead of hanging the run. The bound is far
// beyond any decode of a few KiB; it only catches a decoder that does not terminate.
const HANG_MS = 10_000;
const guard = createContext({ job: (): unknown => undefined });
const runJob = new Script('job()');
function terminating<T>(decode: () => T): T {
  guard.job = decode;
  try {
    return runJob.runInContext(guard, { timeout: HANG_MS }) as T;
  } catch (error) {
    const timedOut = (error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
    if (timedOut) throw new Error(`the decoder did not return within ${HANG_MS} ms: it loops`);
    throw error;
  }
}

/** Decodes, and returns what came out or the error; anything but an NslabError fails. */
function outcome(decode: () => unknown): unknown {
  try {
    return terminating(decode);
  } catch (error) {
    if (error instanceof NslabError) return error;
    throw error;
  }
}

const JSON_BOUND = (bytes: number): number => 8 * bytes + 1024;
const sized = (value: unknown): number =>
  JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))?.length ?? 0;

/** Random bytes, valid messages cut short, and valid messages with bytes overwritten. */
function damaged(valid: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    valid.chain((b) =>
      fc.integer({ min: 0, max: Math.max(0, b.length - 1) }).map((n) => Buffer.from(b.subarray(0, n))),
    ),
    valid.chain((b) =>
      fc.array(fc.tuple(fc.nat(Math.max(0, b.length - 1)), u8), { minLength: 1, maxLength: 6 }).map((edits) => {
        const c = Buffer.from(b);
        for (const [at, v] of edits) if (at < c.length) c[at] = v;
        return c;
      }),
    ),
  );
}

describe('malformed bytes', () => {
  const linkBytes = linkMessage.map(encodeLinkMessage);
  const addrBytes = addrCase.map(encodeAddrMessage);
  const routeBytes = routeCase.map(encodeRouteMessage);
  const neighBytes = neighCase.map(encodeNeighMessage);
  const ruleBytes = ruleCase.map(encodeRuleMessage);
  const asDatagram = (payload: Buffer, type: number): Buffer =>
    Buffer.from(new MessageWriter(type, 0).header(payload).finish(1));

  test.each([
    ['decodeLink', linkBytes, decodeLink],
    ['decodeAddr', addrBytes, decodeAddr],
    ['decodeRoute', routeBytes, decodeRoute],
    ['decodeNeigh', neighBytes, decodeNeigh],
    ['decodeRule', ruleBytes, decodeRule],
  ] as const)('%s: returns or raises NslabError, its output bounded by its input', async (name, valid, decode) => {
    await checkProperty(
      `${name} on damaged bytes`,
      fc.property(damaged(valid), (b) => {
        const out = outcome(() => decode(b));
        if (!(out instanceof NslabError)) expect(sized(out)).toBeLessThanOrEqual(JSON_BOUND(b.length));
      }),
    );
  });

  test('parseMessages: returns or raises NslabError; what it returns lies within the datagram', async () => {
    const datagrams = fc.oneof(
      linkBytes.map((p) => asDatagram(p, C.RTM_NEWLINK)),
      addrBytes.map((p) => asDatagram(p, C.RTM_NEWADDR)),
      ackCase.map(encodeAck),
    );
    await checkProperty(
      'parseMessages on damaged bytes',
      fc.property(damaged(datagrams), (b) => {
        const out = outcome(() => parseMessages(b));
        if (out instanceof NslabError) return;
        const msgs = out as ReturnType<typeof parseMessages>;
        expect(msgs.length).toBeLessThanOrEqual(b.length / NLMSG_HDRLEN);
        expect(msgs.reduce((n, m) => n + align4(NLMSG_HDRLEN + m.payload.length), 0)).toBeLessThanOrEqual(
          align4(b.length),
        );
      }),
    );
  });

  test('decodeAck: an error or acknowledgement cut short or overwritten returns or raises NslabError, never a silent success', async () => {
    const acks = ackCase.filter((c) => c.errno !== 0).map(encodeAck);
    const types = fc.constantFrom(C.NLMSG_ERROR, C.NLMSG_DONE);
    await checkProperty(
      'decodeAck on damaged bytes',
      fc.property(damaged(acks), types, (b, type) => {
        const flags = b.length >= 8 ? b.readUInt16LE(6) : 0;
        const m = { type, flags, seq: 1, pid: 0, payload: b.subarray(Math.min(b.length, NLMSG_HDRLEN)) };
        const out = outcome(() => decodeAck(m));
        if (out instanceof NslabError) return;
        const ack = out as ReturnType<typeof decodeAck>;
        // An error message too short to hold its errno cannot be read as success.
        if (type === C.NLMSG_ERROR && m.payload.length < 4) {
          expect.fail(`a ${m.payload.length}-byte NLMSG_ERROR payload was read as ${JSON.stringify(ack)}`);
        }
        expect(sized(ack)).toBeLessThanOrEqual(JSON_BOUND(b.length));
      }),
    );
  });

  test('integers and signed fields read at every width: the decoders take s32 and u16 values whole', async () => {
    await checkProperty(
      'signed and 16-bit fields',
      fc.property(s32, u16, (netnsId, priority) => {
        const sent = {
          family: 0,
          type: 1,
          index: -1,
          flags: 0,
          name: 'x',
          linkNetnsId: netnsId,
          kind: 'bridge',
          bridge: { priority },
        };
        const m = decodeLink(encodeLinkMessage(sent));
        expect({ netnsId: m.linkNetnsId, priority: m.bridge?.priority, index: m.index }).toEqual({
          netnsId,
          priority,
          index: -1,
        });
      }),
    );
  });
});
