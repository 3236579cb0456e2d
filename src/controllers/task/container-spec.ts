import { createHash } from 'node:crypto';
import { LABELS, type Task } from '../../api/types.js';
import { cpuToNano, memoryToBytes } from '../../api/quantity.js';
import type { ContainerSpec, Mount, PortBinding } from '../../runtime/runtime.js';
import { placementLabels } from '../cluster-scope.js';
import { securityOf } from './security-context.js';
import { requestLabels } from './requests.js';

// A Task's container: what Docker is asked to run, and the labels by which a restarted
// controller finds (adopts) it instead of creating a second one.

/**
 * Hash of the fields that need a new container when they change: image, command, args, env,
 * ports and limits. Probes, backoff and the like are applied to the running container as is.
 */
export function specHash(task: Task): string {
  const s = task.spec;
  const relevant = {
    image: s.image,
    command: s.command ?? null,
    args: s.args ?? null,
    env: (s.env ?? []).map((e) => [e.name, e.value ?? '']),
    ports: (s.ports ?? []).map((p) => [p.containerPort, p.hostPort ?? 0, p.protocol ?? 'TCP']),
    limits: [s.resources?.limits?.cpu ?? null, s.resources?.limits?.memory ?? null],
    // Added only when set, so containers of Tasks without these fields keep their hash.
    ...configFields(task),
  };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

/** The issue-22 fields (env references, volumes, user, ...) that need a new container when they change. */
function configFields(task: Task): { config?: unknown } {
  const s = task.spec;
  const refs = (s.env ?? []).filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom]);
  const fields = { refs, envFrom: s.envFrom, workingDir: s.workingDir, securityContext: s.securityContext, volumes: s.volumes, volumeMounts: s.volumeMounts };
  const set = refs.length > 0 || Object.entries(fields).some(([k, v]) => k !== 'refs' && v !== undefined);
  return set ? { config: fields } : {};
}

/**
 * Hash of what a container takes from outside the Task's spec when it is created: the resolved
 * environment and mounts (Secret and ConfigMap values, claims' volumes). A container made ahead of
 * its start (the crash-loop's next one) is replaced when this no longer matches.
 */
export function configHash(env: Record<string, string>, mounts: Mount[] | undefined): string {
  const sortedEnv = Object.keys(env).sort().map((k) => [k, env[k]]);
  return createHash('sha256').update(JSON.stringify({ env: sortedEnv, mounts: mounts ?? [] })).digest('hex').slice(0, 16);
}

/** Docker container names must be unique per engine: namespace, name, a uid fragment, restart n. */
export function containerName(task: Task, restartNumber: number): string {
  const uid = (task.metadata.uid ?? '').replace(/-/g, '').slice(0, 8);
  return `okube_${task.metadata.namespace}_${task.metadata.name}_${uid}_${restartNumber}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

export function containerLabels(task: Task, nodeName: string, restartNumber: number, cluster?: string): Record<string, string> {
  return {
    // The Task's own labels, for `docker ps --filter label=…`; okube's below always win.
    ...task.metadata.labels,
    [LABELS.managed]: 'true',
    [LABELS.taskUid]: task.metadata.uid!,
    [LABELS.namespace]: task.metadata.namespace!,
    [LABELS.name]: task.metadata.name!,
    [LABELS.specHash]: specHash(task),
    [LABELS.restart]: String(restartNumber),
    ...placementLabels(nodeName, cluster),
    ...requestLabels(task),
  };
}

/**
 * Ports with hostPort 0 get the allocated ones, in declaration order. `env` is the resolved
 * environment (env-from.ts; the literal env when absent), `mounts` the resolved volumes (volumes.ts).
 */
export function buildContainerSpec(task: Task, opts: { nodeName: string; cluster?: string; address: string; restartNumber: number; allocatedPorts?: number[]; env?: Record<string, string>; mounts?: Mount[] }): ContainerSpec {
  const allocated = [...(opts.allocatedPorts ?? [])];
  const ports: PortBinding[] = (task.spec.ports ?? []).map((p) => ({
    containerPort: p.containerPort,
    hostPort: p.hostPort || allocated.shift() || 0,
    protocol: p.protocol ?? 'TCP',
    hostIP: opts.address,
  }));
  const env = opts.env ?? Object.fromEntries((task.spec.env ?? []).map((e) => [e.name, e.value ?? '']));
  return {
    name: containerName(task, opts.restartNumber),
    hostname: taskHostname(task.metadata.name!),
    image: task.spec.image,
    command: task.spec.command,
    args: task.spec.args,
    env,
    labels: { ...containerLabels(task, opts.nodeName, opts.restartNumber, opts.cluster), [LABELS.configHash]: configHash(env, opts.mounts) },
    ports,
    nanoCpus: cpuToNano(task.spec.resources?.limits?.cpu),
    memoryBytes: memoryToBytes(task.spec.resources?.limits?.memory),
    workingDir: task.spec.workingDir || undefined,
    mounts: opts.mounts,
    security: securityOf(task),
  };
}

/**
 * The container's hostname is its Task's name, as a Pod's is its name: cut to 63 characters
 * with a trailing '-' or '.' dropped, as the kubelet cuts a long Pod name.
 */
export function taskHostname(name: string): string {
  return name.slice(0, 63).replace(/[-.]+$/, '');
}

/** How many ports of the Task need a host port allocated. */
export function portsToAllocate(task: Task): number {
  return (task.spec.ports ?? []).filter((p) => !p.hostPort).length;
}
