import { OkubeError } from '../util/errors.js';

// Host ports for `hostPort: 0`, chosen without assuming the engine runs on this machine: the
// controllers never bind a port to test it (a remote Node's address is not theirs). A port is
// free when nothing the caller knows of holds it — what the engine reports as published (every
// container, okube's or not), the ports okube's state records for the Node's Tasks — and this
// allocator has neither reserved it (chosen, container not yet publishing) nor seen the engine
// refuse it (another program holds it; see refuse()). Reservations cover the gap between choosing
// and the container publishing; nothing here is the source of truth across restarts, the
// engine and the Tasks' status are.

export interface PortRange { start: number; end: number }

/** How long a port the engine refused to bind is skipped (another program holds it). */
export const REFUSED_PORT_TTL_MS = 10 * 60_000;

/** Picks the first port of the range that is not taken, starting at `hint` and wrapping around. */
export function choosePort(range: PortRange, taken: ReadonlySet<number>, hint = range.start): number | undefined {
  const size = range.end - range.start + 1;
  const first = hint >= range.start && hint <= range.end ? hint : range.start;
  for (let i = 0; i < size; i++) {
    const port = range.start + ((first - range.start + i) % size);
    if (!taken.has(port)) return port;
  }
  return undefined;
}

/** Whether `port` lies in `range`. */
export function inRange(range: PortRange, port: number): boolean {
  return port >= range.start && port <= range.end;
}

/** Per-Node allocator (one per NodeEntry, shared by the Task workers of a process). */
export class PortAllocator {
  private readonly reserved = new Map<number, string>();
  /** port → when the engine's refusal stops counting (ms since epoch). */
  private readonly refused = new Map<number, number>();
  private next: number;

  constructor(
    readonly range: PortRange,
    private readonly describe = 'the node',
    private readonly clock: () => number = Date.now,
  ) {
    this.next = range.start;
  }

  /**
   * Reserves a port for `owner` (a Task uid and port index); the same owner gets its reservation
   * back. `taken`: ports known to be held (engine, okube state). `preferred`: the owner's port
   * from before (a restart keeps its port when it is still free).
   */
  allocate(owner: string, taken: Iterable<number>, preferred?: number): number {
    for (const [port, who] of this.reserved) if (who === owner) return port;
    const now = this.clock();
    for (const [port, until] of this.refused) if (until <= now) this.refused.delete(port);
    const busy = new Set<number>([...taken, ...this.reserved.keys(), ...this.refused.keys()]);
    const pick = preferred !== undefined && inRange(this.range, preferred) && !busy.has(preferred) ? preferred : choosePort(this.range, busy, this.next);
    if (pick === undefined) {
      throw new OkubeError('PortUnavailable', `no free host port in ${this.range.start}-${this.range.end} on ${this.describe}`);
    }
    if (pick !== preferred) this.next = pick === this.range.end ? this.range.start : pick + 1;
    this.reserved.set(pick, owner);
    return pick;
  }

  /** Drops the owner's reservation once its container publishes the port (or it is gone). */
  release(owner: string): void {
    for (const [port, who] of this.reserved) if (who === owner) this.reserved.delete(port);
  }

  /** The engine refused to bind `port` (another program holds it): never hand it out for a while. */
  refuse(port: number): void {
    this.refused.set(port, this.clock() + REFUSED_PORT_TTL_MS);
    this.reserved.delete(port);
  }

  /** Ports refused and still skipped. */
  refusedPorts(): number[] {
    const now = this.clock();
    return [...this.refused].filter(([, until]) => until > now).map(([p]) => p);
  }
}
