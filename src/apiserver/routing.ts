// Path routing for the resource endpoints: /api/v1/... and /apis/<group>/<version>/...,
// optionally with the legacy /watch/ segment. Pure: the caller says which plurals exist.

export interface ResourcePath {
  group: string; // '' for core
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The legacy /watch/ prefix was used. */
  watch: boolean;
}

export type Route =
  | { kind: 'root'; path: string } // /version, /api, /apis, /healthz, ...
  | { kind: 'group'; group: string } // /apis/<g>
  | { kind: 'groupVersion'; group: string; version: string } // /api/v1, /apis/<g>/<v>
  | { kind: 'resource'; res: ResourcePath }
  | { kind: 'unknown' };

/** Tells whether `plural` is served in group/version and whether it is namespaced. */
export type ResourceLookup = (group: string, version: string, plural: string) => { namespaced: boolean } | undefined;

function decode(seg: string): string | undefined {
  try {
    return decodeURIComponent(seg);
  } catch {
    return undefined;
  }
}

export function parsePath(pathname: string, lookup: ResourceLookup): Route {
  const raw = pathname.split('/').filter((s, i) => i > 0 || s !== '');
  if (raw.length && raw[0] === '') raw.shift();
  while (raw.length && raw[raw.length - 1] === '') raw.pop();
  const segs: string[] = [];
  for (const r of raw) {
    const d = decode(r);
    if (d === undefined || d === '' || d === '.' || d === '..' || d.includes('/')) return { kind: 'unknown' };
    segs.push(d);
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length === 1) return { kind: 'root', path: '/api' };
    group = '';
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length === 1) return { kind: 'root', path: '/apis' };
    if (segs.length === 2) return { kind: 'group', group: segs[1] };
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else {
    return { kind: 'root', path: '/' + segs.join('/') };
  }
  if (rest.length === 0) return { kind: 'groupVersion', group, version };
  let watch = false;
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
    if (rest.length === 0) return { kind: 'unknown' };
  }
  // namespaces/<ns>/<plural>[/<name>[/<sub>]] when <plural> is a namespaced resource here.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const inner = lookup(group, version, rest[2]);
    if (inner?.namespaced) {
      if (rest.length > 5) return { kind: 'unknown' };
      return { kind: 'resource', res: { group, version, plural: rest[2], namespace: rest[1], name: rest[3], subresource: rest[4], watch } };
    }
  }
  const r = lookup(group, version, rest[0]);
  if (!r || rest.length > 3) return { kind: 'unknown' };
  if (r.namespaced) {
    // Only the all-namespaces collection is reachable without a namespace.
    if (rest.length > 1) return { kind: 'unknown' };
    return { kind: 'resource', res: { group, version, plural: rest[0], watch } };
  }
  return { kind: 'resource', res: { group, version, plural: rest[0], name: rest[1], subresource: rest[2], watch } };
}
