// A device that takes ports by IFLA_MASTER (`ip link set DEV master M`): bond and vrf.
import { linkGet, linkList, linkSet } from '../rtnl/link.ts';
import { AlreadyEnslavedError, InvalidArgumentError } from '../errors.ts';
import { shown } from '../values/checks.ts';
import { Link } from './link.ts';
import type { LinkMessage } from '../netlink/link.ts';
import { sameNamespace } from './parent.ts';

/** A handle on a device that takes ports: a Bond or a Vrf. */
export class Master extends Link {
  /**
   * `ip link set PORT master THIS`. A port that already has a master (a bridge, another bond) is
   * refused before the request with AlreadyEnslavedError: release() or detach() it first.
   */
  async enslave(port: Link): Promise<void> {
    const m = this.portOf(port, 'enslave');
    if (m.master) {
      if (m.master === this.index) return;
      throw new AlreadyEnslavedError(port.toString(), linkGet(this.ns.rtnl, m.master).name, this.toString());
    }
    this.checkPort(port, m);
    linkSet(this.ns.rtnl, port.index, { master: this.index }, port.name);
  }

  /** `ip link set PORT nomaster`, for a port of this device; refused for any other. */
  async release(port: Link): Promise<void> {
    const m = this.portOf(port, 'release');
    if (m.master !== this.index) {
      throw new InvalidArgumentError(`release: ${port} is not a port of ${this}`, port);
    }
    linkSet(this.ns.rtnl, port.index, { master: 0 }, port.name);
  }

  /** The devices enslaved to this one now. */
  async ports(): Promise<Link[]> {
    return linkList(this.ns.rtnl, { master: this.index }).map((m) => new Link(this.ns, m));
  }

  /** What this kind asks of a port beyond having no master; throws to refuse it before the request. */
  protected checkPort(_port: Link, _now: LinkMessage): void {}

  private portOf(port: unknown, what: string): LinkMessage {
    if (!(port instanceof Link))
      throw new InvalidArgumentError(`${what}: pass a device handle, received ${shown(port)}`, port);
    if (!sameNamespace(port.ns, this.ns)) {
      throw new InvalidArgumentError(
        `${what}: ${port} is not in the namespace of ${this}: a port must be in its master's`,
        port,
      );
    }
    return linkGet(this.ns.rtnl, port.index);
  }
}
