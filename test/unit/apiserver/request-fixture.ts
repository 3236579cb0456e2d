import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { parseRequest } from '../../../src/apiserver/request-info.js';
import type { Handler, RequestContext } from '../../../src/apiserver/request-context.js';
import type { ResourceLookup } from '../../../src/apiserver/routing.js';
import { ApiError } from '../../../src/apiserver/status.js';

// A request as the filter chain and the routes see it, without a socket: its headers and body,
// its URL parsed as the server parses it, and a response that records what was written. An
// ApiError the handler throws becomes the Status answer the server would write for it.

export interface Answer {
  status: number;
  contentType: string;
  body: string;
  /** The ApiError the handler threw, if it threw one. */
  error?: ApiError;
}

export interface RequestSpec {
  headers?: Record<string, string>;
  body?: string;
  lookup?: ResourceLookup;
}

class RecordingResponse extends EventEmitter {
  headersSent = false;
  writableEnded = false;
  statusCode = 200;
  readonly headers: OutgoingHttpHeaders = {};
  body = '';

  setHeader(name: string, value: string | number): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  writeHead(status: number, headers: OutgoingHttpHeaders = {}): this {
    this.statusCode = status;
    for (const [k, v] of Object.entries(headers)) this.headers[k.toLowerCase()] = v;
    this.headersSent = true;
    return this;
  }

  end(data?: string | Buffer): this {
    if (data !== undefined) this.body += data.toString();
    this.headersSent = true;
    this.writableEnded = true;
    return this;
  }
}

export function requestContext(method: string, url: string, spec: RequestSpec = {}): { ctx: RequestContext; res: RecordingResponse } {
  const req = Object.assign(Readable.from(spec.body === undefined ? [] : [Buffer.from(spec.body)]), { method, url, headers: spec.headers ?? {} });
  const res = new RecordingResponse();
  const parsed = parseRequest(method, url, spec.headers?.['content-type'], spec.lookup ?? (() => undefined));
  return { ctx: { req: req as unknown as IncomingMessage, res: res as unknown as ServerResponse, method, parsed }, res };
}

/** Runs `handler` on one request and returns what the client would get. */
export async function serve(handler: Handler, method: string, url: string, spec: RequestSpec = {}): Promise<Answer> {
  const { ctx, res } = requestContext(method, url, spec);
  try {
    await handler(ctx);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { status: err.httpCode, contentType: 'application/json', body: JSON.stringify(err.toStatus()), error: err };
  }
  return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body };
}
