import { LABELS, type Task } from '../../src/api/types.js';
import type { ResourceClient } from '../../src/client/resource-client.js';
import { specHash } from '../../src/controllers/task/container-spec.js';
import type { ContainerInfo, Runtime } from '../../src/runtime/runtime.js';
import { eventually } from './wait.js';

// The invariants every chaos scenario ends with, checked against the real API and the real
// Docker engines (never against the controllers' own view):
//   - no acknowledged object is lost: every create the API answered 2xx is still listed, unless
//     the test deleted it;
//   - one container per Task on at most one Node: at most one container runs, every container
//     of a Task is on the Node the Task is bound to, and no more than `maxContainersPerTask`
//     exist (okube keeps one exited predecessor for `logs --previous`);
//   - no container without its Task;
//   - status matches the containers (when settled): a Running Task's status.containerID is a
//     container that really runs, and a container that runs is the one status names.

export interface InvariantNode {
  name: string;
  runtime: Runtime;
}

export interface InvariantOptions {
  tasks: ResourceClient<Task>;
  namespace: string;
  nodes: InvariantNode[];
  /** Names the API acknowledged with a 2xx create. */
  acknowledged?: Iterable<string>;
  /** Names the test deleted on purpose. */
  deleted?: Iterable<string>;
  /** Containers may come and go (a crash loop in progress): skip the status checks. */
  churning?: boolean;
  /** Every Task must be Running, with the container of its current spec (default false). */
  allRunning?: boolean;
  /** Default 2: the current container and one exited predecessor. */
  maxContainersPerTask?: number;
}

export interface InvariantReport {
  violations: string[];
  tasks: number;
  containers: number;
  running: number;
  restarts: number;
}

interface Placed extends ContainerInfo {
  engine: string;
}

export async function checkInvariants(o: InvariantOptions): Promise<InvariantReport> {
  const violations: string[] = [];
  const tasks = (await o.tasks.list({ namespace: o.namespace })).items;
  const placed: Placed[] = [];
  for (const n of o.nodes) {
    // A busy engine may drop a connection now and then: that is not a violation.
    const listed = await eventually(() => n.runtime.list({ [LABELS.namespace]: o.namespace }), 20_000, 500);
    for (const c of listed) placed.push({ ...c, engine: n.name });
  }

  const byName = new Map(tasks.map((t) => [t.metadata.name!, t]));
  const deleted = new Set(o.deleted ?? []);
  for (const name of o.acknowledged ?? []) {
    if (!deleted.has(name) && !byName.has(name)) violations.push(`${name}: acknowledged create is lost`);
  }

  const byUid = new Map<string, Placed[]>();
  for (const c of placed) {
    const uid = c.labels[LABELS.taskUid] ?? '';
    byUid.set(uid, [...(byUid.get(uid) ?? []), c]);
  }
  const uids = new Set(tasks.map((t) => t.metadata.uid!));
  for (const [uid, cs] of byUid) {
    if (!uids.has(uid)) violations.push(`containers ${cs.map((c) => `${c.name}@${c.engine}`).join(', ')} have no Task (uid ${uid || 'none'})`);
  }

  for (const t of tasks) {
    const name = t.metadata.name!;
    const cs = byUid.get(t.metadata.uid!) ?? [];
    const running = cs.filter((c) => c.running);
    const describe = () => `containers [${cs.map((c) => `${c.id.slice(0, 12)}@${c.engine}:${c.status}`).join(' ')}], status ${JSON.stringify({ phase: t.status?.phase, state: t.status?.state, containerID: t.status?.containerID?.slice(0, 12), scheduled: t.status?.conditions?.find((c) => c.type === 'Scheduled')?.message })}`;
    if (running.length > 1) violations.push(`${name}: ${running.length} containers run: ${describe()}`);
    if (cs.length > (o.maxContainersPerTask ?? 2)) violations.push(`${name}: ${cs.length} containers: ${describe()}`);
    const engines = new Set(cs.map((c) => c.engine));
    if (engines.size > 1) violations.push(`${name}: containers on ${engines.size} Nodes: ${describe()}`);
    for (const c of cs) {
      if (c.engine !== t.spec.nodeName || c.labels[LABELS.node] !== t.spec.nodeName) violations.push(`${name}: container ${c.name} on ${c.engine} (label ${c.labels[LABELS.node]}) but the Task is bound to ${t.spec.nodeName}`);
    }
    if (o.churning) continue;

    const named = cs.find((c) => c.id === t.status?.containerID);
    if (t.status?.phase === 'Running' && t.status.state?.running && !named?.running) {
      violations.push(`${name}: status says Running in ${t.status.containerID?.slice(0, 12)} but that container does not run: ${describe()}`);
    }
    if (running.length === 1 && (t.status?.containerID !== running[0].id || !t.status.state?.running)) {
      violations.push(`${name}: container ${running[0].id.slice(0, 12)} runs but status does not say so: ${describe()}`);
    }
    if (o.allRunning) {
      if (t.status?.phase !== 'Running' || running.length !== 1) violations.push(`${name}: not Running with one running container: ${describe()}`);
      else if (running[0].labels[LABELS.specHash] !== specHash(t)) violations.push(`${name}: the running container is of an old spec`);
      if (t.status?.observedGeneration !== t.metadata.generation) violations.push(`${name}: status.observedGeneration ${t.status?.observedGeneration} != generation ${t.metadata.generation}`);
    }
  }

  return {
    violations,
    tasks: tasks.length,
    containers: placed.length,
    running: placed.filter((c) => c.running).length,
    restarts: tasks.reduce((n, t) => n + (t.status?.restartCount ?? 0), 0),
  };
}

/**
 * Waits until the invariants hold (the system converges after a fault), then returns the report
 * and how long it took; fails with the violations still present after `timeoutMs`.
 */
export async function converge(o: InvariantOptions, timeoutMs = 90_000): Promise<InvariantReport & { ms: number }> {
  const t0 = Date.now();
  let last: InvariantReport | undefined;
  let lastError: unknown;
  while (Date.now() - t0 < timeoutMs) {
    try {
      last = await checkInvariants(o);
      lastError = undefined;
      if (last.violations.length === 0) return { ...last, ms: Date.now() - t0 };
    } catch (err) {
      lastError = err; // an engine or the API still coming back
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const shown = last?.violations.slice(0, 20).join('\n  ') ?? '';
  throw new Error(`invariants did not hold within ${timeoutMs / 1000} s (${last?.violations.length ?? '?'} violations${lastError ? `; last error: ${(lastError as Error).message}` : ''}):\n  ${shown}`);
}
