import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { CliError } from '../cli-error.js';
import { serverError } from './api-error.js';
import { staticTarget, type ApiTarget } from './kubeconfig-static.js';
import { serverWarnings, WarningPrinter } from './server-warnings.js';
import { withOverrides, type TargetOverrides } from './target-overrides.js';

// One API server, as the okube client commands see it: the kubeconfig kubectl would use
// (--kubeconfig, $KUBECONFIG, ~/.kube/config), its namespace, and raw REST calls. Raw rather
// than client-node's typed APIs because the commands need what kubectl asks for: Table output,
// watch streams of Tables, server-side apply, and the server's own Status on failure.
// client-node is loaded only for kubeconfigs kubeconfig-static.ts does not read itself.

export interface ConnectionOptions extends TargetOverrides {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface RequestSpec {
  method?: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
}

export interface Response<T> {
  code: number;
  body: T;
}

export const TABLE_ACCEPT = 'application/json;as=Table;g=meta.k8s.io;v=v1,application/json';

/** The server could not be reached at all (no point trying the next object). */
export class ConnectionError extends CliError {
  constructor(message: string, exitCode = 1, prefix = 'error: ') {
    super(message, exitCode, prefix, 'ConnectionError');
  }
}

export class Connection {
  readonly server: URL;
  /** The target's identity beside its URL (its CA), when known. */
  readonly identity?: string;
  /** -n, else the kubeconfig context's namespace, else "default". */
  readonly namespace: string;
  /** Called when the server answers 404 for a resource path itself (not for a missing object). */
  onUnknownResource?: () => void;
  /** Where the server's warnings go: stderr, each once. */
  warnings = new WarningPrinter();

  constructor(
    private readonly target: ApiTarget,
    namespace?: string,
  ) {
    this.server = new URL(target.server);
    this.identity = target.identity;
    this.namespace = namespace || target.namespace || 'default';
  }

  static async open(opts: ConnectionOptions): Promise<Connection> {
    const target = staticTarget(opts) ?? (await import('./kubeconfig-full.js')).fullTarget(opts);
    return new Connection(withOverrides(target, opts), opts.namespace);
  }

  private hostPort(): string {
    return this.server.host || `${this.server.hostname}:${this.server.port}`;
  }

  private async options(method: string, path: string, headers: Record<string, string>): Promise<RequestOptions> {
    const base = this.server.pathname.replace(/\/$/, '');
    const opts: RequestOptions = {
      method,
      protocol: this.server.protocol,
      hostname: this.server.hostname.replace(/^\[|\]$/g, ''),
      port: this.server.port || (this.server.protocol === 'https:' ? 443 : 80),
      path: base + path,
      headers: { 'User-Agent': 'okube-cli', ...headers },
    };
    await this.target.apply(opts);
    opts.headers = { ...(opts.headers as Record<string, string>), ...headers };
    return opts;
  }

  /** The request's response stream (any status); connection failures become kubectl's message. */
  async open(path: string, spec: RequestSpec = {}): Promise<IncomingMessage> {
    const method = spec.method ?? 'GET';
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined && v !== '') query.set(k, String(v));
    const qs = query.toString();
    const headers: Record<string, string> = { Accept: spec.accept ?? 'application/json' };
    let payload: Buffer | undefined;
    if (spec.body !== undefined) {
      payload = Buffer.from(typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body));
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const opts = await this.options(method, qs ? `${path}?${qs}` : path, headers);
    const send = this.server.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(opts, (res) => {
        this.warnings.show(serverWarnings(res.rawHeaders));
        resolve(res);
      });
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.connectionError(err)));
      req.end(payload);
    });
  }

  /** Where a WebSocket to `path` goes (ws: or wss:) and the request options it needs: the kubeconfig's TLS, agent and credentials. */
  async upgradeTarget(path: string, query: URLSearchParams): Promise<{ url: string; options: RequestOptions }> {
    const qs = query.toString();
    const options = await this.options('GET', qs ? `${path}?${qs}` : path, {});
    const url = new URL(this.server.href);
    url.protocol = this.server.protocol === 'https:' ? 'wss:' : 'ws:';
    const { method: _m, protocol: _p, hostname: _h, port: _port, path: full, ...rest } = options;
    return { url: `${url.origin}${full}`, options: rest };
  }

  connectionError(err: NodeJS.ErrnoException): ConnectionError {
    const where = this.hostPort();
    if (err.code === 'ECONNREFUSED') return new ConnectionError(`The connection to the server ${where} was refused - did you specify the right host or port?`, 1, '');
    if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new ConnectionError(`dial tcp: lookup ${this.server.hostname}: no such host (server ${where})`, 1, 'Unable to connect to the server: ');
    if (err.code === 'ECONNRESET') return new ConnectionError(`the connection to ${where} was reset`, 1, 'Unable to connect to the server: ');
    return new ConnectionError(`${err.message}`, 1, 'Unable to connect to the server: ');
  }

  /**
   * An error while a response body streams (a watch, a followed log): the server went away after
   * answering — stopped, killed or restarted. Node says only `aborted`; this says what and where.
   */
  streamError(err: unknown, what: string): Error {
    const e = err as NodeJS.ErrnoException;
    if (e instanceof Error && (e.code === 'ECONNRESET' || e.message === 'aborted')) return new ConnectionError(`${what} ended: lost the connection to the server ${this.hostPort()}`);
    return e instanceof Error ? e : new Error(String(err));
  }

  /** A JSON request; a non-2xx answer throws the server's error the way kubectl prints it. */
  async request<T = unknown>(path: string, spec: RequestSpec = {}): Promise<Response<T>> {
    const { code, body } = await this.read(await this.open(path, spec));
    if (code === 404 && isUnknownResource(body)) this.onUnknownResource?.();
    if (code < 200 || code >= 300) throw serverError(code, body);
    return { code, body: body as T };
  }

  /** A response's code and body: JSON when it parses, else the text (which serverError shows). */
  async read(res: IncomingMessage): Promise<{ code: number; body: unknown }> {
    const text = await readAll(res);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Left as text: serverError shows it.
    }
    return { code: res.statusCode ?? 0, body };
  }

  async get<T = unknown>(path: string, spec: RequestSpec = {}): Promise<T> {
    return (await this.request<T>(path, spec)).body;
  }
}

/**
 * A 404 Status that names no object: the server does not serve the path's resource at all ("the
 * server could not find the requested resource"), where a missing object's Status names it.
 */
export function isUnknownResource(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const status = body as { kind?: string; reason?: string; details?: { name?: string } };
  return status.kind === 'Status' && status.reason === 'NotFound' && !status.details?.name;
}

export async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
