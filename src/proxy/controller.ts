import type { KubeConfig } from '@kubernetes/client-node';
import { Informer } from '../client/informer.js';
import { ENDPOINTSLICES, ResourceClient, TASKSERVICES, objectKey } from '../client/resource-client.js';
import { errorMessage } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';
import { DataPlane, type DataPlaneOptions } from './data-plane.js';
import type { ServiceStatus } from './plan.js';
import { answerLines, PROXY_FIELD_MANAGER, statusPatch } from './status.js';
import { proxySyncDuration } from '../metrics/proxy.js';
import type { EndpointSlice, TaskService } from '../api/types.js';

// The data plane's sync loop: informers on TaskServices and EndpointSlices; any event (coalesced)
// applies the whole desired state to HAProxy through DataPlane, then writes each TaskService's
// address/ports/Routed with a status merge patch under field manager okube-proxy. A pending apply
// (HAProxy restarting, a server still holding connections) or a failed status write is retried.




export interface ProxyControllerOptions extends Omit<DataPlaneOptions, 'onRestart'> {
  kc: KubeConfig;
  /** Retry delay of a pending apply (default 500 ms). */
  retryMs?: number;
  /** Called with a service's new "where it answers" line when that changes (okube up prints it). */
  onAnswer?: (line: string) => void;
}

const log = loggerFor('proxy.controller');

export class ProxyController {
  readonly plane: DataPlane;
  readonly services: ResourceClient<TaskService>;
  private readonly slices: ResourceClient<EndpointSlice>;
  private readonly serviceInformer: Informer<TaskService>;
  private readonly sliceInformer: Informer<EndpointSlice>;
  private scheduled = false;
  private running = false;
  private again = false;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  private lastStatuses: ServiceStatus[] = [];
  private subs: Array<{ unsubscribe(): void }> = [];
  private announced = new Set<string>();
  /** When the oldest event not yet applied arrived (sync latency). */
  private firstEventAt?: number;

  constructor(private readonly opts: ProxyControllerOptions) {
    this.plane = new DataPlane({ ...opts, onRestart: () => this.trigger() });
    this.services = new ResourceClient<TaskService>(opts.kc, TASKSERVICES);
    this.slices = new ResourceClient<EndpointSlice>(opts.kc, ENDPOINTSLICES);
    this.serviceInformer = new Informer<TaskService>({ kc: opts.kc, name: 'taskservices', path: this.services.collectionPath(), list: (o) => this.services.list(o) });
    this.sliceInformer = new Informer<EndpointSlice>({ kc: opts.kc, name: 'endpointslices', path: this.slices.collectionPath(), list: (o) => this.slices.list(o) });
  }

  /** What the last apply reported per service (okube up's summary). */
  get statuses(): ServiceStatus[] {
    return this.lastStatuses;
  }

  /** Starts HAProxy (fails at once when it is missing) and the informers; does not wait for their sync. */
  async start(): Promise<void> {
    await this.plane.start();
    this.subs.push(this.serviceInformer.events$.subscribe(() => this.trigger()));
    this.subs.push(this.sliceInformer.events$.subscribe(() => this.trigger()));
    this.serviceInformer.start();
    this.sliceInformer.start();
    void Promise.all([this.serviceInformer.waitForSync(), this.sliceInformer.waitForSync()]).then(() => this.trigger());
  }

  /** Resolves once both informers have listed and one apply has run (tests, okube up's summary). */
  async waitForSync(): Promise<void> {
    await Promise.all([this.serviceInformer.waitForSync(), this.sliceInformer.waitForSync()]);
    await this.syncOnce();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    for (const s of this.subs.splice(0)) s.unsubscribe();
    this.serviceInformer.stop();
    this.sliceInformer.stop();
    await this.plane.stop();
  }

  /** Coalesces bursts of events into one apply. */
  trigger(): void {
    this.firstEventAt ??= performance.now();
    if (this.stopped || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.syncOnce();
    });
  }

  private announce(): void {
    const lines = new Set(answerLines(this.lastStatuses));
    for (const line of lines) if (!this.announced.has(line)) this.opts.onAnswer?.(line);
    this.announced = lines;
  }

  private async syncOnce(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    let retry = false;
    try {
      if (!this.serviceInformer.hasSynced() || !this.sliceInformer.hasSynced()) return;
      const services = this.serviceInformer.list();
      const since = this.firstEventAt;
      this.firstEventAt = undefined;
      const result = await this.plane.apply(services, this.sliceInformer.list());
      if (since !== undefined && result.commands.length) proxySyncDuration.observe((performance.now() - since) / 1000);
      this.lastStatuses = result.plan.statuses;
      this.announce();
      retry = result.pending;
      const byKey = new Map(services.map((s) => [objectKey(s), s]));
      for (const want of result.plan.statuses) {
        const svc = byKey.get(`${want.namespace}/${want.name}`);
        const patch = svc && statusPatch(svc, want, new Date());
        if (!patch) continue;
        try {
          await this.services.patchStatus(want.name, patch, want.namespace, PROXY_FIELD_MANAGER);
        } catch (err) {
          retry = true;
          log.debug({ key: `${want.namespace}/${want.name}`, err: errorMessage(err) }, 'status write failed; retrying');
        }
      }
    } catch (err) {
      retry = true;
      log.warn({ err: errorMessage(err) }, 'data plane sync failed; retrying');
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      this.trigger();
    } else if (retry && !this.stopped) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.trigger(), this.opts.retryMs ?? 500);
      this.retryTimer.unref();
    }
  }
}
