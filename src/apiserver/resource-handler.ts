import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Store } from '../storage/store.js';
import { decodeObject, mediaType, negotiate, readBody, sendJson, type Negotiated } from './http.js';
import type { Obj } from './objects.js';
import { deleteOptionsCauses, listOptionsCauses, optionsInvalid } from './options-validation.js';
import { decodeProtobufObject, PROTOBUF_MEDIA_TYPE } from './protobuf.js';
import { queryBool, queryInt } from './query-params.js';
import type { Registry, Resource } from './registry.js';
import { methodNotAllowed, pathNotFound, type Handler, type RequestContext } from './request-context.js';
import { writeOptions, type WriteOptions } from './request-options.js';
import type { ResourceService } from './resources.js';
import type { ResourcePath } from './routing.js';
import { scaleTable } from './scale.js';
import { toTable } from './schema/index.js';
import { ApiError, badRequest, notFound } from './status.js';
import { parseWatchParams, serveWatch, type WatchTracker } from './watch.js';
import type { WatchCache } from './cache/watch-cache.js';
import { serveCachedWatch } from './cache/cached-watch.js';
import { countCacheRead } from '../metrics/watch-cache.js';
import { authorizerVerb } from './auth/attributes.js';
import type { ServiceAccountTokens } from './auth/service-account-tokens.js';
import { TOKEN_REQUEST_GVK } from './schema/serviceaccount.js';
import { tokenRequestSpec } from './token-request.js';
import { logQuery, type TaskLogs } from './task-logs.js';
import { execQuery, type TaskExec } from './task-exec.js';
import type { Task } from '../api/types.js';

// The HTTP side of the resource endpoints: which REST verb a request is, its body and options
// decoded, and the answer rendered (object, list, Table, PartialObjectMetadata, watch stream).
// The semantics of each verb are ResourceService's.

export interface WatchSettings {
  tracker: WatchTracker;
  /** Ends every open watch (server close). */
  closing: Set<() => void>;
  bookmarkMs: number;
  maxWatchMs: number;
}

export interface ResourceHandlerDeps {
  store: Store;
  /** Serves watches it can (cache/cached-watch.ts); absent: every watch has its own etcd watch. */
  cache?: WatchCache;
  registry: Registry;
  service: ResourceService;
  log: Logger;
  maxBody: number;
  watches: WatchSettings;
  /** Signs the tokens the ServiceAccount token subresource hands out. */
  serviceAccountTokens?: ServiceAccountTokens;
  /** Reads Tasks' output from their Nodes' engines (the tasks/log subresource). */
  taskLogs?: TaskLogs;
  /** Runs commands in Tasks' containers through their Nodes' engines (the tasks/exec subresource). */
  taskExec?: TaskExec;
}

/** One resource request, resolved: the resource served, the namespace it applies to, the caller. */
interface Target {
  ctx: RequestContext;
  rp: ResourcePath;
  r: Resource;
  ns: string | undefined;
  sub: string | undefined;
  userAgent: string;
  neg: Negotiated;
}

const PATCH_TYPES = ['application/merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml', 'application/strategic-merge-patch+json'];
const OBJECT_TYPES = ['application/json', 'application/yaml', '', 'text/yaml', 'application/x-yaml'];

export function resourceHandler(deps: ResourceHandlerDeps): Handler {
  return async (ctx) => {
    const { route } = ctx.parsed;
    if (route.kind !== 'resource') throw pathNotFound();
    const rp = route.res;
    const r = deps.registry.lookup(rp.group, rp.version, rp.plural)!;
    const sub = rp.subresource;
    // A resource that serves only some verbs (the read-only CRDs): the others are 405, as kube-apiserver answers them.
    if (r.def.verbs && !r.def.verbs.includes(authorizerVerb(ctx.parsed, ctx.method))) throw methodNotAllowed(ctx.method);
    if (sub !== undefined && !(sub === 'status' && r.def.hasStatus) && !(sub === 'scale' && r.def.scale) && !(sub === 'token' && r.def.tokenRequest && deps.serviceAccountTokens) && !(sub === 'log' && r.def.taskStreams && deps.taskLogs) && !(sub === 'exec' && r.def.taskStreams && deps.taskExec)) {
      // apiextensions-apiserver answers a subresource a CRD does not declare as the object not found.
      const custom = r.def.group !== '' && !r.def.group.endsWith('.k8s.io');
      throw custom && rp.name !== undefined ? notFound(r.def.plural, r.def.group, rp.name) : pathNotFound();
    }
    const t: Target = {
      ctx,
      rp,
      r,
      ns: r.def.namespaced ? rp.namespace : undefined,
      sub,
      userAgent: String(ctx.req.headers['user-agent'] ?? 'unknown'),
      neg: ctx.method === 'GET' ? negotiate(ctx.req.headers.accept) : {},
    };
    if (rp.name === undefined) return serveCollection(deps, t);
    if (sub === 'token') return serveToken(deps, t, rp.name);
    if (sub === 'log') return serveLog(deps, t, rp.name);
    if (sub === 'exec') return serveExec(deps, t, rp.name);
    return sub === 'scale' ? serveScale(deps, t, rp.name) : serveObject(deps, t, rp.name);
  };
}

/** .../serviceaccounts/{name}/token: POST of a TokenRequest answered with a signed token (token-request.ts). */
async function serveToken(deps: ResourceHandlerDeps, t: Target, name: string): Promise<void> {
  const { ctx: { req, res, method }, r, ns } = t;
  if (method !== 'POST') throw methodNotAllowed(method);
  const body = await readObjectBody(req, deps.maxBody, r);
  const spec = tokenRequestSpec(name, body);
  const sa = await deps.service.get(r, ns, name);
  const issued = await deps.serviceAccountTokens!.issue({ namespace: ns!, name, uid: sa.metadata.uid! }, spec.audiences, spec.expirationSeconds);
  return sendJson(res, 201, {
    kind: TOKEN_REQUEST_GVK.kind,
    apiVersion: `${TOKEN_REQUEST_GVK.group}/${TOKEN_REQUEST_GVK.version}`,
    metadata: { name, namespace: ns, creationTimestamp: null },
    spec: { audiences: spec.audiences, expirationSeconds: spec.expirationSeconds, boundObjectRef: null },
    status: issued,
  });
}

/** .../tasks/{name}/log: the Task's output, streamed from its Node's engine (task-logs.ts). */
async function serveLog(deps: ResourceHandlerDeps, t: Target, name: string): Promise<void> {
  const { ctx: { res, method, parsed: { query: q } }, r, ns } = t;
  if (method !== 'GET') throw methodNotAllowed(method);
  const opts = logQuery(q, new Date());
  const task = (await deps.service.get(r, ns, name)) as unknown as Task;
  await deps.taskLogs!.serve(task, opts, res);
}

/** .../tasks/{name}/exec: a command in the Task's running container over a WebSocket (task-exec.ts). */
async function serveExec(deps: ResourceHandlerDeps, t: Target, name: string): Promise<void> {
  const { ctx: { req, res, method, upgrade, parsed: { query: q } }, r, ns } = t;
  if (method !== 'GET' && method !== 'POST') throw methodNotAllowed(method);
  const opts = execQuery(q);
  const task = (await deps.service.get(r, ns, name)) as unknown as Task;
  await deps.taskExec!.serve(task, opts, req, res, upgrade);
}

/** The write's options with the authorization filter's object check (RBAC escalation), if any. */
function withAdmit(t: Target, opts: WriteOptions): WriteOptions {
  return t.ctx.admitObject ? { ...opts, admitObject: t.ctx.admitObject } : opts;
}

function isWatch(q: URLSearchParams, rp: ResourcePath): boolean {
  return rp.watch || queryBool(q, 'watch') === true;
}

async function serveCollection(deps: ResourceHandlerDeps, t: Target): Promise<void> {
  const { ctx: { req, res, method, parsed: { query: q } }, r, ns } = t;
  if (method === 'GET') {
    // kube-apiserver decodes the whole of ListOptions for a list and a watch alike, so a
    // malformed integer fails either, whether or not it would be used.
    for (const p of ['limit', 'timeoutSeconds']) queryInt(q, p);
    const listCauses = listOptionsCauses(q, isWatch(q, t.rp));
    if (listCauses.length) throw optionsInvalid('ListOptions', listCauses);
    if (isWatch(q, t.rp)) return watch(deps, t, q);
    const { items, metadata } = await deps.service.list(r, ns, q);
    return sendJson(res, 200, render(t, items, metadata));
  }
  if (method === 'POST') {
    if (r.def.namespaced && !ns) throw new ApiError('MethodNotAllowed', `POST on all-namespaces ${r.def.plural} is not allowed: create in a namespace`);
    const body = await readObjectBody(req, deps.maxBody, r);
    const out = await deps.service.create(r, ns, body, withAdmit(t, writeOptions(q, res, 'CreateOptions')), t.userAgent);
    return sendJson(res, out.code, out.body);
  }
  if (method === 'DELETE') {
    const raw = await readBody(req, deps.maxBody);
    queryInt(q, 'gracePeriodSeconds');
    const deleteCauses = deleteOptionsCauses(q, {});
    if (deleteCauses.length) throw optionsInvalid('DeleteOptions', deleteCauses);
    const out = await deps.service.deleteCollection(r, ns, q, withAdmit(t, writeOptions(q, res, 'DeleteOptions')), raw);
    return sendJson(res, out.code, out.body);
  }
  throw methodNotAllowed(method);
}

async function serveObject(deps: ResourceHandlerDeps, t: Target, name: string): Promise<void> {
  const { ctx: { req, res, method, parsed: { query: q } }, r, ns, sub } = t;
  if (method === 'GET') {
    if (isWatch(q, t.rp)) {
      const wq = new URLSearchParams(q);
      const fs = wq.get('fieldSelector');
      wq.set('fieldSelector', fs ? `${fs},metadata.name=${name}` : `metadata.name=${name}`);
      return watch(deps, t, wq);
    }
    const obj = await deps.service.get(r, ns, name);
    return sendJson(res, 200, render(t, [obj]));
  }
  if (method === 'PUT') {
    const body = await readObjectBody(req, deps.maxBody, r);
    const out = await deps.service.update(r, ns, name, sub, body, withAdmit(t, writeOptions(q, res, 'UpdateOptions')), t.userAgent);
    return sendJson(res, out.code, out.body);
  }
  if (method === 'PATCH') {
    const ct = req.headers['content-type'];
    const raw = await readPatchBody(req, deps.maxBody);
    const out = await deps.service.patch(r, ns, name, sub, raw, ct, q, withAdmit(t, writeOptions(q, res, 'PatchOptions')), t.userAgent);
    return sendJson(res, out.code, out.body);
  }
  if (method === 'DELETE' && sub === undefined) {
    const raw = await readBody(req, deps.maxBody);
    const out = await deps.service.delete(r, ns, name, raw, q, withAdmit(t, writeOptions(q, res, 'DeleteOptions')));
    return sendJson(res, out.code, out.body);
  }
  throw methodNotAllowed(method);
}

/** .../{name}/scale: an autoscaling/v1 Scale for get, update and patch, as kube-apiserver serves a custom resource's. */
async function serveScale(deps: ResourceHandlerDeps, t: Target, name: string): Promise<void> {
  const { ctx: { req, res, method, parsed: { query: q } }, r, ns } = t;
  if (method === 'GET' && !isWatch(q, t.rp)) {
    const scale = await deps.service.getScale(r, ns, name);
    if (t.neg.table) return sendJson(res, 200, scaleTable(scale, includeObject(q), `meta.k8s.io/${t.neg.table}`));
    if (t.neg.partial) return sendJson(res, 200, { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${t.neg.partial}`, metadata: scale.metadata });
    return sendJson(res, 200, scale);
  }
  if (method === 'PUT') {
    // A Scale is JSON or YAML here: protobuf is only for the built-in core kinds.
    const body = await readObjectBody(req, deps.maxBody, r, false);
    const out = await deps.service.updateScale(r, ns, name, body, withAdmit(t, writeOptions(q, res, 'UpdateOptions')), t.userAgent);
    return sendJson(res, out.code, out.body);
  }
  if (method === 'PATCH') {
    const ct = req.headers['content-type'];
    const raw = await readPatchBody(req, deps.maxBody);
    const out = await deps.service.patchScale(r, ns, name, raw, ct, q, withAdmit(t, writeOptions(q, res, 'PatchOptions')), t.userAgent);
    return sendJson(res, out.code, out.body);
  }
  // kube-apiserver's NewMethodNotSupported for a verb the custom resource's scale handler lacks.
  const verb = method === 'GET' ? 'watch' : method === 'POST' ? 'create' : method.toLowerCase();
  throw new ApiError('MethodNotAllowed', `${verb} is not supported on resources of kind "${r.def.plural}.${r.def.group}"`, { group: r.def.group, kind: r.def.plural });
}

function includeObject(q: URLSearchParams): 'None' | 'Object' | 'Metadata' {
  const io = q.get('includeObject') ?? 'Metadata';
  if (io !== 'None' && io !== 'Object' && io !== 'Metadata') throw badRequest(`includeObject: Unsupported value: "${io}"`);
  return io;
}

/** Returns once the stream is set up; the request ends when the watch closes. */
async function watch(deps: ResourceHandlerDeps, t: Target, q: URLSearchParams): Promise<void> {
  const w = deps.watches;
  const p = parseWatchParams(t.r, q, t.neg.table, w.maxWatchMs);
  if (deps.cache) {
    const cached = await serveCachedWatch(t.ctx.req, t.ctx.res, deps.cache, t.r, t.ns, p, { tracker: w.tracker, closing: w.closing, bookmarkMs: w.bookmarkMs, log: deps.log });
    countCacheRead('WATCH', t.r.def.plural, cached);
    if (cached) return;
  }
  await serveWatch(t.ctx.req, t.ctx.res, deps.store, t.r, t.ns, p, w.tracker, deps.log, w.bookmarkMs, w.closing);
}

/** The answer in the form the client negotiated: the object or list, a Table, or PartialObjectMetadata. */
function render({ r, neg, ctx }: Target, objects: Obj[], listMeta?: Record<string, unknown>): unknown {
  if (neg.table) {
    const io = includeObject(ctx.parsed.query);
    const t = toTable(r.def, objects, { includeObject: io, listMeta: listMeta ?? {}, wide: true }) as Record<string, unknown>;
    return { ...t, apiVersion: `meta.k8s.io/${neg.table}` };
  }
  if (neg.partial) {
    const pom = (o: Obj) => ({ kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${neg.partial}`, metadata: o.metadata });
    return listMeta ? { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${neg.partial}`, metadata: listMeta, items: objects.map(pom) } : pom(objects[0]);
  }
  if (listMeta) return { apiVersion: r.apiVersion, kind: r.def.listKind, metadata: listMeta, items: objects };
  return objects[0];
}

/** A PATCH body of a patch type the API server knows (which ones a resource takes is ResourceService's). */
async function readPatchBody(req: IncomingMessage, maxBody: number): Promise<Buffer> {
  if (!PATCH_TYPES.includes(mediaType(req.headers['content-type']))) {
    req.resume();
    throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
  }
  return readBody(req, maxBody);
}

/** JSON or YAML bodies for every resource; protobuf for the built-in core and RBAC kinds (kubectl's typed clients). */
async function readObjectBody(req: IncomingMessage, maxBody: number, r: Resource, protobuf = true): Promise<Record<string, unknown>> {
  const mt = mediaType(req.headers['content-type']);
  if (protobuf && mt === PROTOBUF_MEDIA_TYPE && (r.def.group === '' || r.def.group === 'rbac.authorization.k8s.io')) return decodeProtobufObject(await readBody(req, maxBody));
  if (!OBJECT_TYPES.includes(mt)) {
    req.resume();
    throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  }
  return decodeObject(await readBody(req, maxBody), req.headers['content-type']);
}
