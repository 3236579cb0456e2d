import { SERVICE_NAME_LABEL, type EndpointSlice, type TaskService, type TaskServicePort } from '../api/types.js';

// The data plane's desired state, a pure function of (TaskServices, EndpointSlices, options): one
// frontend per TaskService port of type Proxy, its servers from the service's EndpointSlices, and
// per service what the data plane reports in status (address, ports in use, condition Routed).
// Frontend ports: the one the user asked for, else the one already reported in status (sticky
// across restarts), else the lowest free port of the range. Ports are claimed oldest service
// first (creationTimestamp, then namespace/name): of two services on one port the older keeps
// it, the other is not routed (PortConflict), also when the older one's port was allocated.

export interface DesiredServer {
  /** HAProxy server name: the Task's name (sanitised), unique in its backend. */
  name: string;
  address: string;
  port: number;
  /** Only ready endpoints get traffic; a not-ready one is drained (or stays in maintenance). */
  ready: boolean;
}

export interface Frontend {
  /** HAProxy-safe id of the frontend/backend pair: <namespace>.<service>.<port name>. */
  id: string;
  namespace: string;
  service: string;
  portName: string;
  bindAddress: string;
  bindPort: number;
  mode: 'http' | 'tcp';
  servers: DesiredServer[];
}

export interface RoutedStatus {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface ServiceStatus {
  namespace: string;
  name: string;
  /** Where its frontends answer; none for a service of type None. */
  address?: string;
  ports: Array<{ name?: string; port: number }>;
  routed: RoutedStatus;
}

export interface DataPlanePlan {
  frontends: Frontend[];
  statuses: ServiceStatus[];
}

export interface PlanOptions {
  /** Where frontends listen, e.g. 127.0.0.1 or 0.0.0.0. */
  bindAddress: string;
  /** The address reported in status (bindAddress unless it is a wildcard). */
  advertiseAddress?: string;
  portRange: { start: number; end: number };
  /**
   * Ports of the range another process on this host holds (found by the effect layer): an
   * automatic port (spec port 0, sticky or new) moves past them; an explicit one stays PortInUse.
   */
  unavailable?: ReadonlySet<number>;
}

/** HAProxy names allow letters, digits, '-', '_', '.', ':'. */
export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.:-]/g, '_');
}

export function portName(p: TaskServicePort, index: number): string {
  return p.name ?? (index === 0 ? '' : String(index));
}

function isHttp(p: TaskServicePort): boolean {
  const a = (p.appProtocol ?? '').toLowerCase();
  const n = (p.name ?? '').toLowerCase();
  return a === 'http' || n === 'http' || n.startsWith('http-');
}

function older(a: TaskService, b: TaskService): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The servers of one service port: every endpoint of the service's slices that publishes that port. */
export function serversFor(slices: EndpointSlice[], namespace: string, service: string, name: string): DesiredServer[] {
  const byName = new Map<string, DesiredServer>();
  for (const slice of slices) {
    if (slice.metadata.namespace !== namespace || slice.metadata.labels?.[SERVICE_NAME_LABEL] !== service) continue;
    if (slice.addressType && slice.addressType !== 'IPv4') continue;
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === name)?.port;
    if (!port) continue;
    for (const ep of slice.endpoints ?? []) {
      const address = ep.addresses?.[0];
      if (!address) continue;
      const server: DesiredServer = {
        name: safeName(ep.targetRef?.name ?? `${address}_${port}`),
        address,
        port,
        ready: ep.conditions?.ready === true,
      };
      const seen = byName.get(server.name);
      // One Task in two slices (mid-update): the ready copy wins.
      if (!seen || (!seen.ready && server.ready)) byName.set(server.name, server);
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function planDataPlane(services: TaskService[], slices: EndpointSlice[], opts: PlanOptions): DataPlanePlan {
  const address = opts.advertiseAddress ?? (opts.bindAddress === '0.0.0.0' ? '127.0.0.1' : opts.bindAddress);
  const proxied = services.filter((s) => (s.spec?.type ?? 'Proxy') === 'Proxy' && !s.metadata.deletionTimestamp).sort(older);
  const taken = new Map<number, string>();
  const frontends: Frontend[] = [];
  const statuses: ServiceStatus[] = [];
  const inRange = (p: number) => p >= opts.portRange.start && p <= opts.portRange.end;
  const usable = (p: number) => !taken.has(p) && !opts.unavailable?.has(p);

  // Ports claimed in age order, oldest service first: an explicit port, or the one already in use
  // (reported in status, sticky). A port already claimed by an older service is a PortConflict
  // for an explicit request, and for a sticky one means a new allocation below — so a new service
  // asking for a port in use never takes it from the service that holds it.
  interface Want { svc: TaskService; idx: number; port: TaskServicePort; chosen?: number; conflict?: string }
  const wants: Want[] = proxied.flatMap((svc) => (svc.spec.ports ?? []).map((port, idx) => ({ svc, idx, port })));
  const key = (s: TaskService) => `${s.metadata.namespace}/${s.metadata.name}`;
  for (const w of wants) {
    if (w.port.port) {
      const owner = taken.get(w.port.port);
      if (owner && owner !== key(w.svc)) w.conflict = `port ${w.port.port} is already the frontend of TaskService ${owner}`;
      else if (owner) w.conflict = `port ${w.port.port} is listed twice`;
      else {
        taken.set(w.port.port, key(w.svc));
        w.chosen = w.port.port;
      }
      continue;
    }
    const name = portName(w.port, w.idx);
    const sticky = w.svc.status?.ports?.find((p) => (p.name ?? '') === name)?.port;
    if (sticky && inRange(sticky) && usable(sticky)) {
      taken.set(sticky, key(w.svc));
      w.chosen = sticky;
    }
  }
  for (const w of wants) {
    if (w.port.port || w.chosen) continue;
    for (let p = opts.portRange.start; p <= opts.portRange.end; p++) {
      if (usable(p)) {
        taken.set(p, key(w.svc));
        w.chosen = p;
        break;
      }
    }
    if (!w.chosen) w.conflict = `no free frontend port left in ${opts.portRange.start}-${opts.portRange.end}`;
  }

  for (const svc of proxied) {
    const ns = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name!;
    const mine = wants.filter((w) => w.svc === svc);
    const ports: ServiceStatus['ports'] = [];
    const conflicts: string[] = [];
    for (const w of mine) {
      const pn = portName(w.port, w.idx);
      if (w.conflict || !w.chosen) {
        conflicts.push(w.conflict ?? 'no port');
        continue;
      }
      ports.push(w.port.name ? { name: w.port.name, port: w.chosen } : { port: w.chosen });
      frontends.push({
        id: safeName(`${ns}.${name}.${pn || 'default'}`),
        namespace: ns,
        service: name,
        portName: pn,
        bindAddress: opts.bindAddress,
        bindPort: w.chosen,
        mode: isHttp(w.port) ? 'http' : 'tcp',
        servers: serversFor(slices, ns, name, pn),
      });
    }
    let routed: RoutedStatus;
    if (conflicts.length) {
      const noFree = conflicts.every((c) => c.startsWith('no free'));
      routed = { status: 'False', reason: noFree ? 'NoFreePort' : 'PortConflict', message: conflicts.join('; ') };
    } else if (!mine.length) routed = { status: 'False', reason: 'NoPorts', message: 'spec.ports is empty' };
    else routed = { status: 'True', reason: 'Routed', message: `answers on ${ports.map((p) => `${address}:${p.port}`).join(', ')}` };
    statuses.push({ namespace: ns, name, address, ports, routed });
  }
  // A service switched to type None (or made so) says it has no frontend, not the one it had.
  for (const svc of services.filter((s) => s.spec?.type === 'None' && !s.metadata.deletionTimestamp)) {
    statuses.push({ namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name!, ports: [], routed: { status: 'False', reason: 'NotProxied', message: "type None: okube's data plane gives it no frontend" } });
  }
  frontends.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { frontends, statuses };
}

/**
 * The plan without frontends whose port something else on the host holds (found by the effect
 * layer before a reload, which would otherwise fail as a whole): those services report
 * Routed=False reason PortInUse, the rest route on.
 */
export function withoutFrontends(plan: DataPlanePlan, blocked: ReadonlyMap<string, string>): DataPlanePlan {
  if (!blocked.size) return plan;
  const gone = plan.frontends.filter((f) => blocked.has(f.id));
  const statuses = plan.statuses.map((s) => {
    const mine = gone.filter((f) => f.namespace === s.namespace && f.service === s.name);
    if (!mine.length) return s;
    const ports = new Set(mine.map((f) => f.bindPort));
    return {
      ...s,
      ports: s.ports.filter((p) => !ports.has(p.port)),
      routed: { status: 'False' as const, reason: 'PortInUse', message: mine.map((f) => blocked.get(f.id)!).join('; ') },
    };
  });
  return { frontends: plan.frontends.filter((f) => !blocked.has(f.id)), statuses };
}
