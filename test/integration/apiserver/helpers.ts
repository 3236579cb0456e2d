import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../../src/storage/store.js';
import { createApiServer, writeKubeconfig, type ApiServer, type ApiServerOptions } from '../../../src/apiserver/index.js';
import { kubectl as runKubectl, type Run } from '../../support/kubectl.js';
import { freePort } from '../../../src/util/free-port.js';

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const CRD_DIR = join(REPO, 'crds');
export const MANIFEST_DIR = join(REPO, 'manifests');



export function tempDir(prefix = 'okube-api-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestServer {
  api: ApiServer;
  store: Store;
  dir: string;
  kubeconfig: string;
  port: number;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestServer(store: Store, extra: Partial<ApiServerOptions> = {}): Promise<TestServer> {
  const dir = tempDir();
  const port = await freePort();
  const opts: ApiServerOptions = { store, crdDir: CRD_DIR, dataDir: join(dir, 'data'), listen: { host: '127.0.0.1', port }, ...extra };
  const kubeconfig = join(dir, 'kubeconfig');
  const ts: TestServer = {
    api: await createApiServer(opts),
    store,
    dir,
    kubeconfig,
    port,
    async restart() {
      await ts.api.close();
      ts.api = await createApiServer(opts);
    },
    async stop() {
      await ts.api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  writeKubeconfig(kubeconfig, { server: ts.api.url, caPem: ts.api.caPem, token: ts.api.token });
  return ts;
}

export type { Run };

export function kubectlEnv(ts: TestServer): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG: ts.kubeconfig, KUBECACHEDIR: join(ts.dir, 'kube-cache'), HOME: ts.dir };
}

export function kubectl(ts: TestServer, args: string[], input?: string): Promise<Run> {
  return runKubectl(args, kubectlEnv(ts), input);
}

/** Spawns a long-running kubectl (get -w) and collects its stdout lines. */
export function kubectlStream(ts: TestServer, args: string[]): { child: ChildProcess; lines: string[]; waitFor(pred: (l: string[]) => boolean, ms?: number): Promise<void> } {
  const child = spawn('kubectl', args, { env: kubectlEnv(ts) });
  const lines: string[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  return {
    child,
    lines,
    async waitFor(pred, ms = 15_000) {
      const end = Date.now() + ms;
      while (!pred(lines)) {
        if (Date.now() > end) throw new Error(`timed out; lines so far:\n${lines.join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

export async function eventually(fn: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Raw HTTPS request against the server (for abuse tests). */
export async function raw(ts: TestServer, method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string>; token?: string | null; timeoutMs?: number } = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const { request } = await import('node:https');
  const u = new URL(path, ts.api.url);
  return new Promise((res, rej) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    if (opts.token !== null) headers.Authorization = `Bearer ${opts.token ?? ts.api.token}`;
    const req = request(u, { method, headers, ca: ts.api.caPem }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(r.headers)) if (typeof v === 'string') h.set(k, v);
        res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: h });
      });
      r.on('error', rej);
    });
    req.on('error', rej);
    req.setTimeout(opts.timeoutMs ?? 15_000, () => req.destroy(new Error(`${method} ${path}: no response in time`)));
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}
