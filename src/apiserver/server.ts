import { createServer as createHttpServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Store } from '../storage/store.js';
import { loggerFor } from '../util/logger.js';
import type { HealthEndpoints } from '../health/checks.js';
import { observeRequest as recordRequest, watchStarted } from '../metrics/apiserver.js';
import { parseRequest, requestKey, type ParsedRequest } from './request-info.js';
import { builtinDefs, type ResourceDef } from './schema/index.js';
import { crdDefs, loadCrdDocuments, type CrdDocument } from './schema/resource-def.js';
import { servedCrd } from './schema/crd-def.js';
import { withTaskCells } from './schema/task-cells.js';
import { loadOrCreateCerts, loadOrCreateServiceAccountKey, loadOrCreateToken } from './certs.js';
import { DEFAULT_MAX_BODY_BYTES, requestId, sendJson } from './http.js';
import { GarbageCollector, type GarbageCollectorOptions } from './gc/collector.js';
import { StoreRegistryFeed } from './gc/store-feed.js';
import { DEFAULT_SERVICE_ACCOUNT, DefaultServiceAccounts } from './default-service-accounts.js';
import { NamespaceFinalizer } from './namespaces.js';
import { collectionPrefix, Registry, type Resource } from './registry.js';
import { ResourceService } from './resources.js';
import { TaskEngines } from './task-engines.js';
import { TaskExec, type Upgrade } from './task-exec.js';
import { TaskLogs } from './task-logs.js';
import type { ResourceLookup } from './routing.js';
import { buildChain, defaultFilters } from './filters.js';
import { serviceAccountAuthenticator, tokenAuthenticator, unionAuthenticator, x509Authenticator } from './auth/authenticator.js';
import { ServiceAccountTokens } from './auth/service-account-tokens.js';
import { Authorizer } from './auth/authorizer.js';
import { BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES, WITHDRAWN_RULES } from './auth/bootstrap-policy.js';
import { reconcileBootstrapClusterRole, type ClusterRoleLike } from './auth/bootstrap-reconcile.js';
import { RbacCache } from './auth/rbac-cache.js';
import { RoleAggregator } from './auth/role-aggregator.js';
import { reviewHandler } from './auth/reviews.js';
import { readTokenFile } from './auth/token-file.js';
import { ADMIN, type UserInfo } from './auth/user.js';
import type { UserLimits } from './auth/limits.js';
import { AuditLog, type AuditOptions } from './audit.js';
import type { Handler, RequestContext } from './request-context.js';
import { resourceHandler, type WatchSettings } from './resource-handler.js';
import { nonResourceRoutes, routeHandler } from './routes.js';
import { ApiError, badRequest, isStoreError } from './status.js';
import { WatchCache, type WatchCacheOptions } from './cache/watch-cache.js';
import { settleAll } from '../util/settle-all.js';
import { deepEqual, nowTimestamp } from './objects.js';

// The HTTP(S) front: start-up, the handler chain (filters.ts: authentication, authorization,
// admission; then routes.ts for the non-resource paths and resource-handler.ts for the rest),
// error responses, the request log and metrics, and close. Every request ends in a response;
// nothing a client sends can crash it.

export interface ApiServerOptions {
  store: Store;
  crdDir: string;
  /** Certificates and token persist here (generated at first start). */
  dataDir?: string;
  listen: { host: string; port: number };
  tls?: boolean;
  /**
   * Authentication: `tokens` are admin tokens (system:masters; default: the data dir's token),
   * `tokenAuthFile` kube-apiserver's CSV of further users, `clientCaPem` the CA whose client
   * certificates authenticate (default: okube's generated CA). `disabled` makes every request
   * the admin (tests of the handlers only).
   */
  auth?: { tokens?: string[]; disabled?: boolean; tokenAuthFile?: string; clientCaPem?: string; serviceAccountKeyPem?: string };
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
  /** The audit log (audit.ts); none by default. */
  audit?: AuditOptions;
  /** Per-user limits on requests in flight and open watches (429 beyond them); system:masters is exempt. */
  userLimits?: UserLimits;
  /** The owner-reference garbage collector's settings; `false` runs none (default: on). */
  garbageCollector?: false | GarbageCollectorOptions;
  /** The watch cache's settings; `false` serves every read and watch from the store (default: on). */
  watchCache?: false | WatchCacheOptions;
  /** How long an Event lives after its last write, as kube-apiserver's --event-ttl (default 1 h); 0: for good. */
  eventTtlSeconds?: number;
}

/** kube-apiserver's --event-ttl default. */
export const DEFAULT_EVENT_TTL_SECONDS = 3600;

export interface ApiServer {
  url: string;
  port: number;
  caPem: string;
  token: string;
  /** Watches currently streaming (each holds one Store subscription). */
  activeWatches(): number;
  close(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system'];

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const log = loggerFor('apiserver');
  const store = opts.store;
  // Read once: the served kinds, and the CRD objects stored for them (ensureServedCrds).
  const crdDocs = loadCrdDocuments(opts.crdDir);
  const defs = [...builtinDefs(), ...withTaskCells(crdDefs(crdDocs)), ...(opts.extraDefs ?? [])];
  const registry = new Registry(defs);
  const certs = await servingCerts(opts);
  const tokens = opts.auth?.tokens?.length ? opts.auth.tokens : [loadOrCreateToken(opts.dataDir)];
  // ServiceAccount tokens: signed with the data dir's key (or --service-account-signing-key-file, which replicas share).
  const saTokens = new ServiceAccountTokens(opts.auth?.serviceAccountKeyPem ?? loadOrCreateServiceAccountKey(opts.dataDir));
  const watches: WatchSettings = { tracker: { active: 0 }, closing: new Set(), bookmarkMs: opts.bookmarkIntervalMs ?? 10_000, maxWatchMs: (opts.maxWatchSeconds ?? 1800) * 1000 };

  const tokenUsers = new Map<string, UserInfo>(opts.auth?.tokenAuthFile ? readTokenFile(opts.auth.tokenAuthFile) : []);
  for (const t of tokens) tokenUsers.set(t, ADMIN);
  const clientCaPem = opts.auth?.clientCaPem ?? certs?.caPem;

  const cache = opts.watchCache === false ? undefined : new WatchCache(store, loggerFor('watch-cache'), opts.watchCache);
  try {
    await cache?.start();
  } catch (err) {
    cache?.close();
    throw err;
  }
  const eventTtl = opts.eventTtlSeconds ?? DEFAULT_EVENT_TTL_SECONDS;
  // Events expire (kube-apiserver's --event-ttl): without it every Event a cluster ever wrote stays
  // in etcd and in the watch cache.
  const ttlSeconds = (r: Resource) => (eventTtl > 0 && r.storageGroup === 'core' && r.def.plural === 'events' ? eventTtl : undefined);
  const service: ResourceService = new ResourceService(store, registry, (ns) => finalizer.kick(ns), cache, ttlSeconds);
  const finalizer = new NamespaceFinalizer(store, () => service, log);
  const rbac = new RbacCache(store, log);
  // A start-up that fails after the cache (or the RBAC cache) started must not leave their etcd watches open.
  const clusterRoles = registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
  const aggregator = new RoleAggregator(
    rbac,
    async (role, rules) => {
      const body = { ...(role as unknown as Record<string, unknown>), rules };
      await service.update(clusterRoles, undefined, role.metadata.name, undefined, body as Parameters<ResourceService['update']>[4], { fieldValidation: undefined, dryRun: false }, 'clusterrole-aggregation-controller');
    },
    loggerFor('clusterrole-aggregation'),
  );
  const abort = (err: unknown): never => {
    aggregator.stop();
    rbac.stop();
    cache?.close();
    throw err;
  };
  await ensureBootstrapObjects(service, registry).catch(abort);
  await ensureServedCrds(service, registry, crdDocs).catch(abort);
  await rbac.start().catch(abort);
  aggregator.start();
  const authorizer = new Authorizer(rbac);
  const serviceAccounts = registry.lookup('', 'v1', 'serviceaccounts')!;
  // The account's uid now; none while it is being deleted (kube revokes its tokens then too).
  const saUid = async (ns: string, name: string) => {
    const sa = await service.get(serviceAccounts, ns, name).catch((err: unknown) => {
      if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
      throw err;
    });
    return sa?.metadata.deletionTimestamp ? undefined : sa?.metadata.uid;
  };
  const authenticator = opts.auth?.disabled === true ? { authenticate: () => ADMIN } : unionAuthenticator(x509Authenticator(), tokenAuthenticator(tokenUsers), serviceAccountAuthenticator(saTokens, saUid));
  await finalizer.resume().catch(abort);
  // The collector follows the watch cache's etcd watch when there is one: one registry-wide watch per process.
  const gcLog = loggerFor('garbage-collector');
  const gc = opts.garbageCollector === false ? undefined : new GarbageCollector(store, cache ?? new StoreRegistryFeed(store, gcLog), registry, (ns) => finalizer.kick(ns), gcLog, opts.garbageCollector);
  gc?.start();
  const namespaces = registry.lookup('', 'v1', 'namespaces')!;
  const defaultAccounts = new DefaultServiceAccounts({
    feed: cache ?? new StoreRegistryFeed(store, log),
    namespacesPrefix: collectionPrefix(namespaces),
    serviceAccountsPrefix: collectionPrefix(serviceAccounts),
    create: async (ns) => {
      const body = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT } };
      await service.create(serviceAccounts, ns, body, { fieldValidation: undefined, dryRun: false }, 'serviceaccounts-controller');
    },
    log: loggerFor('serviceaccounts-controller'),
  });
  defaultAccounts.start();

  const lifecycle = { shuttingDown: false };
  const taskEngines = new TaskEngines(service, registry);
  const taskExec = new TaskExec(taskEngines, loggerFor('task-exec'));
  const resource = resourceHandler({ store, cache, registry, service, log, maxBody: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, watches, serviceAccountTokens: saTokens, taskLogs: new TaskLogs(taskEngines, loggerFor('task-logs')), taskExec });
  const routes = nonResourceRoutes({ registry, health: healthEndpoints(store, lifecycle), log });
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const chain = buildChain(defaultFilters({ authenticator, authorizer, limits: opts.userLimits }), routeHandler(routes, reviewHandler(maxBody, resource)));
  const audit = opts.audit ? new AuditLog(opts.audit) : undefined;
  const onRequest = requestListener({ chain, log, lookup: (g, v, p) => registry.lookup(g, v, p)?.def, observeRequest: opts.observeRequest, audit });

  // Client certificates are asked for, never required: a request without one authenticates by
  // token or stays anonymous; only a certificate the CA verified names a user (x509Authenticator).
  const server: Server = certs ? createHttpsServer({ cert: certs.certPem, key: certs.keyPem, requestCert: true, rejectUnauthorized: false, ...(clientCaPem ? { ca: clientCaPem } : {}) }, onRequest) : createHttpServer(onRequest);
  server.on('upgrade', upgradeListener(onRequest));
  const url = await listen(server, opts.listen, certs !== undefined).catch(async (err: unknown) => {
    gc?.stop();
    defaultAccounts.stop();
    finalizer.stop();
    await audit?.close();
    return abort(err);
  });
  log.info({ url, resources: defs.map((d) => `${d.plural}.${d.group || 'core'}`) }, 'API server listening');

  let closed = false;
  return {
    url,
    port: (server.address() as AddressInfo).port,
    caPem: certs?.caPem ?? '',
    token: tokens[0],
    activeWatches: () => watches.tracker.active,
    async close() {
      if (closed) return;
      closed = true;
      lifecycle.shuttingDown = true;
      finalizer.stop();
      aggregator.stop();
      rbac.stop();
      gc?.stop();
      defaultAccounts.stop();
      await audit?.close();
      for (const f of [...watches.closing]) f();
      taskExec.close();
      cache?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Certificates from the options, or generated once and kept in dataDir; none without TLS. */
async function servingCerts(opts: ApiServerOptions): Promise<{ certPem: string; keyPem: string; caPem: string } | undefined> {
  if (!(opts.tls ?? true)) return undefined;
  if (opts.servingCerts) return { caPem: opts.servingCerts.caPem ?? opts.servingCerts.certPem, ...opts.servingCerts };
  return loadOrCreateCerts(opts.dataDir);
}

/**
 * Creates `obj` unless an object of that name exists. The read comes first: on every start but
 * the first they all exist, and a create would run admission (compiling the kind's schema) only
 * to be refused with AlreadyExists.
 */
async function createIfMissing(service: ResourceService, r: Resource, obj: Record<string, unknown>): Promise<void> {
  const name = (obj.metadata as { name: string }).name;
  try {
    await service.get(r, undefined, name);
    return;
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
  }
  try {
    await service.create(r, undefined, structuredClone(obj), { fieldValidation: undefined, dryRun: false }, 'okube-apiserver');
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}

/**
 * An object okube keeps at start: created when missing; an existing one replaced by what
 * `updated` makes of it (undefined: left as it is). A Conflict or NotFound means another API
 * server of the cluster wrote it at the same moment; the next start looks again.
 */
async function ensureObject(service: ResourceService, r: Resource, obj: Record<string, unknown>, updated: (existing: Record<string, unknown>) => Record<string, unknown> | undefined): Promise<boolean> {
  const name = (obj.metadata as { name: string }).name;
  let existing: Record<string, unknown>;
  try {
    existing = (await service.get(r, undefined, name)) as unknown as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    await createIfMissing(service, r, obj);
    return false;
  }
  const next = updated(existing);
  if (!next) return false;
  try {
    await service.update(r, undefined, name, undefined, next as unknown as Parameters<ResourceService['update']>[4], { fieldValidation: undefined, dryRun: false }, 'okube-apiserver');
    return true;
  } catch (err) {
    if (!(err instanceof ApiError && (err.reason === 'Conflict' || err.reason === 'NotFound'))) throw err;
    return false;
  }
}

/**
 * A default ClusterRole: created when missing; an existing one gets what the current default adds
 * (auth/bootstrap-reconcile.ts), unless marked autoupdate "false".
 */
async function ensureClusterRole(service: ResourceService, r: Resource, obj: Record<string, unknown>): Promise<void> {
  const name = (obj.metadata as { name: string }).name;
  const reconciled = (existing: Record<string, unknown>) => reconcileBootstrapClusterRole(existing as unknown as ClusterRoleLike, obj as unknown as ClusterRoleLike, WITHDRAWN_RULES[name]) as Record<string, unknown> | undefined;
  if (await ensureObject(service, r, obj, reconciled)) loggerFor('apiserver').info({ clusterRole: name }, 'default ClusterRole reconciled to the current default (missing rules added, withdrawn ones removed)');
}

/** The system namespaces and the default ClusterRoles and ClusterRoleBindings (auth/bootstrap-policy.ts), created when missing (roles reconciled), all at once. */
async function ensureBootstrapObjects(service: ResourceService, registry: Registry): Promise<void> {
  const namespaces = registry.lookup('', 'v1', 'namespaces')!;
  const roles = registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
  const bindings = registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!;
  const all: Array<[Resource, Record<string, unknown>]> = [
    ...SYSTEM_NAMESPACES.map((name): [Resource, Record<string, unknown>] => [namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }]),
    ...BOOTSTRAP_CLUSTER_ROLE_BINDINGS.map((o): [Resource, Record<string, unknown>] => [bindings, o]),
  ];
  await settleAll([
    ...all.map(([r, obj]) => createIfMissing(service, r, obj)),
    ...BOOTSTRAP_CLUSTER_ROLES.map((o) => ensureClusterRole(service, roles, o as unknown as Record<string, unknown>)),
  ]);
}

/**
 * The CustomResourceDefinitions of crds/ as stored objects (schema/crd-def.ts): created when
 * missing, replaced when a newer okube ships another spec.
 */
async function ensureServedCrds(service: ResourceService, registry: Registry, docs: CrdDocument[]): Promise<void> {
  const r = registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
  const now = nowTimestamp();
  await settleAll(
    docs.map(async ({ doc }) => {
      const want = servedCrd(doc, now);
      await ensureObject(service, r, want, (existing) => (deepEqual(existing.spec, want.spec) ? undefined : { ...want, metadata: { ...(existing.metadata as object) } }));
    }),
  );
}

/**
 * Real checks, each bounded by a short deadline: etcd must answer a read; once close() began
 * the server is no longer ready (load balancers drain it) but still live.
 */
function healthEndpoints(store: Store, lifecycle: { shuttingDown: boolean }): HealthEndpoints {
  const ping = { name: 'ping', check: async () => undefined };
  const etcd = { name: 'etcd', check: async () => void (await store.currentRevision()) };
  const shutdown = { name: 'shutdown', check: async () => (lifecycle.shuttingDown ? 'the server is shutting down' : undefined) };
  return { healthz: [ping, etcd], livez: [ping, etcd], readyz: [ping, etcd, shutdown] };
}

async function listen(server: Server, at: { host: string; port: number }, tls: boolean): Promise<string> {
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = at.host.includes(':') ? `[${at.host}]` : at.host;
  return `${tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}

interface ListenerDeps {
  chain: Handler;
  log: Logger;
  lookup: ResourceLookup;
  observeRequest?: (req: IncomingMessage) => void;
  audit?: AuditLog;
}

type Listener = (req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade) => void;

/**
 * A request that asks to leave HTTP (Connection: Upgrade) runs the same chain with a response on
 * its socket, so a refusal is an ordinary Status; tasks/exec alone takes the socket over. Node's
 * HTTP server no longer reads that socket, so it is ended after any ordinary answer. Nor does it
 * read the body of such a request: one that has a body (never an exec) is refused, not run without it.
 */
function upgradeListener(onRequest: Listener): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => socket.end());
    if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined) {
      res.setHeader('Audit-Id', requestId(req.headers));
      return sendJson(res, 400, badRequest(`only tasks/exec upgrades a connection (Upgrade: ${String(req.headers.upgrade)}); send a request with a body without the Upgrade header`).toStatus());
    }
    onRequest(req, res, { socket, head });
  };
}

/** Each request: its URL parsed once, the chain run, any failure answered, then metrics and the log line. */
function requestListener(deps: ListenerDeps): Listener {
  return (req, res, upgrade) => {
    const started = process.hrtime.bigint();
    const received = new Date();
    // Audit-Id, as kube-apiserver sets it: the caller's X-Request-Id / Audit-Id when it sent a
    // usable one, else a new one; every log line of the request carries it.
    const id = requestId(req.headers);
    res.setHeader('Audit-Id', id);
    const method = req.method ?? 'GET';
    const parsed = parseRequest(method, req.url ?? '/', req.headers['content-type'], deps.lookup);
    const endWatch = parsed.info.verb === 'WATCH' ? watchStarted(parsed.info) : undefined;
    deps.observeRequest?.(req);
    const ctx: RequestContext = { req, res, method, parsed, ...(upgrade ? { upgrade } : {}) };
    const run = async () => {
      // As before the chain existed: a URL that cannot be parsed fails first, whoever asks.
      if (parsed.urlError !== undefined) throw parsed.urlError;
      await deps.chain(ctx);
    };
    run()
      .catch((err: unknown) => answerError(req, res, toApiError(err, deps.log, { requestId: id, method: req.method, url: req.url })))
      .finally(() => {
        const complete = () => {
          endWatch?.();
          logRequest(deps.log, req, res, parsed, id, Number(process.hrtime.bigint() - started) / 1e9);
          deps.audit?.record(ctx, id, res.statusCode, received);
        };
        // A watch's handler returns once the stream is set up; the request ends when it closes.
        if (res.writableEnded || res.destroyed) complete();
        else res.once('close', complete);
      });
  };
}

/** Store failures a client can act on keep their meaning; anything else is an internal error, logged. */
function toApiError(err: unknown, log: Logger, request: Record<string, unknown>): ApiError {
  if (err instanceof ApiError) return err;
  if (isStoreError(err, 'Unavailable')) return new ApiError('ServiceUnavailable', 'storage is unavailable, try again later', { retryAfterSeconds: 1 });
  if (isStoreError(err, 'Expired')) return new ApiError('Expired', (err as Error).message);
  log.error({ err, ...request }, 'request failed');
  return new ApiError('InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
}

/** The error as a Status, unless the response already started (then it is only ended). */
function answerError(req: IncomingMessage, res: ServerResponse, e: ApiError): void {
  if (!req.complete) req.resume();
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  if (e.httpCode === 503) res.setHeader('Retry-After', '1');
  sendJson(res, e.httpCode, e.toStatus());
}

function logRequest(log: Logger, req: IncomingMessage, res: ServerResponse, parsed: ParsedRequest, id: string, seconds: number): void {
  const info = parsed.info;
  recordRequest(info, res.statusCode, seconds);
  const failed = res.statusCode >= 500;
  // Every request passes here: the line is only built when it will be written.
  if (!log.isLevelEnabled(failed ? 'warn' : 'debug')) return;
  const key = requestKey(info);
  const line = { requestId: id, verb: info.verb, ...(key ? { key } : {}), method: req.method, url: req.url, code: res.statusCode, ms: Math.round(seconds * 1e4) / 10, userAgent: req.headers['user-agent'] };
  if (failed) log.warn(line, 'request');
  else log.debug(line, 'request');
}
