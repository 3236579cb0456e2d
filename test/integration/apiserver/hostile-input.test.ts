import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEtcd } from '../../../src/storage/embedded-etcd.js';
import { freePort } from '../../../src/util/free-port.js';
import { okubeBin, REPO_ROOT } from '../../support/okube-bin.js';

// The hostile-input suite of issue 20, bounded and on loopback only: `okube apiserver` (its own
// process, its own etcd) gets 10,000 requests without valid credentials and 10,000 malformed or
// prototype-key bodies with the admin token. Throughout: no 5xx, /readyz answers a separate
// prober process every time (its slowest answer is printed beside the 100 ms goal), the apiserver_* series of /metrics do not grow with the attack
// (labels come from a closed set), and the heap stays within 64 MiB of where it started.

const UNAUTHENTICATED = 10_000;
const MALFORMED = 10_000;
const CONCURRENCY = 16;
const HEAP_BOUND_BYTES = 64 * 1024 * 1024;
const READYZ_GOAL_MS = 100;
const TASKS = '/apis/okube.dev/v1alpha1/namespaces/default/tasks';

interface Req { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer }

const rnd = () => randomBytes(6).toString('hex');

/** Requests without valid credentials, cycling through fixed shapes with random parts. */
function unauthenticated(i: number): Req {
  const shapes: Array<() => Req> = [
    () => ({ method: 'GET', path: `/apis/okube.dev/v1alpha1/nodes/x/${rnd()}` }),
    () => ({ method: 'GET', path: `/apis/okube.dev/v1alpha1/namespaces/${rnd()}/tasks/${rnd()}/${rnd()}` }),
    () => ({ method: 'GET', path: `/${rnd()}/${rnd()}?watch=1` }),
    () => ({ method: 'GET', path: '/metrics' }),
    () => ({ method: 'POST', path: TASKS, headers: { 'Content-Type': 'application/json' }, body: '{"__proto__":{"admin":true}}' }),
    () => ({ method: 'DELETE', path: `/api/v1/namespaces/${rnd()}` }),
    () => ({ method: 'GET', path: '/api/v1/namespaces', headers: { Authorization: `Bearer ${rnd()}` } }),
    () => ({ method: 'GET', path: '/api/v1/namespaces', headers: { Authorization: `Basic ${rnd()}` } }),
    () => ({ method: 'GET', path: '/api/v1/namespaces', headers: { 'Impersonate-User': 'okube-admin', 'Impersonate-Group': 'system:masters' } }),
    () => ({ method: 'PATCH', path: `${TASKS}/${rnd()}`, headers: { 'Content-Type': 'application/merge-patch+json' }, body: '{"constructor":{"prototype":{"x":1}}}' }),
    () => ({ method: 'GET', path: `/apis/${rnd()}/${rnd()}/${rnd()}` }),
    () => ({ method: 'OPTIONS', path: `/api/v1/${rnd()}` }),
  ];
  return shapes[i % shapes.length]();
}

const PROTO = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** Malformed or prototype-key bodies, sent with the admin token. */
function malformed(i: number): Req {
  const key = PROTO[i % PROTO.length];
  const name = `hostile-${i % 50}`;
  const json = { 'Content-Type': 'application/json' };
  const shapes: Array<() => Req> = [
    () => ({ method: 'POST', path: TASKS, headers: json, body: `{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"${name}","${key}":{"labels":{"x":"y"}}},"spec":{"image":"busybox","${key}":{"polluted":true}}}` }),
    () => ({ method: 'POST', path: `${TASKS}?fieldValidation=Strict`, headers: json, body: `{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"${name}"},"spec":{"image":"busybox","${key}":1}}` }),
    () => ({ method: 'PATCH', path: `${TASKS}/hostile-target`, headers: { 'Content-Type': 'application/merge-patch+json' }, body: `{"metadata":{"labels":{"${key}":"v"}},"spec":{"${key}":{"${key}":null}}}` }),
    () => ({ method: 'PATCH', path: `${TASKS}/hostile-target`, headers: { 'Content-Type': 'application/json-patch+json' }, body: `[{"op":"add","path":"/spec/${key}/${key}","value":1},{"op":"replace","path":"/metadata/${key}","value":{}}]` }),
    () => ({ method: 'PATCH', path: `${TASKS}/hostile-target?fieldManager=h`, headers: { 'Content-Type': 'application/apply-patch+yaml' }, body: `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  name: hostile-target\n  ${key}: {a: 1}\nspec:\n  image: busybox\n  ${key}: [1]\n` }),
    () => ({ method: 'PUT', path: `${TASKS}/hostile-target`, headers: json, body: `{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"hostile-target","resourceVersion":"${key}"},"spec":${key === '__proto__' ? 'null' : '[]'}}` }),
    () => ({ method: 'POST', path: TASKS, headers: json, body: '{'.repeat(i % 200) + `"${key}"` }),
    () => ({ method: 'POST', path: TASKS, headers: { 'Content-Type': 'application/yaml' }, body: 'a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n' }),
    () => ({ method: 'POST', path: TASKS, headers: json, body: Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0xc3, 0x28]) }),
    () => ({ method: 'GET', path: `${TASKS}?labelSelector=${encodeURIComponent(`${key} in (a,b),!${key}`)}&fieldSelector=${encodeURIComponent(`metadata.${key}=x`)}` }),
    () => ({ method: 'GET', path: `${TASKS}?fieldSelector=${encodeURIComponent('a' + ' '.repeat(4000) + 'b')}` }),
    () => ({ method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', headers: json, body: `{"spec":{"resourceAttributes":{"${key}":"x","verb":"get","resource":"secrets"}}}` }),
    () => ({ method: 'POST', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', headers: json, body: `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"${key}-${i % 7}"},"rules":[{"verbs":["get"],"${key}":["x"]}]}` }),
    () => ({ method: 'POST', path: TASKS, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' }, body: Buffer.concat([Buffer.from('k8s\0'), randomBytes(32)]) }),
  ];
  return shapes[i % shapes.length]();
}

describe('hostile input against okube apiserver (bounded, loopback)', function () {
  this.timeout(900_000);
  let dir: string;
  let etcd: EmbeddedEtcd;
  let api: ChildProcess | undefined;
  let base: string;
  let ca: string;
  let token: string;
  let agent: Agent;
  const codes = new Map<number, number>();
  const fivexx: string[] = [];

  const send = (r: Req, auth: boolean): Promise<number> =>
    new Promise((resolve) => {
      const headers: Record<string, string> = { ...(r.headers ?? {}) };
      if (auth) headers.Authorization = `Bearer ${token}`;
      if (r.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(r.body));
      const req = request(`${base}${r.path}`, { method: r.method, headers, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(-1));
      });
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(-1));
      req.end(r.body);
    });

  async function run(n: number, make: (i: number) => Req, auth: boolean, offset = 0): Promise<void> {
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        const r = make(i + offset);
        const code = await send(r, auth);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (code >= 500 || code < 0) fivexx.push(`${code} ${r.method} ${r.path.slice(0, 120)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }

  async function metrics(): Promise<{ series: string[]; heap: number }> {
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(`${base}/metrics`, { headers: { Authorization: `Bearer ${token}` }, agent }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
    const heap = Number(lines.find((l) => l.startsWith('nodejs_heap_size_used_bytes'))?.split(' ')[1] ?? NaN);
    return { series: lines.filter((l) => l.startsWith('apiserver_')).map((l) => l.slice(0, l.lastIndexOf(' '))), heap };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'okube-hostile-'));
    etcd = new EmbeddedEtcd({ dataDir: join(dir, 'etcd'), supervise: false });
    const { endpoints } = await etcd.start();
    const port = await freePort();
    const data = join(dir, 'api');
    api = spawn(process.execPath, ['--max-old-space-size=192', okubeBin(), 'apiserver', '--etcd-endpoints', endpoints.join(','), '--listen', `127.0.0.1:${port}`, '--data-dir', data, '--log-level', 'error'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    api.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 120_000;
    while (!/listening on/.test(err)) {
      if (api.exitCode !== null || Date.now() > deadline) throw new Error(`okube apiserver did not start:\n${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    base = `https://127.0.0.1:${port}`;
    ca = readFileSync(join(data, 'pki', 'ca.crt'), 'utf8');
    token = readFileSync(join(data, 'token'), 'utf8').trim();
    agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY + 2, ca });
    const target = { method: 'POST', path: TASKS, headers: { 'Content-Type': 'application/json' }, body: '{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"hostile-target"},"spec":{"image":"busybox"}}' };
    expect(await send(target, true)).to.equal(201);
  });

  after(async () => {
    agent?.destroy();
    if (api && api.exitCode === null) {
      const gone = new Promise((r) => api!.once('exit', r));
      api.kill('SIGTERM');
      await gone;
    }
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`survives ${UNAUTHENTICATED} unauthenticated and ${MALFORMED} malformed or prototype-key requests: no 5xx, /readyz keeps answering, no new series, heap within ${HEAP_BOUND_BYTES / 1024 / 1024} MiB`, async () => {
    const prober = spawn(process.execPath, [join(REPO_ROOT, 'test/support/readyz-prober.mjs'), `${base}/readyz`, join(dir, 'api', 'pki', 'ca.crt'), '50'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let proberOut = '';
    prober.stdout!.on('data', (d: Buffer) => (proberOut += d.toString()));
    const proberDone = new Promise((r) => prober.once('exit', r));

    // Warm-up: every request shape a few times, the creating ones twice with the same names (so
    // their 409 exists too): every label combination the attack can produce (a closed set) exists
    // before the baseline is taken; the attack may add none.
    await run(48, unauthenticated, false, 1_000_000);
    await run(56, malformed, true, 1_000_000);
    await run(56, malformed, true, 1_000_000);
    await new Promise((r) => setTimeout(r, 200));
    const before = await metrics();

    await run(UNAUTHENTICATED, unauthenticated, false);
    await run(MALFORMED, malformed, true);

    prober.stdin!.end();
    await proberDone;
    const probe = JSON.parse(proberOut) as { count: number; maxMs: number; failures: number };
    // Heap in use is sampled a few times once the attack is over and the lowest taken: garbage
    // the attack left is not retention, and V8 collects it on its own schedule. Retention beyond
    // the bound would also end the server: it runs with a 192 MiB old space.
    let after = await metrics();
    for (let i = 0; i < 10 && after.heap - before.heap >= HEAP_BOUND_BYTES; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const m = await metrics();
      if (m.heap < after.heap) after = { ...m, series: after.series };
    }
    expect(api!.exitCode, 'okube apiserver still running').to.equal(null);

    expect(fivexx.slice(0, 20), `5xx or failed requests (${fivexx.length})`).to.deep.equal([]);
    const total = [...codes.values()].reduce((a, b) => a + b, 0);
    expect(total).to.equal(UNAUTHENTICATED + MALFORMED + 48 + 56 + 56);
    expect(probe.count, 'readyz probes during the attack').to.be.greaterThan(10);
    expect(probe.failures, 'readyz failures').to.equal(0);
    // /readyz must keep answering; how fast is a wall-clock figure (the issue's goal is 100 ms), so
    // it is printed with the load it was measured under, never asserted: on a shared 2-core box the
    // figure measures the scheduler as much as the server.
    console.log(`      slowest /readyz during the attack: ${probe.maxMs.toFixed(0)} ms (goal ${READYZ_GOAL_MS} ms), load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
    const added = after.series.filter((s) => !before.series.includes(s));
    expect(added, 'apiserver_* series the attack added').to.deep.equal([]);
    expect(after.heap - before.heap, 'heap growth (bytes)').to.be.lessThan(HEAP_BOUND_BYTES);
    // What the server answered, for the record (mocha prints it with --reporter spec).
    console.log(`      codes: ${JSON.stringify(Object.fromEntries([...codes.entries()].sort()))}; readyz: ${JSON.stringify(probe)}; heap ${Math.round(before.heap / 1048576)} → ${Math.round(after.heap / 1048576)} MiB; apiserver series ${before.series.length} → ${after.series.length}`);
  });
});
