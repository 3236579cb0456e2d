import type { Node, Task } from '../../api/types.js';
import { objectKey } from '../../client/resource-client.js';
import { refusedHostPorts } from '../../api/host-port-policy.js';
import { allocatableOf, demandOf, holdsResources, nodeIsReady, type Demand, type NodeSnapshot, type Resources } from './scheduling.js';

// What each Node has given out, and how many Tasks of each controller it holds (for spreading),
// kept as running sums so a decision never scans the Tasks (10,000 Tasks over 100 Nodes). Fed by the Task informer, and by the scheduler itself the
// moment it decides ("assume", as kube-scheduler does): otherwise Tasks created together would
// all see the same empty Node until the informer delivers the first bindings.

interface Footprint {
  node: string;
  requests: Resources;
  nonZero: Resources;
  hostPorts: string[];
  /** Controller uid, counted for spreading. */
  owner?: string;
  /** Assumed by the scheduler and not yet seen bound in the informer. */
  assumed: boolean;
  /** resourceVersion of the binding write; informer copies older than this are ignored. */
  rv: number;
}

export interface NodeSums {
  requested: Resources & { tasks: number };
  nonZeroRequested: Resources;
  /** Fixed host port → how many Tasks here publish it. */
  hostPorts: Map<string, number>;
  /** Controller uid → how many of its Tasks are here (for spreading). */
  owners: Map<string, number>;
}

const rvOf = (t: Task) => Number(t.metadata.resourceVersion ?? 0);

function emptySums(): NodeSums {
  return { requested: { milliCpu: 0, memory: 0, tasks: 0 }, nonZeroRequested: { milliCpu: 0, memory: 0 }, hostPorts: new Map(), owners: new Map() };
}

export class AllocationCache {
  private readonly byTask = new Map<string, Footprint>();
  private readonly byNode = new Map<string, NodeSums>();

  /** The informer's copy of a Task (added, modified or resynced). Returns the Node that got room, if any. */
  observe(task: Task): string | undefined {
    const key = objectKey(task);
    const had = this.byTask.get(key);
    if (had?.assumed && rvOf(task) < had.rv) return undefined; // older than our own binding
    if (!holdsResources(task)) return this.drop(key);
    const next: Footprint = { ...footprint(demandOf(task)), node: task.spec.nodeName!, assumed: false, rv: rvOf(task) };
    const freed = had && (had.node !== next.node || had.requests.milliCpu > next.requests.milliCpu || had.requests.memory > next.requests.memory) ? had.node : undefined;
    this.set(key, next);
    return freed;
  }

  /** The Task is gone. Returns the Node that got room, if any. */
  delete(key: string): string | undefined {
    return this.drop(key);
  }

  /** Counts the Task on `node` before the binding write lands. */
  assume(task: Task, node: string): void {
    this.set(objectKey(task), { ...footprint(demandOf(task)), node, assumed: true, rv: Number.MAX_SAFE_INTEGER });
  }

  /** The binding write succeeded at this resourceVersion. */
  bound(key: string, resourceVersion: string | undefined): void {
    const f = this.byTask.get(key);
    if (f?.assumed) f.rv = Number(resourceVersion ?? 0);
  }

  /** The binding write failed: the Task holds nothing until the informer says otherwise. */
  forget(key: string): void {
    if (this.byTask.get(key)?.assumed) this.drop(key);
  }

  isAssumed(key: string): boolean {
    return this.byTask.get(key)?.assumed ?? false;
  }

  sums(node: string): NodeSums {
    return this.byNode.get(node) ?? emptySums();
  }

  snapshot(node: Node): NodeSnapshot {
    const s = this.sums(node.metadata.name!);
    return {
      name: node.metadata.name!,
      ready: nodeIsReady(node),
      unschedulable: node.spec.unschedulable ?? false,
      labels: node.metadata.labels ?? {},
      allocatable: allocatableOf(node),
      requested: s.requested,
      nonZeroRequested: s.nonZeroRequested,
      hostPortInUse: (p) => s.hostPorts.has(p),
      hostPortAllowed: (p) => refusedHostPorts({ ports: [{ containerPort: 1, hostPort: p }] }, node.spec).length === 0,
      ownerCount: (uid) => s.owners.get(uid) ?? 0,
      allowedHostPaths: node.spec.allowedHostPaths,
    };
  }

  private set(key: string, f: Footprint): void {
    this.drop(key);
    this.byTask.set(key, f);
    let s = this.byNode.get(f.node);
    if (!s) this.byNode.set(f.node, (s = emptySums()));
    add(s, f, 1);
  }

  private drop(key: string): string | undefined {
    const f = this.byTask.get(key);
    if (!f) return undefined;
    this.byTask.delete(key);
    const s = this.byNode.get(f.node)!;
    add(s, f, -1);
    if (s.requested.tasks === 0) this.byNode.delete(f.node);
    return f.node;
  }
}

function footprint(d: Demand): Pick<Footprint, 'requests' | 'nonZero' | 'hostPorts' | 'owner'> {
  return { requests: d.requests, nonZero: d.nonZero, hostPorts: d.hostPorts, owner: d.owner };
}

function add(s: NodeSums, f: Footprint, sign: 1 | -1): void {
  for (const p of f.hostPorts) {
    const n = (s.hostPorts.get(p) ?? 0) + sign;
    if (n > 0) s.hostPorts.set(p, n);
    else s.hostPorts.delete(p);
  }
  if (f.owner !== undefined) {
    const n = (s.owners.get(f.owner) ?? 0) + sign;
    if (n > 0) s.owners.set(f.owner, n);
    else s.owners.delete(f.owner);
  }
  s.requested.tasks += sign;
  s.requested.milliCpu += sign * f.requests.milliCpu;
  s.requested.memory += sign * f.requests.memory;
  s.nonZeroRequested.milliCpu += sign * f.nonZero.milliCpu;
  s.nonZeroRequested.memory += sign * f.nonZero.memory;
}
