import type { Logger } from 'pino';
import { serveHealthPath, type HealthEndpoints } from '../health/checks.js';
import { METRICS_CONTENT_TYPE, metricsText } from '../metrics/registry.js';
import { logLevel, setLogLevel } from '../util/logger.js';
import { DEBUG_FLAGS_V, parseVerbosity } from './debug-flags.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.js';
import { negotiate, readBody, sendBytes, sendJson, sendText } from './http.js';
import type { Registry } from './registry.js';
import { methodNotAllowed, pathNotFound, type Handler, type RequestContext } from './request-context.js';
import { ApiError } from './status.js';
import type { ParsedRequest } from './request-info.js';
import { openApiV2, openApiV3Doc, openApiV3Index } from './schema/index.js';
import { OPENAPI_V2_PROTOBUF, openApiV2Protobuf, wantsOpenApiV2Protobuf } from './schema/openapi-v2-protobuf.js';

// The non-resource paths (version, health, metrics, debug flags, OpenAPI, discovery) as a route
// table, tried in order; a request none of them takes goes to the resource handler or is a 404.

export interface NonResourceRoute {
  matches(p: ParsedRequest): boolean;
  /** Methods the route serves (another is a 405); absent when the route judges methods itself. */
  methods?: readonly string[];
  serve(ctx: RequestContext): Promise<void> | void;
}

export interface RouteDeps {
  registry: Registry;
  health: HealthEndpoints;
  log: Logger;
}

/** The first route that matches serves the request; else a resource request goes to `resource`. */
export function routeHandler(routes: readonly NonResourceRoute[], resource: Handler): Handler {
  return async (ctx) => {
    const route = routes.find((r) => r.matches(ctx.parsed));
    if (route) {
      if (route.methods && !route.methods.includes(ctx.method)) throw methodNotAllowed(ctx.method);
      return route.serve(ctx);
    }
    if (ctx.parsed.route.kind === 'resource') return resource(ctx);
    throw pathNotFound();
  };
}

const underPath = (base: string) => (p: ParsedRequest) => p.path === base || p.path.startsWith(`${base}/`);

export function nonResourceRoutes(deps: RouteDeps): NonResourceRoute[] {
  const { registry } = deps;
  return [
    { matches: (p) => p.path === '/version', methods: ['GET', 'HEAD'], serve: ({ res }) => sendJson(res, 200, SERVER_VERSION) },
    ...['/healthz', '/livez', '/readyz'].map((base) => ({ matches: underPath(base), methods: ['GET', 'HEAD'], serve: (ctx: RequestContext) => serveHealth(ctx, deps) })),
    { matches: (p) => p.path === '/metrics', methods: ['GET'], serve: serveMetrics },
    { matches: (p) => p.path === DEBUG_FLAGS_V, serve: (ctx) => serveDebugFlags(ctx, deps.log) },
    { matches: (p) => p.path.startsWith('/openapi/'), methods: ['GET'], serve: (ctx) => serveOpenApi(ctx, registry) },
    { matches: (p) => p.route.kind === 'root', methods: ['GET'], serve: (ctx) => serveRoot(ctx, registry) },
    { matches: (p) => p.route.kind === 'group' || p.route.kind === 'groupVersion', methods: ['GET'], serve: (ctx) => serveGroup(ctx, registry) },
  ];
}

async function serveHealth({ res, parsed }: RequestContext, deps: RouteDeps): Promise<void> {
  const out = await serveHealthPath(deps.health, parsed.path, parsed.query);
  if (!out) throw pathNotFound();
  if (out.failed.length) deps.log.info({ path: parsed.path, failed: out.failed.map((f) => `${f.name}: ${f.reason}`) }, 'health check failed');
  return sendText(res, out.status, out.body);
}

async function serveMetrics({ res }: RequestContext): Promise<void> {
  const text = await metricsText();
  res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

async function serveDebugFlags({ req, res, method }: RequestContext, log: Logger): Promise<void> {
  if (method === 'GET') return sendText(res, 200, `${logLevel()}\n`);
  if (method !== 'PUT') throw methodNotAllowed(method);
  const level = parseVerbosity((await readBody(req, 1024)).toString('utf8'));
  setLogLevel(level);
  log.info({ logLevel: level }, 'log level changed');
  return sendText(res, 200, `successfully set log level to ${level}\n`);
}

function serveOpenApi({ req, res, parsed: { path } }: RequestContext, registry: Registry): void {
  const accept = req.headers.accept ?? '';
  const defs = registry.resources.map((r) => r.def);
  if (path === '/openapi/v2' && wantsOpenApiV2Protobuf(accept)) return sendBytes(res, 200, openApiV2Protobuf(openApiV2(defs)), OPENAPI_V2_PROTOBUF);
  const wantsJson = !accept || /application\/json|\*\/\*/.test(accept);
  if (!wantsJson) throw new ApiError('NotAcceptable', `only application/json${path === '/openapi/v2' ? ` and ${OPENAPI_V2_PROTOBUF}` : ''} are served for this OpenAPI document`);
  if (path === '/openapi/v2') return sendJson(res, 200, openApiV2(defs));
  if (path === '/openapi/v3') return sendJson(res, 200, openApiV3Index(defs));
  const m = /^\/openapi\/v3\/(apis\/[^/]+\/[^/]+|api\/v1)$/.exec(path);
  if (m) {
    const gv = m[1].startsWith('api/') ? 'v1' : m[1].slice('apis/'.length);
    const doc = openApiV3Doc(defs, gv) ?? openApiV3Doc(defs, m[1]);
    if (doc) return sendJson(res, 200, doc);
  }
  throw pathNotFound();
}

/** /, /api and /apis (any other top-level path is a 404). */
function serveRoot({ req, res, parsed }: RequestContext, registry: Registry): void {
  if (parsed.route.kind !== 'root') throw pathNotFound();
  const path = parsed.route.path;
  const neg = negotiate(req.headers.accept);
  if (path === '/api' || path === '/apis') {
    if (neg.aggregatedDiscovery) {
      return sendJson(res, 200, aggregatedDiscovery(registry, path === '/api', neg.aggregatedDiscovery), `application/json;g=apidiscovery.k8s.io;v=${neg.aggregatedDiscovery};as=APIGroupDiscoveryList`);
    }
    return sendJson(res, 200, path === '/api' ? apiVersions() : apiGroupList(registry));
  }
  if (path === '/') {
    const groupPaths = registry.groups().filter((g) => g.group).flatMap((g) => [`/apis/${g.group}`, ...g.versions.map((v) => `/apis/${g.group}/${v}`)]);
    return sendJson(res, 200, { paths: ['/api', '/api/v1', '/apis', ...groupPaths, '/debug/flags/v', '/healthz', '/livez', '/metrics', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] });
  }
  throw pathNotFound();
}

/** /apis/<group> and /api/v1, /apis/<group>/<version>. */
function serveGroup({ res, parsed: { route } }: RequestContext, registry: Registry): void {
  const doc = route.kind === 'group' ? apiGroup(registry, route.group) : route.kind === 'groupVersion' ? apiResourceList(registry, route.group, route.version) : undefined;
  if (!doc) throw pathNotFound();
  return sendJson(res, 200, doc);
}
