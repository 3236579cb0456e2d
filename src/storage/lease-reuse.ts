// One etcd lease for many writes with a TTL, as kube-apiserver's leaseManager: granting a lease
// per Event would double the etcd calls of every Event write. A lease is reused for writes within
// a short window after its grant, and granted for the TTL plus that window, so every key still
// lives at least its TTL. The window is 5 % of the TTL, at most 60 s (kube-apiserver's
// leaseReuseDurationPercent and leaseReuseDurationSeconds).

const REUSE_PERCENT = 0.05;
const MAX_REUSE_SECONDS = 60;

interface Granted {
  id: string;
  ttlSeconds: number;
  /** Until when (ms) writes may take this lease. */
  reuseUntil: number;
}

/** The reuse window for a TTL, in whole seconds (0: a lease per write). */
export function reuseSeconds(ttlSeconds: number): number {
  return Math.min(MAX_REUSE_SECONDS, Math.floor(ttlSeconds * REUSE_PERCENT));
}

export class LeaseReuse {
  private current?: Granted;
  /** A grant under way: writes arriving meanwhile wait for it instead of granting their own. */
  private pending?: { ttlSeconds: number; lease: Promise<string> };

  constructor(
    /** Grants a lease of this many seconds; answers its id. */
    private readonly grant: (ttlSeconds: number) => Promise<string>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A lease under which a key written now lives at least `ttlSeconds`. */
  leaseFor(ttlSeconds: number): Promise<string> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const c = this.current;
    if (c && c.ttlSeconds === ttl && this.now() < c.reuseUntil) return Promise.resolve(c.id);
    if (this.pending?.ttlSeconds === ttl) return this.pending.lease;
    const reuse = reuseSeconds(ttl);
    const grantedAt = this.now();
    const lease = this.grant(ttl + reuse).then(
      (id) => {
        this.current = { id, ttlSeconds: ttl, reuseUntil: grantedAt + reuse * 1000 };
        if (this.pending?.lease === lease) this.pending = undefined;
        return id;
      },
      (err: unknown) => {
        if (this.pending?.lease === lease) this.pending = undefined;
        throw err;
      },
    );
    this.pending = { ttlSeconds: ttl, lease };
    return lease;
  }

  /** The lease in use is gone (etcd said so): the next write grants a new one. */
  forget(): void {
    this.current = undefined;
  }
}
