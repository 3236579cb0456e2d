import type { Node, NodeStatus } from '../../api/types.js';
import { formatCpu, formatMemory } from '../../api/quantity.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { errorMessage } from '../../util/errors.js';
import { loggerFor } from '../../util/logger.js';
import { setCondition } from '../task/conditions.js';
import type { ReconcileResult } from '../controller.js';
import type { NodeEntry, NodeRegistry } from './node-registry.js';
import { OrphanTracker } from './orphans.js';
import { LABELS } from '../../api/types.js';
import { forgetNode, setNodeReady } from '../../metrics/controllers.js';

// Node → Docker host: connection, capacity, Docker/OS info, task count and the Ready condition.
// Status is written only when something a user would see changes (or the heartbeat is stale).

const log = loggerFor('controller.node');

export interface NodeControllerDeps {
  nodes: ResourceClient<Node>;
  informer: Informer<Node>;
  registry: NodeRegistry;
  taskCount(node: string): number;
  /** Whether a Task with this uid exists (orphaned containers are removed after orphanGraceMs). */
  taskExists?(uid: string): boolean;
  orphanGraceMs?: number;
  onReadyChange?(node: string, ready: boolean): void;
  now?: () => Date;
  periodMs?: number;
  heartbeatMs?: number;
}

export function statusChanged(a: NodeStatus | undefined, b: NodeStatus): boolean {
  const strip = (s: NodeStatus | undefined) =>
    JSON.stringify({ ...s, conditions: s?.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })) });
  return strip(a) !== strip(b);
}

export class NodeReconciler {
  private readonly orphans = new Map<string, OrphanTracker>();

  constructor(private readonly deps: NodeControllerDeps) {}

  private async collectOrphans(key: string, entry: NodeEntry, now: Date): Promise<void> {
    if (!this.deps.taskExists) return;
    const tracker = this.orphans.get(key) ?? new OrphanTracker(this.deps.orphanGraceMs ?? 60_000);
    this.orphans.set(key, tracker);
    // Only this Node's containers: several Node objects may share one engine.
    const containers = await entry.runtime.list({ [LABELS.managed]: 'true', [LABELS.node]: key });
    for (const c of tracker.orphans(containers, this.deps.taskExists, now.getTime())) {
      log.info({ key, container: c.id.slice(0, 12), task: `${c.labels[LABELS.namespace]}/${c.labels[LABELS.name]}` }, 'removing a container whose Task is gone');
      await entry.runtime.remove(c.id);
    }
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const node = this.deps.informer.get(key);
    const period = this.deps.periodMs ?? 10_000;
    if (!node) {
      this.deps.registry.remove(key);
      forgetNode(key);
      return {};
    }
    const now = (this.deps.now ?? (() => new Date()))();
    const entry = this.deps.registry.ensure(node);
    const status: NodeStatus = structuredClone(node.status ?? {});
    status.observedGeneration = node.metadata.generation;
    let ready: boolean;
    let message: string;
    try {
      await entry.runtime.ping();
      const info = await entry.runtime.info();
      status.capacity = { cpu: formatCpu(info.ncpu), memory: formatMemory(info.memoryBytes), tasks: 110 };
      status.allocatable = { ...status.capacity };
      status.nodeInfo = { dockerVersion: info.dockerVersion, operatingSystem: info.operatingSystem, kernelVersion: info.kernelVersion, architecture: info.architecture };
      ready = true;
      message = `Docker ${info.dockerVersion} at ${node.spec.dockerHost} answers`;
      await this.collectOrphans(key, entry, now);
    } catch (err) {
      ready = false;
      message = errorMessage(err);
    }
    status.taskCount = this.deps.taskCount(key);
    status.conditions = setCondition(
      status.conditions,
      { type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'EngineReachable' : 'EngineUnreachable', message, lastHeartbeatTime: now.toISOString() },
      now,
    );
    const lastBeat = Date.parse(node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime ?? '') || 0;
    if (statusChanged(node.status, status) || now.getTime() - lastBeat >= (this.deps.heartbeatMs ?? 60_000)) {
      await this.deps.nodes.replaceStatus({ ...node, status });
    }
    setNodeReady(key, ready);
    if (entry.ready !== ready) {
      entry.ready = ready;
      log.info({ key, ready, message }, 'node readiness changed');
      this.deps.onReadyChange?.(key, ready);
    }
    return { requeueAfterMs: period };
  }
}
