import { CliError } from '../cli-error.js';
import type { Connection } from './connection.js';

export { resourcePath } from '../../client/resource-refs.js';

// Resource names resolved the way kubectl's RESTMapper does, from the server's own discovery:
// plural, singular, short name or kind, optionally group-qualified (tasks.okube.dev,
// task.v1alpha1.okube.dev). Nothing is hard-coded, so a CRD added to the server is usable at once
// (client-options.ts refreshes a cached discovery that does not know a name, discovery-cache.ts).
// Read as kubectl 1.32 reads it: aggregated discovery (two requests, /api and /apis), else the
// legacy documents (/api/v1, /apis, then one request per group).

export interface ApiResource {
  group: string;
  version: string;
  /** The resource (URL) name: "tasks". */
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  /** Categories it belongs to (`all`, `okube`): `okube get all` lists every resource of one. */
  categories?: string[];
  /** The subresources the server serves for it (`log` for Tasks on okube's API server). */
  subresources?: string[];
}

interface ResourceListBody {
  groupVersion: string;
  resources: Array<{ name: string; singularName?: string; namespaced: boolean; kind: string; verbs?: string[]; shortNames?: string[]; categories?: string[] }>;
}

interface AggregatedBody {
  kind?: string;
  items?: Array<{
    metadata?: { name?: string };
    versions?: Array<{
      version: string;
      resources?: Array<{ resource: string; responseKind?: { kind?: string }; scope?: string; singularResource?: string; verbs?: string[]; shortNames?: string[]; categories?: string[]; subresources?: Array<{ subresource?: string }> }>;
    }>;
  }>;
}

/** What okube asks /api and /apis for: aggregated discovery, else the legacy document. */
export const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

interface GroupListBody {
  groups: Array<{ name: string; preferredVersion?: { version: string }; versions: Array<{ version: string }> }>;
}

/** "tasks.okube.dev" (core resources: just "namespaces"): how kubectl names a resource type. */
export function qualifiedResource(r: ApiResource): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** "task.okube.dev" (core: "namespace"): the prefix of kubectl's "task.okube.dev/web created". */
export function kindPrefix(r: ApiResource): string {
  return r.group ? `${r.kind.toLowerCase()}.${r.group}` : r.kind.toLowerCase();
}


export function fromList(body: ResourceListBody): ApiResource[] {
  const [group, version] = body.groupVersion.includes('/') ? body.groupVersion.split('/') : ['', body.groupVersion];
  const subs = (plural: string) => body.resources.filter((s) => s.name.startsWith(`${plural}/`)).map((s) => s.name.slice(plural.length + 1));
  return body.resources
    .filter((r) => !r.name.includes('/'))
    .map((r) => ({
      group,
      version,
      plural: r.name,
      singular: r.singularName || r.kind.toLowerCase(),
      kind: r.kind,
      namespaced: r.namespaced,
      shortNames: r.shortNames ?? [],
      verbs: r.verbs ?? [],
      categories: r.categories ?? [],
      subresources: subs(r.name),
    }));
}

/**
 * The resources of an aggregated discovery document (the first, preferred, version of each group),
 * or undefined when the body is not one (a server without aggregated discovery answers /api and
 * /apis with the legacy APIVersions and APIGroupList).
 */
export function fromAggregated(body: unknown): ApiResource[] | undefined {
  const list = body as AggregatedBody | undefined;
  if (list?.kind !== 'APIGroupDiscoveryList' || !Array.isArray(list.items)) return undefined;
  return list.items.flatMap((g) => {
    const v = g.versions?.[0];
    if (!v) return [];
    return (v.resources ?? []).map((r) => {
      const kind = r.responseKind?.kind ?? '';
      return {
        group: g.metadata?.name ?? '',
        version: v.version,
        plural: r.resource,
        singular: r.singularResource || kind.toLowerCase(),
        kind,
        namespaced: r.scope === 'Namespaced',
        shortNames: r.shortNames ?? [],
        verbs: r.verbs ?? [],
        categories: r.categories ?? [],
        subresources: (r.subresources ?? []).map((s) => s.subresource ?? '').filter(Boolean),
      };
    });
  });
}

export class Discovery {
  constructor(readonly resources: ApiResource[]) {}

  /** Reads the server's discovery (the preferred version of every group). */
  static async load(conn: Connection): Promise<Discovery> {
    const [core, apis] = await Promise.all([conn.get('/api', { accept: AGGREGATED_ACCEPT }), conn.get('/apis', { accept: AGGREGATED_ACCEPT })]);
    const aggregated = [fromAggregated(core), fromAggregated(apis)];
    if (aggregated[0] && aggregated[1]) return new Discovery([...aggregated[0], ...aggregated[1]]);
    return Discovery.loadLegacy(conn, aggregated[1] ? undefined : (apis as GroupListBody));
  }

  /** The legacy documents: /api/v1, /apis (unless already read), and each group's preferred version. */
  static async loadLegacy(conn: Connection, groupList?: GroupListBody): Promise<Discovery> {
    const [core, groups] = await Promise.all([conn.get<ResourceListBody>('/api/v1'), groupList ?? conn.get<GroupListBody>('/apis')]);
    const lists = await Promise.all(
      groups.groups.map((g) => {
        const v = g.preferredVersion?.version ?? g.versions[0]?.version;
        return conn.get<ResourceListBody>(`/apis/${g.name}/${v}`).catch(() => ({ groupVersion: `${g.name}/${v}`, resources: [] }));
      }),
    );
    return new Discovery([core, ...lists].flatMap(fromList));
  }

  /** kubectl's resolution of a resource argument; "the server doesn't have a resource type" otherwise. */
  resolve(arg: string): ApiResource {
    const found = this.find(arg);
    if (!found) throw new CliError(`the server doesn't have a resource type "${arg}"`);
    return found;
  }

  /** A resource type, or, as kubectl expands `all`, every listable resource of the category it names. */
  resolveOrCategory(arg: string): ApiResource[] {
    const found = this.find(arg);
    if (found) return [found];
    const members = this.category(arg);
    if (!members.length) throw new CliError(`the server doesn't have a resource type "${arg}"`);
    return members;
  }

  /** The listable resources of a category, in discovery order. */
  category(arg: string): ApiResource[] {
    const want = arg.toLowerCase();
    return this.resources.filter((r) => r.categories?.includes(want) && r.verbs.includes('list'));
  }

  find(arg: string): ApiResource | undefined {
    const want = arg.toLowerCase();
    const dot = want.indexOf('.');
    const candidates: Array<{ name: string; group?: string; version?: string }> = [{ name: want }];
    if (dot > 0) {
      const name = want.slice(0, dot);
      const rest = want.slice(dot + 1);
      candidates.push({ name, group: rest });
      const dot2 = rest.indexOf('.');
      if (dot2 > 0) candidates.push({ name, version: rest.slice(0, dot2), group: rest.slice(dot2 + 1) });
    }
    for (const c of candidates) {
      const pool = this.resources.filter((r) => (c.group === undefined || r.group === c.group) && (c.version === undefined || r.version === c.version));
      // Plural first, then singular, short names, kind; the core group wins a tie (like kubectl).
      for (const field of [(r: ApiResource) => [r.plural], (r: ApiResource) => [r.singular], (r: ApiResource) => r.shortNames, (r: ApiResource) => [r.kind.toLowerCase()]]) {
        const hits = pool.filter((r) => field(r).some((n) => n.toLowerCase() === c.name));
        if (hits.length) return hits.find((r) => r.group === '') ?? hits[0];
      }
    }
    return undefined;
  }

  /** The resource for a manifest's apiVersion and kind. */
  forKind(apiVersion: string, kind: string): ApiResource | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return this.resources.find((r) => r.group === group && r.version === version && r.kind === kind);
  }
}
