import { isIP } from 'node:net';
import type { Condition, Node, NodeAddress, NodeStatus } from '../../api/types.js';
import { formatCpu, formatMemory } from '../../api/quantity.js';
import type { HostInfo } from '../../runtime/runtime.js';
import { bytes, DEFAULT_MAX_TASKS, milliCpu, type Resources } from '../scheduler/scheduling.js';
import { setCondition } from '../conditions.js';

// A Node's status from what the node controller observed, pure. An engine that stops answering
// keeps its Node Ready for a grace period (a blip is not a lost Node); after it, Ready turns
// Unknown with the reason. Capacity and Docker facts are kept from the last contact.

export interface EngineObservation {
  /** Set when the engine answered. */
  info?: HostInfo;
  error?: string;
  /** When the engine last answered (ms since epoch), this time or earlier. */
  lastContact?: number;
}

export interface NodeStatusInput {
  node: Node;
  observed: EngineObservation;
  allocated: Resources & { tasks: number };
  now: Date;
  gracePeriodMs: number;
}

export const DEFAULT_GRACE_PERIOD_MS = 40_000;

/** Where published ports and probes reach a Node. */
export function nodeAddress(node: Node): string {
  if (node.spec.address) return node.spec.address;
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+)/.exec(node.spec.dockerHost);
  return m ? m[1].replace(/^\[(.*)\]$/, '$1') : '127.0.0.1';
}

/** The Node's address as a Kubernetes Node reports it (status.addresses; the ADDRESS column). */
export function nodeAddresses(node: Node): NodeAddress[] {
  const address = nodeAddress(node);
  return [{ type: isIP(address) ? 'InternalIP' : 'InternalDNS', address }];
}

export function nodeStatus({ node, observed, allocated, now, gracePeriodMs }: NodeStatusInput): NodeStatus {
  const status: NodeStatus = structuredClone(node.status ?? {});
  status.observedGeneration = node.metadata.generation;
  status.addresses = nodeAddresses(node);
  const { info } = observed;
  if (info) {
    status.capacity = capacity(info, node);
    status.allocatable = subtractReserved(status.capacity, node);
    status.nodeInfo = { dockerVersion: info.dockerVersion, operatingSystem: info.operatingSystem, kernelVersion: info.kernelVersion, architecture: info.architecture };
  } else if (status.capacity) {
    // A changed reservation or maxTasks shows even while the engine is away.
    status.capacity = { ...status.capacity, tasks: node.spec.maxTasks ?? DEFAULT_MAX_TASKS };
    status.allocatable = subtractReserved(status.capacity, node);
  }
  status.allocated = { cpu: formatCpu(allocated.milliCpu / 1000), memory: formatMemory(allocated.memory) };
  status.taskCount = allocated.tasks;
  const ready = readyCondition(node, observed, now, gracePeriodMs);
  if (ready) status.conditions = setCondition(status.conditions, ready, now);
  return status;
}

function readyCondition(node: Node, o: EngineObservation, now: Date, graceMs: number): Omit<Condition, 'lastTransitionTime'> | undefined {
  const prev = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (o.info) {
    return { type: 'Ready', status: 'True', reason: 'EngineReachable', message: `Docker ${o.info.dockerVersion} at ${node.spec.dockerHost} answers`, lastHeartbeatTime: now.toISOString() };
  }
  const since = o.lastContact ?? (Date.parse(node.metadata.creationTimestamp ?? '') || now.getTime());
  const silentMs = now.getTime() - since;
  if (silentMs < graceMs && prev) return undefined; // within the grace period: unchanged
  const error = o.error ?? 'no answer';
  if (silentMs < graceMs) return { type: 'Ready', status: 'Unknown', reason: 'EngineNotContacted', message: `waiting for the Docker engine at ${node.spec.dockerHost}: ${error}` };
  return {
    type: 'Ready',
    status: 'Unknown',
    reason: 'EngineUnreachable',
    message: `the Docker engine at ${node.spec.dockerHost} has not answered for ${Math.round(silentMs / 1000)}s (grace period ${Math.round(graceMs / 1000)}s): ${error}`,
    lastHeartbeatTime: prev?.lastHeartbeatTime,
  };
}

function capacity(info: HostInfo, node: Node): NonNullable<NodeStatus['capacity']> {
  return { cpu: formatCpu(info.ncpu), memory: formatMemory(info.memoryBytes), tasks: node.spec.maxTasks ?? DEFAULT_MAX_TASKS };
}

function subtractReserved(capacity: NonNullable<NodeStatus['capacity']>, node: Node): NodeStatus['allocatable'] {
  const r = node.spec.reserved;
  if (!r) return { ...capacity };
  const cpu = Math.max(0, (milliCpu(capacity.cpu) ?? 0) - (milliCpu(r.cpu) ?? 0));
  const mem = Math.max(0, (bytes(capacity.memory) ?? 0) - (bytes(r.memory) ?? 0));
  return { cpu: formatCpu(cpu / 1000), memory: formatMemory(mem), tasks: capacity.tasks };
}

/** Whether a status write is due: something changed, or the status heartbeat is older than reportMs. */
export function statusWriteDue(prev: NodeStatus | undefined, next: NodeStatus, now: Date, reportMs: number): boolean {
  const strip = (s: NodeStatus | undefined) => JSON.stringify({ ...s, conditions: s?.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })) });
  if (strip(prev) !== strip(next)) return true;
  const ready = next.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return false;
  const lastBeat = Date.parse(prev?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime ?? '') || 0;
  return now.getTime() - lastBeat >= reportMs;
}
