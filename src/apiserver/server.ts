import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Store } from '../storage/store.js';
import { loggerFor, logLevel, setLogLevel } from '../util/logger.js';
import { serveHealthPath, type HealthEndpoints } from '../health/checks.js';
import { METRICS_CONTENT_TYPE, metricsText } from '../metrics/registry.js';
import { observeRequest as recordRequest, watchStarted } from '../metrics/apiserver.js';
import { DEBUG_FLAGS_V, parseVerbosity } from './debug-flags.js';
import { requestInfo, requestKey } from './request-info.js';
import { builtinDefs, loadCrds, openApiV2, openApiV3Doc, openApiV3Index, toTable, type ResourceDef } from './schema/index.js';
import { loadOrCreateCerts, loadOrCreateToken } from './certs.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.js';
import { decodeObject, DEFAULT_MAX_BODY_BYTES, mediaType, negotiate, readBody, requestId, sendJson, sendText, type Negotiated } from './http.js';
import { NamespaceFinalizer } from './namespaces.js';
import type { Obj } from './objects.js';
import { Registry, type Resource } from './registry.js';
import { writeOptions } from './request-options.js';
import { ResourceService } from './resources.js';
import { parsePath, type ResourcePath } from './routing.js';
import { deleteOptionsCauses, listOptionsCauses, optionsInvalid } from './options-validation.js';
import { queryBool, queryInt } from './query-params.js';
import { decodeProtobufObject, PROTOBUF_MEDIA_TYPE } from './protobuf.js';
import { ApiError, badRequest, isStoreError } from './status.js';
import { parseWatchParams, serveWatch, type WatchTracker } from './watch.js';

// The HTTP(S) front: authentication, routing, discovery, OpenAPI, health, and the resource
// endpoints, over any Store. Every request ends in a response; nothing a client sends can crash it.

export interface ApiServerOptions {
  store: Store;
  crdDir: string;
  /** Certificates and token persist here (generated at first start). */
  dataDir?: string;
  listen: { host: string; port: number };
  tls?: boolean;
  auth?: { tokens?: string[]; disabled?: boolean };
  maxBodyBytes?: number;
  /** Certificates from files (in-cluster); default: generated once and kept in dataDir. */
  servingCerts?: { certPem: string; keyPem: string; caPem?: string };
  /** Extra resource definitions (tests). */
  extraDefs?: ResourceDef[];
  /** Interval of BOOKMARK events on watches that ask for them. */
  bookmarkIntervalMs?: number;
  /** Upper bound of a watch's duration (default 30 min). */
  maxWatchSeconds?: number;
  /** Sees every request as it arrives (tests record which API calls a client makes). */
  observeRequest?: (req: IncomingMessage) => void;
}

export interface ApiServer {
  url: string;
  port: number;
  caPem: string;
  token: string;
  /** Watches currently streaming (each holds one Store subscription). */
  activeWatches(): number;
  close(): Promise<void>;
}

// Like kube-apiserver's default RBAC: version and health are public; /metrics is not.
const ANONYMOUS = /^\/(version|(healthz|livez|readyz)(\/[^/]+)?)$/;

function isWatch(q: URLSearchParams, rp: ResourcePath): boolean {
  return rp.watch || queryBool(q, 'watch') === true;
}

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const log = loggerFor('apiserver');
  const store = opts.store;
  const defs = [...builtinDefs(), ...loadCrds(opts.crdDir), ...(opts.extraDefs ?? [])];
  const registry = new Registry(defs);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const tls = opts.tls ?? true;
  const certs = !tls ? undefined : opts.servingCerts ? { caPem: opts.servingCerts.caPem ?? opts.servingCerts.certPem, ...opts.servingCerts } : loadOrCreateCerts(opts.dataDir);
  const tokens = opts.auth?.tokens?.length ? opts.auth.tokens : [loadOrCreateToken(opts.dataDir)];
  const authDisabled = opts.auth?.disabled === true;
  const tracker: WatchTracker = { active: 0 };
  const closingWatches = new Set<() => void>();
  const bookmarkMs = opts.bookmarkIntervalMs ?? 10_000;
  const maxWatchMs = (opts.maxWatchSeconds ?? 1800) * 1000;

  const service: ResourceService = new ResourceService(store, registry, (ns) => finalizer.kick(ns));
  const finalizer = new NamespaceFinalizer(store, () => service, log);

  const nsResource = registry.lookup('', 'v1', 'namespaces')!;
  for (const name of ['default', 'kube-system']) {
    try {
      await service.create(nsResource, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldValidation: undefined, dryRun: false }, 'okube-apiserver');
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
  }
  await finalizer.resume();

  const tokenBufs = tokens.map((t) => Buffer.from(t));
  const authorized = (req: IncomingMessage): boolean => {
    if (authDisabled) return true;
    const h = req.headers.authorization;
    if (!h || !/^bearer /i.test(h)) return false;
    const got = Buffer.from(h.slice(7).trim());
    return tokenBufs.some((b) => b.length === got.length && timingSafeEqual(b, got));
  };

  // Real checks, each bounded by a short deadline: etcd must answer a read; once close() began
  // the server is no longer ready (load balancers drain it) but still live.
  let shuttingDown = false;
  const ping = { name: 'ping', check: async () => undefined };
  const etcd = { name: 'etcd', check: async () => void (await store.currentRevision()) };
  const shutdown = { name: 'shutdown', check: async () => (shuttingDown ? 'the server is shutting down' : undefined) };
  const healthEndpoints: HealthEndpoints = { healthz: [ping, etcd], livez: [ping, etcd], readyz: [ping, etcd, shutdown] };
  const health = async (res: ServerResponse, path: string, q: URLSearchParams) => {
    const out = await serveHealthPath(healthEndpoints, path, q);
    if (!out) throw new ApiError('NotFound', 'the server could not find the requested resource');
    if (out.failed.length) log.info({ path, failed: out.failed.map((f) => `${f.name}: ${f.reason}`) }, 'health check failed');
    return sendText(res, out.status, out.body);
  };

  const debugFlags = async (req: IncomingMessage, res: ServerResponse, method: string) => {
    if (method === 'GET') return sendText(res, 200, `${logLevel()}\n`);
    if (method !== 'PUT') throw methodNotAllowed(method);
    const level = parseVerbosity((await readBody(req, 1024)).toString('utf8'));
    setLogLevel(level);
    log.info({ logLevel: level }, 'log level changed');
    return sendText(res, 200, `successfully set log level to ${level}\n`);
  };

  const render = (r: Resource, neg: Negotiated, q: URLSearchParams, objects: Obj[], listMeta?: Record<string, unknown>): unknown => {
    if (neg.table) {
      const io = q.get('includeObject') ?? 'Metadata';
      if (io !== 'None' && io !== 'Object' && io !== 'Metadata') throw badRequest(`includeObject: Unsupported value: "${io}"`);
      const t = toTable(r.def, objects, { includeObject: io, listMeta: listMeta ?? {}, wide: true }) as Record<string, unknown>;
      return { ...t, apiVersion: `meta.k8s.io/${neg.table}` };
    }
    if (neg.partial) {
      const pom = (o: Obj) => ({ kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${neg.partial}`, metadata: o.metadata });
      return listMeta ? { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${neg.partial}`, metadata: listMeta, items: objects.map(pom) } : pom(objects[0]);
    }
    if (listMeta) return { apiVersion: r.apiVersion, kind: r.def.listKind, metadata: listMeta, items: objects };
    return objects[0];
  };

  const handleResource = async (req: IncomingMessage, res: ServerResponse, rp: ResourcePath, q: URLSearchParams) => {
    const r = registry.lookup(rp.group, rp.version, rp.plural)!;
    const method = req.method ?? 'GET';
    const ns = r.def.namespaced ? rp.namespace : undefined;
    const sub = rp.subresource;
    if (sub !== undefined && !(sub === 'status' && r.def.hasStatus)) {
      throw new ApiError('NotFound', `the server could not find the requested resource`);
    }
    const ua = String(req.headers['user-agent'] ?? 'unknown');
    const neg = method === 'GET' ? negotiate(req.headers.accept) : {};
    if (rp.name === undefined) {
      if (method === 'GET') {
        // kube-apiserver decodes the whole of ListOptions for a list and a watch alike, so a
        // malformed integer fails either, whether or not it would be used.
        for (const p of ['limit', 'timeoutSeconds']) queryInt(q, p);
        const listCauses = listOptionsCauses(q, isWatch(q, rp));
        if (listCauses.length) throw optionsInvalid('ListOptions', listCauses);
        if (isWatch(q, rp)) {
          const p = parseWatchParams(r, q, neg.table, maxWatchMs);
          await serveWatch(req, res, store, r, ns, p, tracker, log, bookmarkMs, closingWatches);
          return;
        }
        const { items, metadata } = await service.list(r, ns, q);
        return sendJson(res, 200, render(r, neg, q, items, metadata));
      }
      if (method === 'POST') {
        if (r.def.namespaced && !ns) throw new ApiError('MethodNotAllowed', `POST on all-namespaces ${r.def.plural} is not allowed: create in a namespace`);
        const body = await readObjectBody(req, maxBody, r);
        const out = await service.create(r, ns, body, writeOptions(q, res, 'CreateOptions'), ua);
        return sendJson(res, out.code, out.body);
      }
      if (method === 'DELETE') {
        await readBody(req, maxBody);
        queryInt(q, 'gracePeriodSeconds');
        const deleteCauses = deleteOptionsCauses(q, {});
        if (deleteCauses.length) throw optionsInvalid('DeleteOptions', deleteCauses);
        const out = await service.deleteCollection(r, ns, q, writeOptions(q, res, 'DeleteOptions'));
        return sendJson(res, out.code, out.body);
      }
      throw methodNotAllowed(method);
    }
    const name = rp.name;
    if (method === 'GET') {
      if (isWatch(q, rp)) {
        const wq = new URLSearchParams(q);
        const fs = wq.get('fieldSelector');
        wq.set('fieldSelector', fs ? `${fs},metadata.name=${name}` : `metadata.name=${name}`);
        const p = parseWatchParams(r, wq, neg.table, maxWatchMs);
        await serveWatch(req, res, store, r, ns, p, tracker, log, bookmarkMs, closingWatches);
        return;
      }
      const obj = await service.get(r, ns, name);
      return sendJson(res, 200, render(r, neg, q, [obj]));
    }
    if (method === 'PUT') {
      const body = await readObjectBody(req, maxBody, r);
      const out = await service.update(r, ns, name, sub, body, writeOptions(q, res, 'UpdateOptions'), ua);
      return sendJson(res, out.code, out.body);
    }
    if (method === 'PATCH') {
      const ct = req.headers['content-type'];
      const mt = mediaType(ct);
      const known = ['application/merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml', 'application/strategic-merge-patch+json'];
      if (!known.includes(mt)) {
        req.resume();
        throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
      }
      const raw = await readBody(req, maxBody);
      const out = await service.patch(r, ns, name, sub, raw, ct, q, writeOptions(q, res, 'PatchOptions'), ua);
      return sendJson(res, out.code, out.body);
    }
    if (method === 'DELETE' && sub === undefined) {
      const raw = await readBody(req, maxBody);
      const out = await service.delete(r, ns, name, raw, q, writeOptions(q, res, 'DeleteOptions'));
      return sendJson(res, out.code, out.body);
    }
    throw methodNotAllowed(method);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://okube.invalid');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    if (!(ANONYMOUS.test(path) && method === 'GET') && !authorized(req)) {
      req.resume();
      throw new ApiError('Unauthorized', 'Unauthorized');
    }
    if (path === '/version' || path === '/healthz' || path.startsWith('/healthz/') || path === '/livez' || path.startsWith('/livez/') || path === '/readyz' || path.startsWith('/readyz/')) {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method);
      if (path === '/version') return sendJson(res, 200, SERVER_VERSION);
      return health(res, path, q);
    }
    if (path === '/metrics') {
      if (method !== 'GET') throw methodNotAllowed(method);
      const text = await metricsText();
      res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
      return void res.end(text);
    }
    if (path === DEBUG_FLAGS_V) return debugFlags(req, res, method);
    if (path.startsWith('/openapi/')) {
      if (method !== 'GET') throw methodNotAllowed(method);
      return serveOpenApi(req, res, path, registry);
    }
    const route = parsePath(path, (g, v, p) => registry.lookup(g, v, p)?.def);
    switch (route.kind) {
      case 'root': {
        if (method !== 'GET') throw methodNotAllowed(method);
        const neg = negotiate(req.headers.accept);
        if (route.path === '/api' || route.path === '/apis') {
          if (neg.aggregatedDiscovery) {
            return sendJson(res, 200, aggregatedDiscovery(registry, route.path === '/api', neg.aggregatedDiscovery), `application/json;g=apidiscovery.k8s.io;v=${neg.aggregatedDiscovery};as=APIGroupDiscoveryList`);
          }
          return sendJson(res, 200, route.path === '/api' ? apiVersions() : apiGroupList(registry));
        }
        if (route.path === '/') {
          return sendJson(res, 200, { paths: ['/api', '/api/v1', '/apis', ...registry.groups().filter((g) => g.group).flatMap((g) => [`/apis/${g.group}`, ...g.versions.map((v) => `/apis/${g.group}/${v}`)]), '/debug/flags/v', '/healthz', '/livez', '/metrics', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] });
        }
        throw new ApiError('NotFound', 'the server could not find the requested resource');
      }
      case 'group': {
        if (method !== 'GET') throw methodNotAllowed(method);
        const g = apiGroup(registry, route.group);
        if (!g) throw new ApiError('NotFound', 'the server could not find the requested resource');
        return sendJson(res, 200, g);
      }
      case 'groupVersion': {
        if (method !== 'GET') throw methodNotAllowed(method);
        const l = apiResourceList(registry, route.group, route.version);
        if (!l) throw new ApiError('NotFound', 'the server could not find the requested resource');
        return sendJson(res, 200, l);
      }
      case 'resource':
        return handleResource(req, res, route.res, q);
      default:
        throw new ApiError('NotFound', 'the server could not find the requested resource');
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    // Audit-Id, as kube-apiserver sets it: the caller's X-Request-Id / Audit-Id when it sent a
    // usable one, else a new one; every log line of the request carries it.
    const id = requestId(req.headers);
    res.setHeader('Audit-Id', id);
    const info = requestInfo(req.method ?? 'GET', req.url ?? '/', req.headers['content-type'], (g, v, p) => registry.lookup(g, v, p)?.def);
    const endWatch = info.verb === 'WATCH' ? watchStarted(info) : undefined;
    opts.observeRequest?.(req);
    handle(req, res)
      .catch((err: unknown) => {
        let e: ApiError;
        if (err instanceof ApiError) e = err;
        else if (isStoreError(err, 'Unavailable')) e = new ApiError('ServiceUnavailable', 'storage is unavailable, try again later', { retryAfterSeconds: 1 });
        else if (isStoreError(err, 'Expired')) e = new ApiError('Expired', (err as Error).message);
        else {
          log.error({ err, requestId: id, method: req.method, url: req.url }, 'request failed');
          e = new ApiError('InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
        }
        if (!req.complete) req.resume();
        if (res.headersSent) {
          if (!res.writableEnded) res.end();
          return;
        }
        if (e.code === 503) res.setHeader('Retry-After', '1');
        sendJson(res, e.code, e.toStatus());
      })
      .finally(() => {
        const complete = () => {
          endWatch?.();
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          recordRequest(info, res.statusCode, seconds);
          const key = requestKey(info);
          const line = { requestId: id, verb: info.verb, ...(key ? { key } : {}), method: req.method, url: req.url, code: res.statusCode, ms: Math.round(seconds * 1e4) / 10, userAgent: req.headers['user-agent'] };
          if (res.statusCode >= 500) log.warn(line, 'request');
          else log.debug(line, 'request');
        };
        // A watch's handler returns once the stream is set up; the request ends when it closes.
        if (res.writableEnded || res.destroyed) complete();
        else res.once('close', complete);
      });
  };

  const server: Server = certs ? createHttpsServer({ cert: certs.certPem, key: certs.keyPem }, onRequest) : createHttpServer(onRequest);
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.listen.host.includes(':') ? `[${opts.listen.host}]` : opts.listen.host;
  const url = `${certs ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  log.info({ url, resources: defs.map((d) => `${d.plural}.${d.group || 'core'}`) }, 'API server listening');

  let closed = false;
  return {
    url,
    port,
    caPem: certs?.caPem ?? '',
    token: tokens[0],
    activeWatches: () => tracker.active,
    async close() {
      if (closed) return;
      closed = true;
      shuttingDown = true;
      finalizer.stop();
      for (const f of [...closingWatches]) f();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function methodNotAllowed(method: string): ApiError {
  return new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);
}

/** JSON or YAML bodies for every resource; protobuf for the built-in core kinds (kubectl's typed clients). */
async function readObjectBody(req: IncomingMessage, maxBody: number, r: Resource): Promise<Record<string, unknown>> {
  const mt = mediaType(req.headers['content-type']);
  if (mt === PROTOBUF_MEDIA_TYPE && r.def.group === '') return decodeProtobufObject(await readBody(req, maxBody));
  if (!['application/json', 'application/yaml', '', 'text/yaml', 'application/x-yaml'].includes(mt)) {
    req.resume();
    throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  }
  return decodeObject(await readBody(req, maxBody), req.headers['content-type']);
}

function serveOpenApi(req: IncomingMessage, res: ServerResponse, path: string, registry: Registry): void {
  const accept = req.headers.accept ?? '';
  const wantsJson = !accept || /application\/json|\*\/\*/.test(accept);
  if (!wantsJson) throw new ApiError('NotAcceptable', 'only application/json is served for OpenAPI documents');
  const defs = registry.resources.map((r) => r.def);
  if (path === '/openapi/v2') return sendJson(res, 200, openApiV2(defs));
  if (path === '/openapi/v3') return sendJson(res, 200, openApiV3Index(defs));
  const m = /^\/openapi\/v3\/(apis\/[^/]+\/[^/]+|api\/v1)$/.exec(path);
  if (m) {
    const gv = m[1].startsWith('api/') ? 'v1' : m[1].slice('apis/'.length);
    const doc = openApiV3Doc(defs, gv) ?? openApiV3Doc(defs, m[1]);
    if (doc) return sendJson(res, 200, doc);
  }
  throw new ApiError('NotFound', 'the server could not find the requested resource');
}

