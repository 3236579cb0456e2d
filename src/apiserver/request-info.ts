import { queryBool } from './query-params.js';
import { parsePath, type ResourceLookup, type Route } from './routing.js';

// What a request is, in the API server's own terms (Kubernetes' RequestInfo): the verb as
// kube-apiserver reports it in metrics and the resource it addresses. Pure, so the metric labels
// can be tested without a server.

export interface RequestInfo {
  /** GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE — or the HTTP method of a non-resource request. */
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  /** 'resource' (one named object), 'namespace', 'cluster', or '' for non-resource requests. */
  scope: string;
  namespace?: string;
  name?: string;
}

const APPLY_PATCH = 'application/apply-patch+yaml';

/** Kubernetes' verb for a request: a GET of a collection is LIST, a watch is WATCH, server-side apply is APPLY. */
export function requestVerb(method: string, opts: { named: boolean; watch: boolean; contentType?: string }): string {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') {
    if (opts.watch) return 'WATCH';
    return opts.named ? 'GET' : 'LIST';
  }
  if (m === 'PATCH' && (opts.contentType ?? '').split(';')[0].trim().toLowerCase() === APPLY_PATCH) return 'APPLY';
  return m;
}

/** A request's URL parsed once: what routing, the handlers, the metrics and the log line all read. */
export interface ParsedRequest {
  info: RequestInfo;
  /** The path without trailing slashes ('/' at least). */
  path: string;
  query: URLSearchParams;
  route: Route;
  /** Why the URL could not be parsed; the handler chain rejects such a request. */
  urlError?: unknown;
}

/** Never throws: a URL that cannot be parsed is a non-resource request (the handler rejects it). */
export function parseRequest(method: string, rawUrl: string, contentType: string | undefined, lookup: ResourceLookup): ParsedRequest {
  let url: URL;
  try {
    url = new URL(rawUrl, 'http://okube.invalid');
  } catch (urlError) {
    const info = { verb: method.toUpperCase(), group: '', version: '', resource: '', subresource: '', scope: '' };
    return { info, path: '/', query: new URLSearchParams(), route: { kind: 'unknown' }, urlError };
  }
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const query = url.searchParams;
  const route = parsePath(path, lookup);
  return { info: infoOf(method, route, query, contentType), path, query, route };
}

export function requestInfo(method: string, rawUrl: string, contentType: string | undefined, lookup: ResourceLookup): RequestInfo {
  return parseRequest(method, rawUrl, contentType, lookup).info;
}

function infoOf(method: string, route: Route, query: URLSearchParams, contentType: string | undefined): RequestInfo {
  if (route.kind !== 'resource') {
    return { verb: method.toUpperCase(), group: '', version: '', resource: '', subresource: '', scope: '' };
  }
  const r = route.res;
  const watch = r.watch || queryBool(query, 'watch') === true;
  const named = r.name !== undefined;
  return {
    verb: requestVerb(method, { named, watch, contentType }),
    group: r.group,
    version: r.version,
    resource: r.plural,
    subresource: r.subresource ?? '',
    scope: named ? 'resource' : r.namespace !== undefined ? 'namespace' : 'cluster',
    namespace: r.namespace,
    name: r.name,
  };
}

/** The resource key a log line carries: namespace/name, the name, or the collection. */
export function requestKey(info: RequestInfo): string | undefined {
  if (!info.resource) return undefined;
  if (info.name) return info.namespace ? `${info.namespace}/${info.name}` : info.name;
  return info.namespace ? `${info.namespace}/` : undefined;
}
