import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { apiError } from '../client/errors.js';
import { errorMessage, isOkubeError } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';

// Leader election on a coordination.k8s.io/v1 Lease, the way client-go does it: only the holder
// of an unexpired lease leads; every write is guarded by the Lease's resourceVersion, so two
// candidates never both win; a leader that cannot renew within renewDeadline steps down; a clean
// shutdown releases the lease so a standby takes over at once.

export interface LeaderElectionOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  onStartedLeading(): void | Promise<void>;
  onStoppedLeading(): void | Promise<void>;
  onNewLeader?(identity: string): void;
}

/** Whether a lease seen unchanged since `observedAt` (local clock) has expired. Pure. */
export function leaseExpired(lease: V1Lease, observedAt: number, now: number): boolean {
  if (!lease.spec?.holderIdentity) return true;
  return observedAt + (lease.spec.leaseDurationSeconds ?? 15) * 1000 <= now;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly log;
  private leading = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private observed?: { record: string; at: number };
  private lastRenew = 0;
  private knownLeader = '';

  constructor(private readonly opts: LeaderElectionOptions) {
    this.api = opts.kc.makeApiClient(CoordinationV1Api);
    this.log = loggerFor('leader-election', `${opts.namespace}/${opts.name}`);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private get durationS() {
    return this.opts.leaseDurationSeconds ?? 15;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), (this.opts.retryPeriodSeconds ?? 2) * 1000);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew(now);
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'lease update failed');
    }
    if (this.stopped) return;
    if (ok) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        this.log.info({ identity: this.opts.identity }, 'became leader');
        await this.opts.onStartedLeading();
      }
    } else if (this.leading && Date.now() - this.lastRenew > (this.opts.renewDeadlineSeconds ?? 10) * 1000) {
      this.leading = false;
      this.log.warn({ identity: this.opts.identity }, 'could not renew the lease in time; stepping down');
      await this.opts.onStoppedLeading();
    }
    this.schedule();
  }

  private async tryAcquireOrRenew(now: number): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      const e = apiError(err, `read lease ${namespace}/${name}`);
      if (!isOkubeError(e, 'NotFound')) throw e;
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: { holderIdentity: identity, leaseDurationSeconds: this.durationS, acquireTime: new V1MicroTime(now), renewTime: new V1MicroTime(now), leaseTransitions: 0 },
          },
        });
        this.announce(identity);
        return true;
      } catch (createErr) {
        const ce = apiError(createErr, `create lease ${namespace}/${name}`);
        if (isOkubeError(ce, 'AlreadyExists') || isOkubeError(ce, 'Conflict')) return false;
        throw ce;
      }
    }

    // Expiry is judged by when *we* last saw the record change, not the holder's clock.
    const record = JSON.stringify([lease.spec?.holderIdentity, lease.spec?.renewTime, lease.spec?.leaseDurationSeconds]);
    if (!this.observed || this.observed.record !== record) this.observed = { record, at: now };
    const holder = lease.spec?.holderIdentity ?? '';
    this.announce(holder);
    if (holder && holder !== identity && !leaseExpired(lease, this.observed.at, now)) return false;

    const takingOver = holder !== identity;
    lease.spec = {
      ...lease.spec,
      holderIdentity: identity,
      leaseDurationSeconds: this.durationS,
      renewTime: new V1MicroTime(now),
      acquireTime: takingOver ? new V1MicroTime(now) : lease.spec?.acquireTime,
      leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (takingOver ? 1 : 0),
    };
    try {
      // metadata.resourceVersion rides along: a concurrent writer makes this fail with 409.
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
      this.announce(identity);
      return true;
    } catch (err) {
      const e = apiError(err, `update lease ${namespace}/${name}`);
      if (isOkubeError(e, 'Conflict')) return false;
      throw e;
    }
  }

  private announce(holder: string): void {
    if (holder && holder !== this.knownLeader) {
      this.knownLeader = holder;
      this.opts.onNewLeader?.(holder);
    }
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.api.readNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace });
      if (lease.spec?.holderIdentity === this.opts.identity) {
        lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new V1MicroTime(Date.now()) };
        await this.api.replaceNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace, body: lease });
      }
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'could not release the lease');
    }
    await this.opts.onStoppedLeading();
  }

  /** Stops renewing without releasing — what a crashed leader looks like (tests). */
  abandon(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
