import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODES, ResourceClient } from '../../../src/client/resource-client.js';
import { logLevel, setLogLevel, type LogLevel } from '../../../src/util/logger.js';
import { startCluster, type TestCluster } from '../../support/cluster.js';
import { uniqueName } from '../../support/env.js';
import { metricSum, parseMetrics, rawRequest } from '../../support/scrape.js';
import { nodeObject, waitFor } from '../../support/tasks.js';
import { freePort } from '../../../src/util/free-port.js';
import { okubeBin } from '../../support/okube-bin.js';

// Health endpoints, request ids and the runtime log level on a real API server with its own
// etcd, and the controllers' --metrics-port endpoint in a subprocess.

describe('API server health endpoints, request ids and /debug/flags/v', function () {
  this.timeout(60_000);
  let cluster: TestCluster;
  const get = (path: string, opts: { token?: boolean; method?: string; body?: string; headers?: Record<string, string> } = {}) =>
    rawRequest(`${cluster.api.url}${path}`, { ca: cluster.api.caPem, token: opts.token ? cluster.api.token : undefined, method: opts.method, body: opts.body, headers: opts.headers });

  before(async () => (cluster = await startCluster()));
  after(async () => cluster?.stop());

  it('lists each check with ?verbose, anonymously, and answers a bare ok without it', async () => {
    expect(await get('/healthz')).to.include({ status: 200, body: 'ok' });
    expect((await get('/healthz?verbose')).body).to.equal('[+]ping ok\n[+]etcd ok\nhealthz check passed\n');
    expect((await get('/livez?verbose')).body).to.equal('[+]ping ok\n[+]etcd ok\nlivez check passed\n');
    expect(await get('/readyz?verbose')).to.include({ status: 200, body: '[+]ping ok\n[+]etcd ok\n[+]shutdown ok\nreadyz check passed\n' });
    expect((await get('/readyz?verbose&exclude=etcd')).body).to.include('[+]etcd excluded: ok');
    expect(await get('/readyz/etcd')).to.include({ status: 200, body: 'ok' });
    expect((await get('/readyz/nosuch')).status).to.equal(404);
  });

  it('echoes the caller\'s X-Request-Id as Audit-Id, and makes one up otherwise', async () => {
    const mine = await get('/api/v1/namespaces', { token: true, headers: { 'X-Request-Id': 'obs-test-42' } });
    expect(mine.status).to.equal(200);
    expect(mine.headers['audit-id']).to.equal('obs-test-42');
    const theirs = await get('/api/v1/namespaces/default', { token: true });
    expect(theirs.headers['audit-id']).to.match(/^[0-9a-f-]{36}$/);
    expect((await get('/nosuch')).headers['audit-id']).to.match(/^[0-9a-f-]{36}$/);
  });

  it('changes the log level with an authenticated PUT /debug/flags/v', async () => {
    const before = logLevel() as LogLevel;
    try {
      expect((await get('/debug/flags/v', { method: 'PUT', body: '4' })).status).to.equal(401);
      // (error, not debug: the test process's own output stays quiet)
      expect(await get('/debug/flags/v', { token: true, method: 'PUT', body: 'error' })).to.include({ status: 200, body: 'successfully set log level to error\n' });
      expect((await get('/debug/flags/v', { token: true })).body).to.equal('error\n');
      expect((await get('/debug/flags/v', { token: true, method: 'PUT', body: 'loud' })).status).to.equal(400);
    } finally {
      setLogLevel(before);
    }
  });

  it('turns /readyz and /healthz into 500 with a [-]etcd line when etcd stops', async () => {
    await cluster.etcd.stop();
    const ready = await get('/readyz?verbose');
    expect(ready.status).to.equal(500);
    expect(ready.body).to.equal('[+]ping ok\n[-]etcd failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n');
    const plain = await get('/healthz');
    expect(plain.status).to.equal(500);
    expect(plain.body).to.include('[-]etcd failed: reason withheld\nhealthz check failed');
    const single = await get('/readyz/etcd');
    expect(single.status).to.equal(500);
    expect(single.body).to.match(/^internal server error: /);
  });
});

describe('processes: controllers --metrics-port, request log lines and runtime log level', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'okube-obs-'));

  const okube = (args: string[]) => {
    const child = spawn(process.execPath, [okubeBin(), ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OKUBE_LOG_FORMAT: 'json' } });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    children.push(child);
    return { child, stderr: () => err };
  };
  const jsonLines = (text: string) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

  before(async () => (cluster = await startCluster()));
  after(async () => {
    for (const c of children) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    }
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('okube controllers --metrics-port serves /metrics, /healthz and /readyz with informers-synced', async () => {
    const port = await freePort();
    const node = uniqueName('node');
    // An engine that does not exist: the Node is reconciled and reported not ready.
    await new ResourceClient(cluster.kc, NODES).create(nodeObject(node, `unix://${join(dir, 'no-docker.sock')}`));
    okube(['controllers', '--kubeconfig', cluster.kubeconfigPath, '--metrics-port', String(port), '--health-address', '127.0.0.1', '--log-level', 'warn']);
    const base = `http://127.0.0.1:${port}`;
    const ready = await waitFor('readyz', async () => {
      const r = await rawRequest(`${base}/readyz?verbose`).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, 60_000, 200);
    expect(ready.body).to.equal('[+]ping ok\n[+]informers-synced ok\nreadyz check passed\n');
    expect(await rawRequest(`${base}/healthz?verbose`)).to.include({ status: 200, body: '[+]ping ok\nhealthz check passed\n' });
    const m = await waitFor('node series', async () => {
      const all = parseMetrics((await rawRequest(`${base}/metrics`)).body);
      return metricSum(all, 'okube_node_ready', { node }) !== undefined ? all : undefined;
    }, 30_000, 200);
    expect(metricSum(m, 'okube_node_ready', { node })).to.equal(0);
    expect(metricSum(m, 'controller_runtime_reconcile_total', { controller: 'node' })).to.be.greaterThan(0);
    expect(metricSum(m, 'workqueue_adds_total', { name: 'node' })).to.be.greaterThan(0);
    expect(metricSum(m, 'process_cpu_user_seconds_total')).to.be.greaterThan(0);
  });

  it('okube apiserver logs request lines with the request id once the level is raised at runtime', async () => {
    const port = await freePort();
    const data = join(dir, 'apiserver');
    const p = okube(['apiserver', '--etcd-endpoints', cluster.etcd.endpoints.join(','), '--listen', `127.0.0.1:${port}`, '--data-dir', data, '--log-level', 'info']);
    await waitFor('apiserver listening', async () => /listening on/.test(p.stderr()), 60_000, 100);
    const call = (path: string, opts: { method?: string; body?: string; id?: string } = {}) =>
      rawRequest(`https://127.0.0.1:${port}${path}`, { ca: readFileSync(join(data, 'pki', 'ca.crt'), 'utf8'), token: readFileSync(join(data, 'token'), 'utf8').trim(), method: opts.method, body: opts.body, headers: opts.id ? { 'X-Request-Id': opts.id } : {} });

    expect((await call('/api/v1/namespaces/default', { id: 'obs-before' })).status).to.equal(200);
    expect((await call('/debug/flags/v', { method: 'PUT', body: 'debug' })).status).to.equal(200);
    expect((await call('/api/v1/namespaces/default', { id: 'obs-after' })).status).to.equal(200);
    const line = await waitFor('request line', async () => jsonLines(p.stderr()).find((l) => l.requestId === 'obs-after'), 10_000);
    expect(line).to.include({ component: 'apiserver', msg: 'request', verb: 'GET', key: 'default', code: 200, level: 20 });
    expect(jsonLines(p.stderr()).some((l) => l.requestId === 'obs-before'), 'no request lines at info').to.equal(false);

    // A 5xx is logged at warn. (Last: this stops the etcd the controllers above used.)
    expect((await call('/debug/flags/v', { method: 'PUT', body: 'info' })).status).to.equal(200);
    await cluster.etcd.stop();
    expect((await call('/api/v1/namespaces/default', { id: 'obs-5xx' })).status).to.equal(503);
    const warn = await waitFor('5xx line', async () => jsonLines(p.stderr()).find((l) => l.requestId === 'obs-5xx'), 10_000);
    expect(warn).to.include({ msg: 'request', code: 503, level: 40 });
  });
});
