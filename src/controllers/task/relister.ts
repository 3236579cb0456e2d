import { LABELS } from '../../api/types.js';
import type { Runtime, RuntimeEvent } from '../../runtime/runtime.js';
import { withDeadline } from '../../util/deadline.js';
import { errorMessage } from '../../util/errors.js';
import { loggerFor } from '../../util/logger.js';
import type { NodeEntry } from '../node/node-registry.js';
import { applyEvent, changedTasks, snapshotOf, type ContainerSnapshot } from './relist.js';
import { ofThisCluster } from '../cluster-scope.js';

// Relists every Node's okube containers each period and reconciles the Tasks whose containers
// changed (relist.ts decides which). This, with the Docker events stream and the Node's Ready
// changes, replaces re-reconciling every Task on each informer resync: idle cost one summary
// list per Node per period, however many Tasks there are.
//
// The events stream says what changes; the relist is only the net for what it missed. The one
// known gap — a lost stream, e.g. an engine restart, whose own memory of events starts over — is
// covered at once by relistNode on the stream's RECONNECTED event, so the period can be long, as
// the kubelet's evented PLEG relists every 5 min. A list of 100 containers costs the engine a
// lock of each (and the controllers ~1.6 ms of CPU, a ping ~0.4 ms); between relists the Node's
// heartbeat pings.

export const DEFAULT_RELIST_PERIOD_MS = 60_000;

/** The most one Node's list may take: an engine behind a cut link must not hold a worker for long. */
const LIST_DEADLINE_MS = 10_000;

export interface RelisterDeps {
  nodes: () => Array<Pick<NodeEntry, 'name' | 'runtime' | 'listed'>>;
  enqueue: (taskKey: string) => void;
  periodMs?: number;
  /** Lists at once across Nodes. */
  concurrency?: number;
}

export class ContainerRelister {
  private readonly log = loggerFor('controller.task.relist');
  /** Per Node: the runtime listed (a new one after a reconnect starts over) and what it held. */
  private readonly snapshots = new Map<string, { runtime: Runtime; snapshot: ContainerSnapshot }>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** Relists under way by Node, so that a reconnect during a periodic relist (or a burst of them) lists once. */
  private readonly underWay = new Map<string, Promise<string[]>>();

  constructor(private readonly deps: RelisterDeps) {}

  start(): void {
    const period = this.deps.periodMs ?? DEFAULT_RELIST_PERIOD_MS;
    if (period <= 0) return;
    this.timer = setInterval(() => {
      // A relist still under way (a slow engine) is not doubled.
      this.running ??= this.relistAll().then(
        () => undefined,
        () => undefined,
      ).finally(() => (this.running = undefined));
    }, period);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await Promise.all(this.underWay.values());
  }

  /** Relists one Node now (its events stream was lost: what happened meanwhile may be missing). */
  relistNode(name: string): Promise<string[]> {
    const node = this.deps.nodes().find((n) => n.name === name);
    return node ? this.relistOnce(node) : Promise.resolve([]);
  }

  /** The Node's relist under way, or a new one. */
  private relistOnce(node: Pick<NodeEntry, 'name' | 'runtime' | 'listed'>): Promise<string[]> {
    const pending = this.underWay.get(node.name);
    if (pending) return pending;
    const p = this.relist(node).finally(() => this.underWay.delete(node.name));
    this.underWay.set(node.name, p);
    return p;
  }

  /** A container event of a Node (already reconciled for): the next relist compares against it. */
  observe(node: string, ev: RuntimeEvent): void {
    const last = this.snapshots.get(node);
    if (last) applyEvent(last.snapshot, ev);
  }

  /** One relist of every Node; returns the Task keys it enqueued. */
  async relistAll(): Promise<string[]> {
    const nodes = this.deps.nodes();
    for (const name of this.snapshots.keys()) if (!nodes.some((n) => n.name === name)) this.snapshots.delete(name);
    const enqueued: string[] = [];
    const queue = [...nodes];
    const worker = async () => {
      for (let n = queue.shift(); n; n = queue.shift()) enqueued.push(...(await this.relistOnce(n)));
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.concurrency ?? 4, queue.length) }, worker));
    return enqueued;
  }

  private async relist(node: Pick<NodeEntry, 'name' | 'runtime' | 'listed' | 'cluster'>): Promise<string[]> {
    let snapshot: ContainerSnapshot;
    try {
      // An engine behind a cut link would hold its worker for the client's idle timeout (30 s),
      // and the other Nodes' relists with it (the heartbeat sees the loss).
      const containers = await withDeadline(node.runtime.list({ [LABELS.managed]: 'true' }, { details: false }), Math.min(this.deps.periodMs || LIST_DEADLINE_MS, LIST_DEADLINE_MS), `relist of node ${node.name}`);
      // The Node controller's heartbeat and orphan sweep use the same answer instead of asking again.
      node.listed = { at: Date.now(), containers };
      // Another cluster's containers on a shared engine wake none of this cluster's Tasks.
      snapshot = snapshotOf(containers.filter((c) => ofThisCluster(c.labels, node.cluster)));
    } catch (err) {
      // An engine that does not answer keeps its last snapshot: what changed meanwhile shows on the next relist that works.
      this.log.debug({ node: node.name, err: errorMessage(err) }, 'relist failed');
      return [];
    }
    const last = this.snapshots.get(node.name);
    this.snapshots.set(node.name, { runtime: node.runtime, snapshot });
    const keys = changedTasks(last?.runtime === node.runtime ? last.snapshot : undefined, snapshot);
    for (const key of keys) {
      this.log.debug({ key, node: node.name }, 'container changed without an event; reconciling');
      this.deps.enqueue(key);
    }
    return keys;
  }
}
