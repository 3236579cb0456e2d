import type { Node, NodeUsage, Task } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { objectKey } from '../../client/resource-client.js';
import type { ContainerUsage, HostInfo } from '../../runtime/runtime.js';
import { nodeUsage } from './usage.js';
import { DEFAULT_USAGE_STATS_PER_SECOND, INFO_MAX_AGE_MS, isDue, leaseRenewDue, orphanSweepIntervalMs, usagePeriodMs, VOLUME_SWEEP_EVERY } from './periodic.js';
import { withDeadline } from '../../util/deadline.js';
import { errorMessage, isOkubeError, OkubeError } from '../../util/errors.js';
import { loggerFor } from '../../util/logger.js';
import type { ReconcileResult } from '../controller.js';
import type { Resources } from '../scheduler/scheduling.js';
import type { NodeEntry, NodeRegistry } from './node-registry.js';
import { OrphanTracker, OrphanVolumeTracker } from './orphans.js';
import { ofThisCluster } from '../cluster-scope.js';
import { LABELS, VOLUME_TASK_LABEL } from '../../api/types.js';
import { forgetNode, recordNodeUsage, setNodeReady } from '../../metrics/controllers.js';
import { DEFAULT_GRACE_PERIOD_MS, nodeStatus, statusWriteDue } from './node-status.js';
import type { NodeLeases } from './node-lease.js';
import { isFinished } from '../../api/task-phase.js';
import { dueEvictions, evictionTimeoutMs } from './eviction.js';
import type { TaskEvictor } from './task-evictor.js';
import type { SecretTls } from './tls-secret.js';

// Node → Docker host: connection, capacity, Docker/OS info, allocation, the Ready condition
// and a Lease heartbeat. Status is written only when something a user would see changes (or
// the status heartbeat is older than statusReportMs). A Node whose engine stays silent past the
// grace period turns Ready=Unknown; its Tasks are moved elsewhere after their eviction timeout.
// On a Ready Node, containers no Task owns here any more (orphans, and stale copies of Tasks
// that were moved away while the Node was lost) are removed.

const log = loggerFor('controller.node');

/** The least an engine is given to answer a heartbeat, however little grace is left. */
const MIN_PING_DEADLINE_MS = 1000;

/** How often a Node's usage figures are read by default. */
export const DEFAULT_USAGE_PERIOD_MS = 30_000;

export interface NodeControllerDeps {
  nodes: ResourceClient<Node>;
  informer: Informer<Node>;
  registry: NodeRegistry;
  /** What the Tasks bound here request, and how many hold resources. */
  allocated(node: string): Resources & { tasks: number };
  /** Tasks bound to the Node. */
  tasksOn(node: string): Task[];
  /** The Task with this uid, if it exists. */
  taskByUid?(uid: string): Task | undefined;
  evictor?: TaskEvictor;
  leases?: NodeLeases;
  /** Reads TLS material for Nodes whose spec.tls names a Secret. */
  secrets?: SecretTls;
  orphanGraceMs?: number;
  /** How long an engine may stay silent before its Node is not Ready (default 40 s). */
  gracePeriodMs?: number;
  /** Eviction timeout for Tasks without spec.evictionTimeoutSeconds (default 300 s). */
  evictionTimeoutMs?: number;
  onReadyChange?(node: string, ready: boolean): void;
  now?: () => Date;
  periodMs?: number;
  /** Rewrite an unchanged status at least this often (kubelet's nodeStatusReportFrequency). */
  statusReportMs?: number;
  /** Read the engine's usage figures this often (default 30 s; 0: never). */
  usagePeriodMs?: number;
  /**
   * Stats calls per second across all Nodes (default 20; 0: no budget): with more running
   * containers than this many per usage period, every Node's period stretches to fit.
   */
  usageStatsPerSecond?: number;
}

/** The engine's last container list (NodeEntry.listed) when it was answered less than `maxAgeMs` before `now`. */
function freshList(entry: NodeEntry, now: Date, maxAgeMs: number): NodeEntry['listed'] {
  const age = entry.listed ? now.getTime() - entry.listed.at : Infinity;
  return age >= 0 && age < maxAgeMs ? entry.listed : undefined;
}

export class NodeReconciler {
  private readonly orphans = new Map<string, OrphanTracker>();
  private readonly orphanVolumes = new Map<string, OrphanVolumeTracker>();
  private readonly lastContact = new Map<string, number>();
  /** Per Node: the last readings of its containers' counters, and the figures from them. */
  private readonly readings = new Map<string, { at: number; byId: Map<string, ContainerUsage>; usage: NodeUsage }>();
  /** Per Node: when its orphans were last swept, and its volumes. */
  private readonly lastSweep = new Map<string, number>();
  private readonly lastVolumeSweep = new Map<string, number>();
  /** Per Node: the contact time its Lease carries since the last renewal from this process. */
  private readonly lastRenewed = new Map<string, number>();
  /** Per Node: the engine's info and when it was read (reused while the engine answers pings). */
  private readonly infos = new Map<string, { at: number; info: HostInfo }>();
  /** Node and other cluster pairs already reported (noteForeign). */
  private readonly foreignNoted = new Set<string>();

  constructor(private readonly deps: NodeControllerDeps) {}

  private async collectOrphans(key: string, entry: NodeEntry, now: Date, periodMs: number, sweepEveryMs: number): Promise<void> {
    const byUid = this.deps.taskByUid;
    if (!byUid) return;
    const graceMs = this.deps.orphanGraceMs ?? 60_000;
    const tracker = this.orphans.get(key) ?? new OrphanTracker(graceMs);
    this.orphans.set(key, tracker);
    // Only this Node's containers: several Node objects may share one engine. Ids and labels are
    // all the tracker reads, so no inspect per container (100 Nodes × 100 containers every period
    // were 1,000 inspects a second on an idle cluster).
    // A list of the engine's okube containers made within the orphan grace or a period (the
    // relist) serves as well: a container created since is not in it, one removed since is gone
    // already, and ownership is decided now, from the Tasks.
    const listed = freshList(entry, now, Math.max(graceMs, periodMs));
    // Another cluster's containers on a shared engine may carry the same Node name: never ours to sweep.
    const all = listed ? listed.containers.filter((c) => c.labels[LABELS.node] === key) : await entry.runtime.list({ [LABELS.managed]: 'true', [LABELS.node]: key }, { details: false });
    const containers = all.filter((c) => ofThisCluster(c.labels, entry.cluster));
    if (containers.length < all.length) this.noteForeign(key, all.filter((c) => !ofThisCluster(c.labels, entry.cluster)));
    const owned = (uid: string) => byUid(uid)?.spec.nodeName === key;
    for (const c of tracker.orphans(containers, (c) => owned(c.labels[LABELS.taskUid]), now.getTime())) {
      const task = byUid(c.labels[LABELS.taskUid]);
      log.info({ key, container: c.id.slice(0, 12), task: `${c.labels[LABELS.namespace]}/${c.labels[LABELS.name]}`, movedTo: task?.spec.nodeName }, task ? 'removing a stale container of a Task that moved to another Node' : 'removing a container whose Task is gone');
      await entry.runtime.remove(c.id);
    }
    const volumes = this.orphanVolumes.get(key);
    if (volumes?.watching || isDue(this.lastVolumeSweep.get(key), now.getTime(), sweepEveryMs * VOLUME_SWEEP_EVERY)) {
      this.lastVolumeSweep.set(key, now.getTime());
      await this.collectOrphanVolumes(key, entry, owned, now);
    }
  }

  /**
   * Says once per other cluster that its containers carry this Node's name on the engine and are
   * left alone — also what remains of a cluster whose data was deleted, which only the user can
   * tell from a live one — and how to remove them.
   */
  private noteForeign(key: string, foreign: Array<{ labels: Record<string, string> }>): void {
    const counts = new Map<string, number>();
    for (const c of foreign) counts.set(c.labels[LABELS.cluster], (counts.get(c.labels[LABELS.cluster]) ?? 0) + 1);
    for (const [cluster, n] of counts) {
      const seen = `${key}\u0000${cluster}`;
      if (this.foreignNoted.has(seen)) continue;
      this.foreignNoted.add(seen);
      log.warn({ key, cluster, containers: n, remove: `docker rm -f $(docker ps -aq --filter label=${LABELS.cluster}=${cluster})` }, `${n} container(s) of another okube cluster carry this Node's name on its engine; left alone (remove them with the command in "remove" if that cluster is gone)`);
    }
  }

  /** A Task's own volumes and config-volume holder left here by a Task that moved or is gone. */
  private async collectOrphanVolumes(key: string, entry: NodeEntry, owned: (uid: string) => boolean, now: Date): Promise<void> {
    const tracker = this.orphanVolumes.get(key) ?? new OrphanVolumeTracker(this.deps.orphanGraceMs ?? 60_000);
    this.orphanVolumes.set(key, tracker);
    const volumes = (await entry.runtime.listVolumes({ [LABELS.node]: key })).filter((v) => ofThisCluster(v.labels, entry.cluster));
    for (const uid of tracker.due(volumes, owned, now.getTime())) {
      try {
        await removeTaskVolumes(entry, key, uid);
        log.info({ key, taskUid: uid }, 'removed the volumes of a Task that is gone from this Node');
      } catch (err) {
        // Still in use by a container that goes next period: try again then.
        log.debug({ key, taskUid: uid, err: errorMessage(err) }, 'could not remove orphan volumes yet');
      }
    }
  }

  /** The Node's usage figures, read again when the usage period has passed (one-shot stats per container). */
  private async usage(key: string, entry: NodeEntry, node: Node, now: Date, deadlineMs: number, onError: (err: unknown) => void): Promise<NodeUsage | undefined> {
    const last = this.readings.get(key);
    let running = 0;
    for (const r of this.readings.values()) running += r.usage.runningContainers;
    const period = usagePeriodMs(this.deps.usagePeriodMs ?? DEFAULT_USAGE_PERIOD_MS, this.deps.usageStatsPerSecond ?? DEFAULT_USAGE_STATS_PER_SECOND, running);
    if (period <= 0 || (last && now.getTime() - last.at < period)) return last?.usage;
    try {
      const cur = (await withDeadline(entry.runtime.usage({ [LABELS.managed]: 'true', [LABELS.node]: key }), deadlineMs, `stats of docker engine ${node.spec.dockerHost}`)).filter((c) => ofThisCluster(c.labels, entry.cluster));
      const usage = nodeUsage(last?.byId ?? new Map(), cur, now);
      this.readings.set(key, { at: now.getTime(), byId: new Map(cur.map((c) => [c.id, c])), usage });
      return usage;
    } catch (err) {
      onError(err);
      log.warn({ key, err: errorMessage(err) }, 'could not read usage figures');
      return last?.usage;
    }
  }

  /** When the engine last answered: this process's memory, else the Lease (a restarted controller). */
  private async lastContactOf(key: string): Promise<number | undefined> {
    let t = this.lastContact.get(key);
    if (t === undefined && this.deps.leases) {
      t = await this.deps.leases.lastRenewed(key).catch(() => undefined);
      if (t !== undefined) this.lastContact.set(key, t);
    }
    return t;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const node = this.deps.informer.get(key);
    const period = this.deps.periodMs ?? 10_000;
    const grace = this.deps.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
    if (!node) {
      await this.releaseDeletedNode(key);
      this.deps.registry.remove(key);
      await this.deps.leases?.forget(key).catch((err) => log.warn({ key, err: errorMessage(err) }, 'could not delete the node lease'));
      this.lastContact.delete(key);
      this.orphans.delete(key);
      this.orphanVolumes.delete(key);
      this.readings.delete(key);
      this.lastSweep.delete(key);
      this.lastVolumeSweep.delete(key);
      this.lastRenewed.delete(key);
      this.infos.delete(key);
      recordNodeUsage(key, undefined);
      forgetNode(key);
      return {};
    }
    const now = (this.deps.now ?? (() => new Date()))();
    let info: HostInfo | undefined;
    let error: string | undefined;
    /** When the engine last answered, if it answered this heartbeat: now, or a fresh list's time. */
    let contactAt = now.getTime();
    let secret;
    try {
      secret = await this.deps.secrets?.resolve(node);
    } catch (err) {
      error = errorMessage(err);
    }
    // A Secret that cannot be read now keeps the connection built from the last good copy.
    const entry = error ? (this.deps.registry.get(key) ?? this.deps.registry.ensure(node)) : this.deps.registry.ensure(node, secret);
    try {
      if (error) throw new OkubeError('ConfigError', error);
      // An engine behind a cut link never answers (TCP retries for minutes): wait no longer than
      // what is left of the grace period, so the Node turns Ready=Unknown when the grace ends.
      const known = this.lastContact.get(key);
      const deadline = Math.max(MIN_PING_DEADLINE_MS, known !== undefined ? known + grace - now.getTime() : grace);
      const cached = this.infos.get(key);
      const readInfo = !cached || isDue(cached.at, now.getTime(), INFO_MAX_AGE_MS);
      const listedAt = freshList(entry, now, period)?.at;
      if (listedAt !== undefined && !readInfo) {
        // The engine answered a list of its containers within the period (the Task controller's
        // relist): that is the contact, as old as that answer; a ping would only ask again.
        info = cached.info;
        contactAt = listedAt;
      } else {
        await withDeadline((async () => {
          await entry.runtime.ping();
          info = readInfo ? await entry.runtime.info() : cached.info;
        })(), deadline, `docker engine ${node.spec.dockerHost}`);
      }
      if (readInfo) this.infos.set(key, { at: now.getTime(), info: info! });
      this.lastContact.set(key, contactAt);
    } catch (err) {
      error = errorMessage(err);
      this.infos.delete(key);
    }
    // What follows the heartbeat (usage figures, the orphan sweep) talks to the same engine: it
    // gets what is left of the grace the Node's status counts (from `now`, the contact time it
    // records), and a call that runs out of it brings the next heartbeat forward, so a link cut
    // mid-sweep turns the Node Ready=Unknown when the grace ends, not a heartbeat period later or
    // when the client's 30 s idle timeout fires.
    const graceEnd = contactAt + grace;
    const graceLeft = () => Math.max(MIN_PING_DEADLINE_MS, graceEnd - Date.now());
    let unanswered = false;
    const noteTimeout = (err: unknown) => {
      if (isOkubeError(err, 'Unavailable')) unanswered = true;
    };
    if (info && this.deps.leases && leaseRenewDue(this.lastRenewed.get(key), contactAt, period, grace)) {
      try {
        await this.deps.leases.renew(key, new Date(contactAt), grace / 1000);
        this.lastRenewed.set(key, contactAt);
      } catch (err) {
        this.lastRenewed.delete(key);
        log.warn({ key, err: errorMessage(err) }, 'could not renew the node lease');
      }
    }
    const lastContact = info ? contactAt : await this.lastContactOf(key);
    const status = nodeStatus({ node, observed: { info, error, lastContact }, allocated: this.deps.allocated(key), now, gracePeriodMs: grace });
    if (info && status.conditions?.find((c) => c.type === 'Ready')?.status === 'True') {
      const usage = await this.usage(key, entry, node, now, graceLeft(), noteTimeout);
      if (usage) status.usage = usage;
    } else this.readings.delete(key);
    recordNodeUsage(key, status.usage);
    if (statusWriteDue(node.status, status, now, this.deps.statusReportMs ?? 5 * 60_000)) {
      await this.deps.nodes.replaceStatus({ ...node, status });
    }
    const readyCond = status.conditions?.find((c) => c.type === 'Ready');
    const ready = readyCond?.status === 'True';
    setNodeReady(key, ready);
    if (entry.ready !== ready) {
      entry.ready = ready;
      log.info({ key, ready, reason: readyCond?.reason, message: readyCond?.message }, 'node readiness changed');
      // Calls still waiting on the silent engine (a Task reconcile's container list) would hold
      // their Tasks until the client's idle timeout: they fail now, and the Tasks are marked
      // NodeNotReady on their next pass (task/node-not-ready.ts).
      if (!ready && readyCond?.reason === 'EngineUnreachable') entry.runtime.dropConnections?.();
      this.deps.onReadyChange?.(key, ready);
    }

    const sweepEvery = orphanSweepIntervalMs(period, this.deps.orphanGraceMs ?? 60_000);
    if (info && ready && isDue(this.lastSweep.get(key), now.getTime(), sweepEvery)) {
      try {
        this.lastSweep.set(key, now.getTime());
        await withDeadline(this.collectOrphans(key, entry, now, period, sweepEvery), graceLeft(), `orphan sweep on docker engine ${node.spec.dockerHost}`);
      } catch (err) {
        // The next heartbeat says whether the engine is gone; the sweep runs again when due.
        noteTimeout(err);
        log.warn({ key, err: errorMessage(err) }, 'could not sweep orphan containers');
      }
    }
    // The engine stopped answering after the heartbeat: ping again at once (the ping gets only
    // what is left of the grace), instead of a period later.
    if (info && ready) return { requeueAfterMs: unanswered ? 0 : period };
    if (!info && ready && lastContact !== undefined) {
      // Silent but within the grace period: look again when it ends.
      return { requeueAfterMs: Math.max(0, Math.min(period, lastContact + grace - now.getTime())) };
    }
    if (ready || !readyCond || readyCond.reason !== 'EngineUnreachable') return { requeueAfterMs: period };
    return { requeueAfterMs: await this.evictFromLostNode(key, Date.parse(readyCond.lastTransitionTime), now, period) };
  }

  /** A deleted Node runs nothing any more: its containers go (best effort) and its Tasks move. */
  private async releaseDeletedNode(key: string): Promise<void> {
    const entry = this.deps.registry.get(key);
    // Not ready: the Task controller stops acting here (it would restart what we remove).
    if (entry) entry.ready = false;
    const sweep = async () => {
      if (!entry) return;
      try {
        for (const c of await entry.runtime.list({ [LABELS.managed]: 'true', [LABELS.node]: key })) if (ofThisCluster(c.labels, entry.cluster)) await entry.runtime.remove(c.id);
        // The Tasks' own volumes too (emptyDirs, and config volumes holding Secret files): no sweep
        // of this Node will come for them any more. A claim's volume is the user's data: it stays.
        const volumes = (await entry.runtime.listVolumes({ [LABELS.node]: key })).filter((v) => ofThisCluster(v.labels, entry.cluster));
        for (const uid of new Set(volumes.flatMap((v) => v.labels[VOLUME_TASK_LABEL] ?? []))) await removeTaskVolumes(entry, key, uid);
      } catch (err) {
        log.warn({ key, err: errorMessage(err) }, 'could not remove the containers and volumes of a deleted node');
      }
    };
    await sweep();
    if (this.deps.evictor) {
      for (const t of this.deps.tasksOn(key)) {
        if (isFinished(t) && !t.metadata.deletionTimestamp) continue;
        await this.deps.evictor.evict(t, 'NodeLost', `node ${key} was deleted`);
      }
    }
    // Again: a Task reconcile that was already under way may have started one.
    await sweep();
  }

  /** Moves the Tasks whose eviction timeout has passed; returns when to look again. */
  private async evictFromLostNode(key: string, notReadySince: number, now: Date, period: number): Promise<number> {
    if (!this.deps.evictor) return period;
    const { due, nextInMs } = dueEvictions(this.deps.tasksOn(key), notReadySince, now.getTime(), this.deps.evictionTimeoutMs);
    for (const t of due) {
      const silentS = Math.round((now.getTime() - notReadySince) / 1000);
      log.info({ key, task: objectKey(t) }, 'evicting a Task from a lost node');
      await this.deps.evictor.evict(t, 'NodeLost', `node ${key} has not been Ready for ${silentS}s (evictionTimeoutSeconds ${Math.round(evictionTimeoutMs(t, this.deps.evictionTimeoutMs) / 1000)})`);
    }
    return Math.min(period, nextInMs ?? period);
  }
}

/** A Task's own volumes on a Node, and the holder container of its config volumes (which keeps them in use). */
async function removeTaskVolumes(entry: NodeEntry, key: string, uid: string): Promise<void> {
  for (const c of await entry.runtime.list({ [VOLUME_TASK_LABEL]: uid, [LABELS.node]: key })) await entry.runtime.remove(c.id);
  await entry.runtime.removeVolumes({ [VOLUME_TASK_LABEL]: uid, [LABELS.node]: key });
}
