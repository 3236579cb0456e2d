import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setOwn } from '../util/own.js';
import { randomUUID } from 'node:crypto';
import { loadKubeYaml } from '../util/kube-yaml.js';
import { ApiError, badRequest } from './status.js';
import { isPlainObject } from './objects.js';

// Request/response plumbing: bounded bodies, JSON/YAML decoding, media-type negotiation.

export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      reject(new ApiError('RequestEntityTooLarge', `Request entity too large: limit is ${maxBytes}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > maxBytes) {
        failed = true;
        reject(new ApiError('RequestEntityTooLarge', `Request entity too large: limit is ${maxBytes}`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) reject(badRequest(`error reading request body: ${err.message}`));
    });
  });
}

/** media type without parameters, lower-cased */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Nesting deeper than this is refused (as Kubernetes' JSON decoder does) before any recursive code sees it. */
export const MAX_BODY_DEPTH = 10_000;

/**
 * YAML aliases let a few hundred bytes expand into billions of values once anything walks the
 * result ("billion laughs", CVE-2019-11253 against kube-apiserver): one request would freeze the
 * server. A decoded body may hold at most a few values per byte of its text; the walk stops as
 * soon as that budget is spent, so checking costs no more than the body is long.
 */
function checkExpansion(value: unknown, textLength: number): void {
  const budget = 4 * textLength + 10_000;
  let values = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++values > budget) throw badRequest(`the body of the request expands to more than ${budget} values (YAML aliases are limited)`);
    if (depth > MAX_BODY_DEPTH) throw badRequest(`the body of the request is nested more than ${MAX_BODY_DEPTH} levels deep`);
    if (v !== null && typeof v === 'object') for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
}

/** Decodes a JSON or YAML body into an object; anything else is a 400. */
export function decodeObject(body: Buffer, contentType: string | undefined, what = 'object'): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest(`the body of the request was empty, expected an ${what}`);
  const mt = mediaType(contentType);
  let value: unknown;
  try {
    if (mt === 'application/yaml' || mt === 'application/apply-patch+yaml' || mt === 'text/yaml' || mt === 'application/x-yaml') {
      value = loadKubeYaml(text);
    } else {
      value = JSON.parse(text);
    }
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw badRequest(`the body of the request could not be decoded as ${mt.includes('yaml') ? 'YAML' : 'JSON'}: ${msg}`);
  }
  if (!isPlainObject(value)) throw badRequest(`the body of the request must be a single ${what}, got ${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'null' : typeof value}`);
  checkExpansion(value, text.length);
  return value;
}

export interface Negotiated {
  /** Table requested (kubectl get): value is the meta.k8s.io version to answer with. */
  table?: 'v1' | 'v1beta1';
  /** PartialObjectMetadata(List) requested (metadata informers). */
  partial?: 'v1' | 'v1beta1';
  /** Aggregated discovery requested. */
  aggregatedDiscovery?: 'v2' | 'v2beta1';
}

interface MediaRange { type: string; params: Record<string, string> }

export function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept) return [];
  return accept
    .split(',')
    .map((part) => {
      const [type, ...ps] = part.split(';').map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const p of ps) {
        const i = p.indexOf('=');
        if (i > 0) setOwn(params, p.slice(0, i).trim().toLowerCase(), p.slice(i + 1).trim());
      }
      return { type: type.toLowerCase(), params };
    })
    .filter((m) => m.type);
}

const jsonish = (t: string) => t === 'application/json' || t === '*/*' || t === 'application/*' || t === 'application/yaml' || t === 'application/json;stream=watch';

/** Picks the first acceptable representation in the client's order; 406 when only protobuf etc. */
export function negotiate(accept: string | undefined): Negotiated {
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return {};
  for (const r of ranges) {
    if (!jsonish(r.type)) continue;
    const { as, g, v } = r.params;
    if (as === 'Table' && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) return { table: v };
    if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) return { partial: v };
    if (as === 'APIGroupDiscoveryList' && g === 'apidiscovery.k8s.io' && (v === 'v2' || v === 'v2beta1')) return { aggregatedDiscovery: v };
    if (!as) return {};
  }
  throw new ApiError('NotAcceptable', `only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io`);
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const data = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data), 'Cache-Control': 'no-cache, private' });
  res.end(data);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  sendBytes(res, code, text, 'text/plain; charset=utf-8');
}

export function sendBytes(res: ServerResponse, code: number, body: string | Buffer, contentType: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache, private' });
  res.end(body);
}

/** Adds a `Warning: 299 - "..."` header (RFC 7234 style, as the real API server does). */
export function addWarning(res: ServerResponse, message: string): void {
  const prev = res.getHeader('Warning');
  const v = `299 - ${JSON.stringify(message)}`;
  const list = Array.isArray(prev) ? [...prev, v] : prev ? [String(prev), v] : [v];
  res.setHeader('Warning', list);
}

/**
 * The request's id: the caller's Audit-Id or X-Request-Id when it is a plain token (it is echoed
 * in a header and logged, so nothing else is taken), otherwise a fresh UUID.
 */
export function requestId(headers: IncomingHttpHeaders): string {
  for (const h of [headers['audit-id'], headers['x-request-id']]) {
    const v = Array.isArray(h) ? h[0] : h;
    if (v && /^[A-Za-z0-9._:-]{1,128}$/.test(v)) return v;
  }
  return randomUUID();
}
