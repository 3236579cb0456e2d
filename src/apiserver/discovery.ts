import type { Registry, Resource } from './registry.js';
import { SCALE_GVK } from './scale.js';
import { TOKEN_REQUEST_GVK } from './schema/serviceaccount.js';

// Discovery documents: legacy (APIVersions, APIGroupList, APIResourceList) and aggregated
// (apidiscovery.k8s.io/v2 APIGroupDiscoveryList, what kubectl 1.32 asks for first).

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-okube',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

export function apiVersions(): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }] };
}

function groupEntry(group: string, versions: string[]): object {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(reg: Registry): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: reg.groups().filter((g) => g.group !== '').map((g) => groupEntry(g.group, g.versions)) };
}

export function apiGroup(reg: Registry, group: string): object | undefined {
  const g = reg.groups().find((x) => x.group === group && group !== '');
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g.group, g.versions) } : undefined;
}

/** A Task's log and exec subresources; exec's verbs are pods/exec's (a WebSocket's GET is authorized as create, auth/attributes.ts). */
function taskStreams(kind: string): Array<{ subresource: string; kind: string; verbs: string[] }> {
  return [
    { subresource: 'log', kind, verbs: ['get'] },
    { subresource: 'exec', kind: 'TaskExecOptions', verbs: ['create', 'get'] },
  ];
}

export function apiResourceList(reg: Registry, group: string, version: string): object | undefined {
  const rs = reg.inGroupVersion(group, version);
  if (rs.length === 0) return undefined;
  const resources: object[] = [];
  for (const r of rs) {
    const d = r.def;
    resources.push({
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: d.verbs ?? VERBS,
      ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
      ...(d.categories.length ? { categories: d.categories } : {}),
      storageVersionHash: '',
    });
    if (d.hasStatus) resources.push({ name: `${d.plural}/status`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: STATUS_VERBS });
    // The scale client (kubectl scale) finds the Scale's group/version/kind here.
    if (d.scale) resources.push({ name: `${d.plural}/scale`, singularName: '', namespaced: d.namespaced, group: SCALE_GVK.group, version: SCALE_GVK.version, kind: SCALE_GVK.kind, verbs: STATUS_VERBS });
    if (d.taskStreams) for (const s of taskStreams(d.kind)) resources.push({ name: `${d.plural}/${s.subresource}`, singularName: '', namespaced: d.namespaced, kind: s.kind, verbs: s.verbs });
    if (d.tokenRequest) resources.push({ name: `${d.plural}/token`, singularName: '', namespaced: d.namespaced, group: TOKEN_REQUEST_GVK.group, version: TOKEN_REQUEST_GVK.version, kind: TOKEN_REQUEST_GVK.kind, verbs: ['create'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function discoveryResource(r: Resource): object {
  const d = r.def;
  const gvk = { group: d.group, version: d.version, kind: d.kind };
  const out = {
    resource: d.plural,
    responseKind: gvk,
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    verbs: d.verbs ?? VERBS,
    ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
    ...(d.categories.length ? { categories: d.categories } : {}),
  };
  const subresources = [
    ...(d.hasStatus ? [{ subresource: 'status', responseKind: gvk, verbs: STATUS_VERBS }] : []),
    ...(d.scale ? [{ subresource: 'scale', responseKind: SCALE_GVK, verbs: STATUS_VERBS }] : []),
    ...(d.taskStreams ? taskStreams(d.kind).map((s) => ({ subresource: s.subresource, responseKind: { ...gvk, kind: s.kind }, verbs: s.verbs })) : []),
    ...(d.tokenRequest ? [{ subresource: 'token', responseKind: TOKEN_REQUEST_GVK, verbs: ['create'] }] : []),
  ];
  return subresources.length ? { ...out, subresources } : out;
}

/** Aggregated discovery for /api (core only) or /apis (all named groups). */
export function aggregatedDiscovery(reg: Registry, core: boolean, version: 'v2' | 'v2beta1'): object {
  const items = reg
    .groups()
    .filter((g) => (core ? g.group === '' : g.group !== ''))
    .map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({ version: v, resources: reg.inGroupVersion(g.group, v).map(discoveryResource), freshness: 'Current' })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
