import { createServer } from 'node:net';
import { OkubeError } from '../util/errors.js';

// Host ports for `hostPort: 0`: a free port from the Node's range, never handed to two Tasks.

export interface PortRange { start: number; end: number }

/** Picks the first port of the range that is neither used nor reserved, starting after `hint`. */
export function choosePort(range: PortRange, taken: ReadonlySet<number>, hint = range.start): number | undefined {
  const size = range.end - range.start + 1;
  const first = hint >= range.start && hint <= range.end ? hint : range.start;
  for (let i = 0; i < size; i++) {
    const port = range.start + ((first - range.start + i) % size);
    if (!taken.has(port)) return port;
  }
  return undefined;
}

/** True when nothing listens on host:port (a bind succeeds). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/**
 * Per-Node allocator. `used` lists the ports okube containers on the Node already publish;
 * reservations cover the gap between choosing a port and the container publishing it.
 */
export class PortAllocator {
  private readonly reserved = new Map<number, string>();
  private next: number;

  constructor(
    private readonly range: PortRange,
    private readonly host: string,
    private readonly isFree: (host: string, port: number) => Promise<boolean> = portIsFree,
  ) {
    this.next = range.start;
  }

  /** Reserves a free port for `owner` (a Task uid); the same owner gets its reservation back. */
  async allocate(owner: string, used: Iterable<number>): Promise<number> {
    for (const [port, who] of this.reserved) if (who === owner) return port;
    const taken = new Set<number>([...used, ...this.reserved.keys()]);
    const size = this.range.end - this.range.start + 1;
    for (let tries = 0; tries < size; tries++) {
      const port = choosePort(this.range, taken, this.next);
      if (port === undefined) break;
      taken.add(port);
      this.next = port === this.range.end ? this.range.start : port + 1;
      if (await this.isFree(this.host, port)) {
        this.reserved.set(port, owner);
        return port;
      }
    }
    throw new OkubeError('PortUnavailable', `no free host port in ${this.range.start}-${this.range.end} on ${this.host}`);
  }

  /** Drops the owner's reservation once its container publishes the port (or it is gone). */
  release(owner: string): void {
    for (const [port, who] of this.reserved) if (who === owner) this.reserved.delete(port);
  }
}
