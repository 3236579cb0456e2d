import { API_VERSION, ENDPOINTS_READY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, type Condition, type Endpoint, type EndpointPort, type EndpointSlice, type Task, type TaskService, type TaskServicePort } from '../../api/types.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { fnv32a, safeEncode } from '../taskset/hash.js';

// The endpoints planner (issue 18): a pure function of (TaskService, the Tasks of its namespace,
// its existing EndpointSlices) → the EndpointSlices it should have and its status. No I/O.
//
// - A Task is an endpoint when the selector matches its labels, it is Running with a Node address
//   (status.hostIP) and publishes a host port for at least one service port. Its address is the
//   Node's; each slice port is the Task's published host port for that service port's targetPort
//   (a number = containerPort, a name = the Task's spec.ports[].name).
// - Conditions as kube's: serving = Task Ready; terminating = the Task has a deletionTimestamp;
//   ready = serving && !terminating. The Task controller waits for ready=false before SIGTERM.
// - Endpoints are grouped into slices by identical port lists (each Task publishes its own host
//   port, so this is mostly one slice per Task), at most MAX_ENDPOINTS per slice. A slice is named
//   <service>-<hash of its port list>[-<n>], so the same ports keep the same slice across resyncs
//   and a readiness flip is one update, not a delete and a create.
// - Minimal changes: an existing slice equal to the desired one is left alone; only differing
//   ones are updated, missing ones created, the rest deleted.

export { MANAGED_BY_LABEL, SERVICE_NAME_LABEL };
export const MANAGER = 'okube-endpointslice-controller';
export const MAX_ENDPOINTS = 100;

export interface EndpointsInput {
  service: TaskService;
  /** Tasks of the service's namespace (any; the planner applies the selector). */
  tasks: Task[];
  /** The service's EndpointSlices (label kubernetes.io/service-name, managed by us). */
  slices: EndpointSlice[];

}

export interface EndpointsStatus {
  endpoints: number;
  readyEndpoints: number;
  endpointsText: string;
  portsText: string;
  selector: string;
  condition: Omit<Condition, 'lastTransitionTime'>;
}

export interface EndpointsPlan {
  create: EndpointSlice[];
  /** Desired content of existing slices that differ (carry the existing resourceVersion). */
  update: EndpointSlice[];
  delete: EndpointSlice[];
  status: EndpointsStatus;
}

export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  if (!entries.length) return false; // an empty selector selects nothing (a selectorless Service is managed by hand)
  return entries.every(([k, v]) => labels?.[k] === v);
}

export function formatSelector(selector: Record<string, string> | undefined): string {
  const s = Object.entries(selector ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return s || '<none>';
}

function isReady(task: Task): boolean {
  const c = task.status?.conditions?.find((x) => x.type === 'Ready');
  return c ? c.status === 'True' : task.status?.ready === true;
}

/** The Task's published host port for one service port, if it has one. */
export function hostPortFor(task: Task, sp: TaskServicePort): number | undefined {
  let containerPort: number | undefined;
  if (typeof sp.targetPort === 'number') containerPort = sp.targetPort;
  else containerPort = task.spec.ports?.find((p) => p.name === sp.targetPort && (p.protocol ?? 'TCP') === 'TCP')?.containerPort;
  if (containerPort === undefined) return undefined;
  const pub = task.status?.ports?.find((p) => p.containerPort === containerPort && (p.protocol ?? 'TCP') === 'TCP');
  return pub && pub.hostPort > 0 ? pub.hostPort : undefined;
}

interface Member {
  task: Task;
  ports: EndpointPort[];
  endpoint: Endpoint;
}

function memberOf(task: Task, svc: TaskService): Member | undefined {
  if (task.status?.phase !== 'Running' || !task.status.hostIP) return undefined;
  const ports: EndpointPort[] = [];
  for (const sp of svc.spec.ports) {
    const port = hostPortFor(task, sp);
    if (port !== undefined) ports.push({ name: sp.name ?? '', port, protocol: 'TCP' });
  }
  if (!ports.length) return undefined;
  const terminating = !!task.metadata.deletionTimestamp;
  const serving = isReady(task);
  const endpoint: Endpoint = {
    addresses: [task.status.hostIP],
    conditions: { ready: serving && !terminating, serving, terminating },
    ...(task.status.nodeName || task.spec.nodeName ? { nodeName: task.status.nodeName ?? task.spec.nodeName } : {}),
    targetRef: { kind: 'Task', apiVersion: API_VERSION, namespace: task.metadata.namespace, name: task.metadata.name, uid: task.metadata.uid },
  };
  return { task, ports, endpoint };
}

/** <service>-<hash>[-n], a DNS subdomain of at most 253 characters. */
export function sliceName(service: string, ports: EndpointPort[], index: number): string {
  const hash = safeEncode(String(fnv32a(canonicalJson(ports))));
  const suffix = index === 0 ? `-${hash}` : `-${hash}-${index + 1}`;
  return service.slice(0, 253 - suffix.length).replace(/[-.]+$/, '') + suffix;
}

function desiredSlices(svc: TaskService, members: Member[]): EndpointSlice[] {
  const groups = new Map<string, Member[]>();
  for (const m of members) {
    const key = canonicalJson(m.ports);
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const out: EndpointSlice[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => (a.task.metadata.name! < b.task.metadata.name! ? -1 : 1));
    for (let i = 0; i * MAX_ENDPOINTS < group.length; i++) {
      const chunk = group.slice(i * MAX_ENDPOINTS, (i + 1) * MAX_ENDPOINTS);
      out.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: sliceName(svc.metadata.name!, group[0].ports, i),
          namespace: svc.metadata.namespace,
          labels: { [SERVICE_NAME_LABEL]: svc.metadata.name!, [MANAGED_BY_LABEL]: MANAGER },
          ownerReferences: [{ apiVersion: API_VERSION, kind: 'TaskService', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
        endpoints: chunk.map((m) => m.endpoint),
        ports: group[0].ports,
      });
    }
  }
  return out.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

/** What of a slice the controller owns: compared to decide whether an update is needed. */
function content(s: EndpointSlice): string {
  const labels = s.metadata.labels ?? {};
  return canonicalJson({
    labels: { [SERVICE_NAME_LABEL]: labels[SERVICE_NAME_LABEL], [MANAGED_BY_LABEL]: labels[MANAGED_BY_LABEL] },
    owner: (s.metadata.ownerReferences ?? []).map((r) => r.uid),
    addressType: s.addressType,
    endpoints: s.endpoints ?? [],
    ports: s.ports ?? [],
  });
}

function portsText(svc: TaskService): string {
  return svc.spec.ports
    .map((sp) => {
      const live = svc.status?.ports?.find((p) => (p.name ?? '') === (sp.name ?? ''));
      const port = live?.port ?? (sp.port ? sp.port : undefined);
      return `${port ?? '<auto>'}/${sp.protocol ?? 'TCP'}`;
    })
    .join(',');
}

function condition(svc: TaskService, selected: Task[], members: Member[], ready: number): EndpointsStatus['condition'] {
  const gen = svc.metadata.generation;
  const c = (status: 'True' | 'False', reason: string, message: string) => ({ type: ENDPOINTS_READY, status, reason, message, ...(gen !== undefined ? { observedGeneration: gen } : {}) });
  if (!selected.length) return c('False', 'NoMatchingTasks', `selector ${formatSelector(svc.spec.selector)} matches no Task in namespace ${svc.metadata.namespace}`);
  const running = selected.filter((t) => t.status?.phase === 'Running' && t.status.hostIP);
  const unpublished = running.length
    ? svc.spec.ports.filter((sp) => !running.some((t) => hostPortFor(t, sp) !== undefined))
    : [];
  if (unpublished.length) {
    const what = unpublished.map((sp) => `${sp.name ? `port ${sp.name}: ` : ''}targetPort ${JSON.stringify(sp.targetPort)}`).join('; ');
    return c('False', 'TargetPortNotPublished', `no selected Task publishes ${what} (check the Tasks' spec.ports)`);
  }
  if (!members.length) return c('False', 'NoEndpoints', `${selected.length} Task(s) selected, none Running with a published port yet`);
  if (!ready) return c('False', 'NoReadyEndpoints', `none of ${members.length} endpoint(s) is ready`);
  return c('True', 'EndpointsAvailable', `${ready}/${members.length} endpoint(s) ready`);
}

export function planEndpoints(input: EndpointsInput): EndpointsPlan {
  const { service: svc } = input;
  const selected = input.tasks.filter((t) => t.metadata.namespace === svc.metadata.namespace && selects(svc.spec.selector, t.metadata.labels));
  const members = selected.map((t) => memberOf(t, svc)).filter((m): m is Member => !!m);
  const ready = members.filter((m) => m.endpoint.conditions!.ready).length;
  const desired = svc.metadata.deletionTimestamp ? [] : desiredSlices(svc, members);

  const existing = new Map(input.slices.map((s) => [s.metadata.name!, s]));
  const plan: EndpointsPlan = {
    create: [],
    update: [],
    delete: [],
    status: {
      endpoints: members.length,
      readyEndpoints: ready,
      endpointsText: `${ready}/${members.length}`,
      portsText: portsText(svc),
      selector: formatSelector(svc.spec.selector),
      condition: condition(svc, selected, members, ready),
    },
  };
  for (const want of desired) {
    const have = existing.get(want.metadata.name!);
    existing.delete(want.metadata.name!);
    if (!have) plan.create.push(want);
    else if (content(have) !== content(want)) {
      plan.update.push({ ...want, metadata: { ...have.metadata, labels: { ...have.metadata.labels, ...want.metadata.labels }, ownerReferences: want.metadata.ownerReferences } });
    }
  }
  plan.delete.push(...[...existing.values()].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1)));
  return plan;
}
