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
    const url = `${(t.scheme ?? 'HTTP').toLowerCase()}://${t.host}:${t.port}${t.path ?? '/'}`;
    let settled = false;
    // One deadline for the whole probe, connecting included, as the kubelet's: a request's own
    // setTimeout starts only once its socket is connected, so a Node behind a cut link (SYNs never
    // answered) would hold a probe for the kernel's ~2 minutes of connect retries.
    const deadline = setTimeout(() => {
      req.destroy();
      done({ result: 'Failure', message: `Get "${url}": timeout after ${t.timeoutMs / 1000}s` });
    }, t.timeoutMs);
    const done = (r: ProbeResult) => {
      clearTimeout(deadline);
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
    req.on('error', (err: NodeJS.ErrnoException) => done({ result: 'Failure', message: `Get "${url}": ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}` }));
    req.end();
  });
}
