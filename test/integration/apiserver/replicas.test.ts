import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../../src/util/free-port.js';
import { okubeBin } from '../../support/okube-bin.js';
import { testEnv } from '../../support/env.js';
import { waitFor } from '../../support/wait.js';
import { tempDir } from './helpers.js';
import { openWatch, type OpenWatch } from './watch-client.js';

// API server replicas: two real `okube apiserver` processes (the compiled CLI) on one etcd, as
// the chart's standalone mode runs them — the second with the first's token, serving
// certificate and ServiceAccount signing key as files, as both get them from one Secret. A write through one is seen by a
// watch and a consistent list on the other; after kill -9 of one, the other serves on.

interface Replica { proc: ChildProcess; url: string; stderr: () => string }

describe('API server replicas (two okube apiserver processes, one etcd)', function () {
  this.timeout(180_000);
  const etcd = () => testEnv().etcdEndpoints.join(',');
  const ns = `replicas-${randomBytes(3).toString('hex')}`;
  const dir = tempDir('okube-replicas-');
  const data = join(dir, 'a');
  const replicas: Replica[] = [];
  const watches: OpenWatch[] = [];
  let token = '';
  let ca = '';

  async function startReplica(args: string[]): Promise<Replica> {
    const port = await freePort();
    const proc = spawn(process.execPath, [okubeBin(), 'apiserver', '--etcd-endpoints', etcd(), '--listen', `127.0.0.1:${port}`, '--log-level', 'warn', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const r: Replica = { proc, url: `https://127.0.0.1:${port}`, stderr: () => err };
    replicas.push(r);
    return r;
  }

  async function call(r: Replica, method: string, path: string, body?: unknown): Promise<{ status: number; json: { metadata: { resourceVersion: string }; items?: Array<{ metadata: { name: string } }> } }> {
    const res = await fetchTls(r, method, path, body);
    return { status: res.status, json: JSON.parse(res.body || '{}') };
  }

  async function fetchTls(r: Replica, method: string, path: string, body?: unknown, bearer = token): Promise<{ status: number; body: string }> {
    const { request } = await import('node:https');
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, r.url), { method, ca, headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' } }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
      });
      req.on('error', reject);
      if (body !== undefined) req.write(JSON.stringify(body));
      req.end();
    });
  }

  const ready = (r: Replica) =>
    waitFor(`replica ${r.url} ready`, async () => {
      if (r.proc.exitCode !== null) throw new Error(`okube apiserver exited: ${r.stderr()}`);
      const res = await fetchTls(r, 'GET', '/readyz').catch(() => undefined);
      return res?.status === 200;
    }, 60_000, 200);

  const TASKS = `/apis/okube.dev/v1alpha1/namespaces/${ns}/tasks`;
  const task = (name: string) => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name }, spec: { image: 'nginx' } });

  before(async () => {
    const a = await startReplica(['--data-dir', data]);
    // The first replica generated the token and serving certificate; the second gets them as files.
    await waitFor('certificates written', async () => {
      try {
        token = readFileSync(join(data, 'token'), 'utf8').trim();
        ca = readFileSync(join(data, 'pki', 'ca.crt'), 'utf8');
        return Boolean(token && ca);
      } catch {
        return false;
      }
    }, 60_000, 100);
    const b = await startReplica([
      '--data-dir', join(dir, 'b'), '--token-file', join(data, 'token'), '--tls-cert-file', join(data, 'pki', 'apiserver.crt'), '--tls-key-file', join(data, 'pki', 'apiserver.key'),
      '--service-account-signing-key-file', join(data, 'pki', 'sa.key'),
    ]);
    await ready(a);
    await ready(b);
    expect((await call(a, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status).to.equal(201);
  });

  after(async () => {
    for (const w of watches) w.close();
    const alive = replicas.find((r) => r.proc.exitCode === null && r.proc.signalCode === null);
    if (alive) await call(alive, 'DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
    for (const r of replicas) r.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a write through one replica is seen by a watch and a consistent list on the other', async () => {
    const [a, b] = replicas;
    const w = openWatch({ url: b.url, caPem: ca, token }, `${TASKS}?watch=1`);
    watches.push(w);
    await waitFor('watch on b open', async () => (await fetchTls(b, 'GET', '/readyz')).status === 200);
    const created = await call(a, 'POST', TASKS, task('via-a'));
    expect(created.status).to.equal(201);
    // Read-your-writes across replicas: b's consistent list includes a's write at once.
    const list = await call(b, 'GET', TASKS);
    expect(list.json.items!.map((i) => i.metadata.name)).to.include('via-a');
    expect(Number(list.json.metadata.resourceVersion)).to.be.at.least(Number(created.json.metadata.resourceVersion));
    await waitFor('watch on b sees the create through a', async () => w.events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'via-a'), 30_000);
    const wa = openWatch({ url: a.url, caPem: ca, token }, `${TASKS}?watch=1&resourceVersion=${created.json.metadata.resourceVersion}`);
    watches.push(wa);
    expect((await call(b, 'POST', TASKS, task('via-b'))).status).to.equal(201);
    await waitFor('watch on a sees the create through b', async () => wa.events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'via-b'), 30_000);
  });

  it('a ServiceAccount token one replica issued authenticates on the other (they share the signing key)', async () => {
    const [a, b] = replicas;
    expect((await call(a, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ci' } })).status).to.equal(201);
    const issued = await fetchTls(a, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts/ci/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    expect(issued.status, issued.body).to.equal(201);
    const saToken = (JSON.parse(issued.body) as { status: { token: string } }).status.token;
    const review = await fetchTls(b, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, saToken);
    expect(review.status, review.body).to.equal(201);
    expect((JSON.parse(review.body) as { status: { userInfo: { username: string } } }).status.userInfo.username).to.equal(`system:serviceaccount:${ns}:ci`);
  });

  it('after kill -9 of one replica the other serves reads, writes and its watch on', async () => {
    const [a, b] = replicas;
    const w = openWatch({ url: b.url, caPem: ca, token }, `${TASKS}?watch=1`);
    watches.push(w);
    await waitFor('initial events on b', async () => w.events.some((e) => e.object.metadata.name === 'via-a'), 30_000);
    a.proc.kill('SIGKILL');
    await new Promise<void>((res) => (a.proc.exitCode !== null || a.proc.signalCode !== null ? res() : a.proc.once('exit', () => res())));
    expect(await fetchTls(a, 'GET', '/readyz').then(() => 'answered', () => 'refused')).to.equal('refused');
    expect((await call(b, 'POST', TASKS, task('after-kill'))).status).to.equal(201);
    expect((await call(b, 'GET', TASKS)).json.items!.map((i) => i.metadata.name)).to.include.members(['via-a', 'via-b', 'after-kill']);
    await waitFor('watch on b sees the write after the kill', async () => w.events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'after-kill'), 30_000);
  });
});
