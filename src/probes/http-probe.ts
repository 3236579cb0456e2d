import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ProbeResult } from './result.js';

// httpGet: 200–399 is success, like kubelet. HTTPS certificates are not verified (kubelet does
// not either); the body is not read beyond the status line.

export interface HttpProbeTarget {
  host: string;
  port: number;
  path?: string;
  scheme?: 'HTTP' | 'HTTPS';
  headers?: Array<{ name: string; value: string }>;
  timeoutMs: number;
}

// Headers a Task may not set: Host (virtual-host tricks against whatever answers at the Node
// address) and the hop-by-hop ones of RFC 9110 §7.6.1 (which change how the connection is used).
const FORBIDDEN_HEADERS = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'expect']);

/** The Task's headers without the forbidden ones and without any name or value that is not a valid token/field value. */
export function probeHeaders(headers: ReadonlyArray<{ name: string; value: string }> | undefined): Array<[string, string]> {
  return (headers ?? []).filter((h) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h.name) && !FORBIDDEN_HEADERS.has(h.name.toLowerCase()) && !/[\r\n\0]/.test(h.value)).map((h) => [h.name, h.value]);
}

export function httpProbe(t: HttpProbeTarget): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const request = t.scheme === 'HTTPS' ? httpsRequest : httpRequest;
    let settled = false;
    const done = (r: ProbeResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = request(
      {
        host: t.host,
        port: t.port,
        path: t.path ?? '/',
        method: 'GET',
        headers: { 'User-Agent': 'okube-probe/1.0', Accept: '*/*', ...Object.fromEntries(probeHeaders(t.headers)) },
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        const code = res.statusCode ?? 0;
        res.destroy();
        done(code >= 200 && code < 400 ? { result: 'Success', message: `HTTP ${code}` } : { result: 'Failure', message: `HTTP probe failed with statuscode: ${code}` });
      },
    );
    req.setTimeout(t.timeoutMs, () => {
      req.destroy();
      done({ result: 'Failure', message: `Get "${(t.scheme ?? 'HTTP').toLowerCase()}://${t.host}:${t.port}${t.path ?? '/'}": timeout after ${t.timeoutMs / 1000}s` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => done({ result: 'Failure', message: `Get "${(t.scheme ?? 'HTTP').toLowerCase()}://${t.host}:${t.port}${t.path ?? '/'}": ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}` }));
    req.end();
  });
}
