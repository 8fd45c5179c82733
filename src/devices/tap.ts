// tun/tap devices with an explicit owner of their descriptor, since the owner decides the
// carrier: this process, a separate holder process, or nobody (a persistent device).
import type { NetnsHandle } from '../handle/handle.ts';
import { linkDel, linkFind, linkIndex, linkSet } from '../rtnl/link.ts';
import { requireOneOf } from '../values/checks.ts';
import { parseName } from '../values/name.ts';
import { parseMacOption } from '../values/mac.ts';
import { hasErrno, InvalidArgumentError, NamespaceDestroyedError, NameTakenError, NslabError } from '../errors.ts';
import { Link, registerCreated } from './link.ts';
import { TapHolder } from './holder.ts';
import { attachTun, TUN_MODES, TunFile, type TunMode } from './tun-file.ts';

const TAP_OWNERS = ['self', 'holder', 'none'] as const;
/** Who holds a tap's descriptor: this process ('self'), a holder process ('holder'), or nobody ('none'). */
export type TapOwner = (typeof TAP_OWNERS)[number];

/** Options of addTap(). */
export interface TapOptions {
  /** The MAC to set after creation (`ip link set DEV address MAC`); the kernel picks a random one when absent. */
  mac?: string;
  /**
   * Who holds the descriptor, which decides the carrier: this process ('self', the default when
   * left out), a holder process ('holder'), or nobody ('none'). Optional since 0.1.0; name it
   * where the carrier matters.
   */
  owner?: TapOwner;
  /** 'tap' (Ethernet frames, the default) or 'tun' (IP packets, no MAC). */
  mode?: TunMode;
  /** Keep the device when its descriptors close (default true, so carrier loss can be observed). */
  persist?: boolean;
}

/** A tun/tap device together with whoever holds its descriptor, which decides its carrier. */
export class Tap extends Link {
  /** Who holds the descriptor: 'self', 'holder' or 'none' (see TapOptions.owner). */
  readonly owner: TapOwner;
  /** The descriptor, when this process owns it. */
  readonly file: TunFile | undefined;
  /** The holder process, when one owns the descriptor. */
  readonly holder: TapHolder | undefined;

  constructor(link: Link, owner: TapOwner, file?: TunFile, holder?: TapHolder) {
    super(link.ns, link);
    this.owner = owner;
    this.file = file;
    this.holder = holder;
  }

  /** Closes the owner's descriptor: ours, or the holder's (which keeps running). */
  async close(): Promise<void> {
    if (this.file) this.file.close();
    else if (this.holder) await this.holder.closeFd();
    else throw new NslabError(`${this.name} has no owner whose descriptor could be closed`);
  }
}

/**
 * Creates a tap (or tun) with TUNSETIFF on a descriptor opened inside the namespace (rtnetlink
 * cannot create tun devices). If any later step fails, the device is deleted again.
 */
export async function addTap(ns: NetnsHandle, tapName: string, options: TapOptions = {}): Promise<Tap> {
  const name = parseName(tapName);
  const mac = parseMacOption(options.mac);
  const owner = requireOneOf(options.owner ?? 'self', TAP_OWNERS, `tap ${name}: owner`);
  const mode = requireOneOf(options.mode ?? 'tap', TUN_MODES, `tap ${name}: mode`);
  if (owner === 'none' && options.persist === false) {
    throw new InvalidArgumentError(
      `tap ${name}: owner "none" with persist false would vanish as soon as it is made; keep persist, or pick an owner`,
      options,
    );
  }
  const file = TunFile.open(ns);
  let index: number | undefined;
  try {
    try {
      // Exclusive: without it TUNSETIFF would silently attach to an existing persistent tap.
      attachTun(file, name, mode, true);
    } catch (error) {
      const existing = hasErrno(error, 'EBUSY') ? linkFind(ns.rtnl, name) : undefined;
      if (existing) throw new NameTakenError(name, { index: existing.index, kind: existing.kind }, { cause: error });
      throw error;
    }
    index = linkIndex(ns.rtnl, name);
    if (index === undefined) throw new NslabError(`tap ${name}: TUNSETIFF succeeded but the device is not there`);
    const link = new Link(ns, { index, name, kind: 'tun' });
    if (options.persist ?? true) file.persist(true);
    if (mac) linkSet(ns.rtnl, index, { mac }, name);
    let tap: Tap;
    if (owner === 'self') {
      tap = new Tap(link, owner, file);
      // An open tun descriptor holds a reference on its namespace: it must close for the namespace to go.
      ns.cleanup.defer(`close ${name} descriptor`, () => file.close());
    } else if (owner === 'holder') {
      const starting = TapHolder.start(file, `${ns.label}/${name}`);
      // Registered before the holder answers: a destroy() meanwhile (a test that timed out)
      // waits for it and kills it, and keeps the namespace open until this function has
      // deleted the device (below, in the catch).
      const drop = ns.cleanup.defer(`kill holder of ${name}`, async () => {
        await starting.then(
          (holder) => holder.kill(),
          () => undefined,
        );
      });
      let holder: TapHolder;
      try {
        holder = await starting;
      } catch (error) {
        drop();
        throw error;
      }
      file.close();
      if (ns.destroyed) throw new NamespaceDestroyedError(ns.label, `starting the holder of tap ${name}`);
      tap = new Tap(link, owner, undefined, holder);
    } else {
      file.close();
      tap = new Tap(link, owner);
    }
    return registerCreated(tap);
  } catch (error) {
    try {
      if (index !== undefined) linkDel(ns.rtnl, index, name);
    } finally {
      file.close();
    }
    throw error;
  }
}

/** Opens /dev/net/tun in the namespace without attaching it to any device yet. */
export function openTun(ns: NetnsHandle): TunFile {
  const file = TunFile.open(ns);
  ns.cleanup.defer('close tun descriptor', () => file.close());
  return file;
}
