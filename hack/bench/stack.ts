// okube as separate processes for benchmarks that measure each one apart: etcd (a child of
// EmbeddedEtcd), the API server (`okube apiserver`) and the controllers (`okube controllers`)
// against the Nodes' engines — real Docker, or hollow engines that speak the Docker API
// (hack/bench/hollow-engine). The bench process talks to them like a kubectl user.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../src/client/kubeconfig.js';
import { EmbeddedEtcd } from '../../src/storage/embedded-etcd.js';
import { writeKubeconfig } from '../../src/apiserver/kubeconfig.js';
import { procSample, type ProcSample } from './lib.js';
import { freePort } from '../../src/util/free-port.js';
import { staleReason } from '../dist-stamp.mjs';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
// Extra node flags for the API server and controllers children, e.g. profiling:
// OKUBE_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (NODE_OPTIONS refuses --cpu-prof).
const NODE_ARGS = (process.env.OKUBE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
// Extra `okube controllers` flags, to measure what a setting costs:
// OKUBE_BENCH_CONTROLLERS_ARGS='--node-usage-stats-per-second 0'.
const CONTROLLERS_ARGS = (process.env.OKUBE_BENCH_CONTROLLERS_ARGS ?? '').split(' ').filter(Boolean);

export interface StackOptions {
  /** `okube controllers` on the Nodes' engines (real or hollow, both over the Docker API). */
  controllers: 'docker';
  workers: number;
  /** Extra node flags for the controllers child only, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/p']. */
  controllersNodeArgs?: string[];
  /** Extra node flags for `okube apiserver` (e.g. --cpu-prof). */
  apiNodeArgs?: string[];
}

export interface Procs { etcd: number; api: number; controllers: number }
export type Samples = Record<keyof Procs, ProcSample>;

export interface Stack {
  kc: KubeConfig;
  /** A kubeconfig file for kubectl (bearer token, the API server's CA). */
  kubeconfigPath: string;
  procs: Procs;
  /** The etcd the API server stores in (for a bench that reads its history). */
  etcdEndpoints: string[];
  /** The controllers' /metrics (Prometheus text). */
  metrics(): Promise<string>;
  /** The API server's /metrics (Prometheus text). */
  apiMetrics(): Promise<string>;
  sample(): Samples;
  stop(): Promise<void>;
}


/** Resolves when the child prints a line matching `re` on stdout or stderr. */
export function waitForOutput(child: ChildProcess, re: RegExp, what: string, timeoutMs = 120_000): Promise<void> {
  return new Promise((res, rej) => {
    let seen = '';
    const timer = setTimeout(() => rej(new Error(`${what} did not start within ${timeoutMs / 1000} s; output: ${seen.slice(-2000)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (re.test(seen)) {
        clearTimeout(timer);
        res();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${what} exited with ${code}; output: ${seen.slice(-2000)}`));
    });
  });
}

/** Polls the controllers' /readyz (informers synced) until it answers 200. */
async function waitForReadyz(child: ChildProcess, port: number, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`okube controllers exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`okube controllers were not ready within ${timeoutMs / 1000} s`);
}

/** Children log at warn level: pass it on, so a run that goes wrong says why. */
export function forwardStderr(child: ChildProcess, name: string): void {
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(d.toString().replace(/^(?=.)/gm, `[${name}] `)));
}

export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export async function startStack(o: StackOptions): Promise<Stack> {
  // The children run the compiled CLI (bin/okube.js → dist/): it must be built from these sources.
  const stale = staleReason(REPO);
  if (stale) throw new Error(`okube CLI: ${stale}`);
  const dir = mkdtempSync(join(tmpdir(), 'okube-bench-stack-'));
  const etcd = new EmbeddedEtcd({ dataDir: join(dir, 'etcd'), supervise: false });
  let api: ChildProcess | undefined;
  let controllers: ChildProcess | undefined;
  const stop = async () => {
    await stopChild(controllers);
    await stopChild(api);
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { endpoints } = await etcd.start();
    const port = await freePort();
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
    const childEnv = { ...process.env, OKUBE_LOG_LEVEL: 'warn' };
    api = spawn(process.execPath, [...NODE_ARGS, ...(o.apiNodeArgs ?? []), join(REPO, 'bin/okube.js'), 'apiserver', '--etcd-endpoints', endpoints.join(','), '--listen', `127.0.0.1:${port}`, '--data-dir', join(dir, 'api'), '--token-file', tokenFile], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    forwardStderr(api, 'apiserver');
    await waitForOutput(api, /listening on/, 'okube apiserver');
    const server = `https://127.0.0.1:${port}`;
    const caFile = join(dir, 'api', 'pki', 'ca.crt');
    const kc = loadKubeConfig({ server, tokenFile, certificateAuthority: caFile });
    const kubeconfigPath = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, { server, caPem: readFileSync(caFile, 'utf8'), token: readFileSync(tokenFile, 'utf8').trim() });
    const metricsPort = await freePort();

    controllers = spawn(process.execPath, [...NODE_ARGS, ...(o.controllersNodeArgs ?? []), join(REPO, 'bin/okube.js'), 'controllers', '--server', server, '--token-file', tokenFile, '--certificate-authority', caFile, '--workers', String(o.workers), '--metrics-port', String(metricsPort), '--health-address', '127.0.0.1', ...CONTROLLERS_ARGS], {
      cwd: REPO,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    forwardStderr(controllers, 'controllers');
    await waitForReadyz(controllers, metricsPort);
    const procs: Procs = { etcd: etcd.pid!, api: api.pid!, controllers: controllers.pid! };
    const sample = (): Samples => ({ etcd: procSample(procs.etcd), api: procSample(procs.api), controllers: procSample(procs.controllers) });
    const metrics = () => fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    const apiMetrics = async () => {
      const opts: RequestOptions = { method: 'GET', headers: {} };
      await kc.applyToHTTPSOptions(opts);
      return new Promise<string>((res, rej) => {
        const req = httpsRequest(`${server}/metrics`, opts, (r) => {
          let body = '';
          r.on('data', (d: Buffer) => (body += d.toString()));
          r.on('end', () => res(body));
        });
        req.on('error', rej);
        req.end();
      });
    };
    return { kc, kubeconfigPath, procs, etcdEndpoints: endpoints, sample, metrics, apiMetrics, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
