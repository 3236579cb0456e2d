import { expect } from 'chai';
import { request } from 'node:https';
import type { Store } from '../../../src/storage/store.js';
import { StoreError } from '../../../src/storage/errors.js';
import { memoryBackend } from './backends.js';
import { eventually, raw, startTestServer, type TestServer } from './helpers.js';

// Hostile and broken input: every malformed request gets a 4xx Status, the server stays up,
// and watches that clients abandon release their Store subscriptions.

describe('API server under malformed input', function () {
  this.timeout(60_000);
  let ts: TestServer;
  let cleanup: () => Promise<void>;
  const NS = '/apis/okube.dev/v1alpha1/namespaces/default/tasks';
  const good = { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'ok1' }, spec: { image: 'nginx' } };

  before(async () => {
    const b = await memoryBackend.make();
    cleanup = b.cleanup;
    ts = await startTestServer(b.store, { maxBodyBytes: 256 * 1024 });
    const r = await raw(ts, 'POST', NS, { body: JSON.stringify(good), headers: { 'Content-Type': 'application/json' } });
    expect(r.status).to.equal(201);
  });
  after(async () => {
    await ts?.stop();
    await cleanup?.();
  });

  interface Case { name: string; method: string; path: string; body?: string | Buffer; headers?: Record<string, string>; token?: string | null; expect?: number }
  const cases: Case[] = [];
  const brokenBodies = [
    '{',
    '{"apiVersion":',
    '[]',
    '[1,2,3]',
    'null',
    '42',
    '"str"',
    'true',
    '{"a":1}}',
    '\u0000\u0001\u0002',
    'apiVersion: v1\nkind: [unclosed',
    ':\n  - :',
    'a: b: c',
    '{"metadata": 5}',
    '{"metadata": "x"}',
    '{"metadata": []}',
    '{"apiVersion":"okube.dev/v1alpha1","kind":"Node","metadata":{"name":"k"}}',
    '{"apiVersion":"v1","kind":"Task","metadata":{"name":"k"}}',
    '{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"x","namespace":"other"},"spec":{"image":"a"}}',
    '{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{},"spec":{"image":"a"}}',
    '{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"UPPER"},"spec":{"image":"a"}}',
    '{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"' + 'x'.repeat(300) + '"},"spec":{"image":"a"}}',
    '{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"l1","labels":{"a":1}},"spec":{"image":"a"}}',
    '{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"l2","labels":{"bad key!":"v"}},"spec":{"image":"a"}}',
    '{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"l3","labels":["x"]},"spec":{"image":"a"}}',
    '{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"u1","bogus":1},"spec":{"image":"a"}}',
    '{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"ok1"},"spec":{"image":"a"}}',
  ];
  // The last two are valid updates of ok1: only wrong as creates.
  const createOnly = new Set([brokenBodies.length - 1]);
  for (const [i, body] of brokenBodies.entries()) {
    for (const ct of ['application/json', 'application/yaml']) {
      cases.push({ name: `POST broken #${i} as ${ct}`, method: 'POST', path: `${NS}?fieldValidation=Strict`, body, headers: { 'Content-Type': ct } });
      if (createOnly.has(i)) continue;
      cases.push({ name: `PUT broken #${i} as ${ct}`, method: 'PUT', path: `${NS}/ok1?fieldValidation=Strict`, body, headers: { 'Content-Type': ct } });
    }
    // #19 (no name) is a valid merge patch / apply of ok1, but not a valid PUT.
    if (createOnly.has(i) || i === 19) continue;
    cases.push({ name: `PATCH merge broken #${i}`, method: 'PATCH', path: `${NS}/ok1?fieldValidation=Strict`, body, headers: { 'Content-Type': 'application/merge-patch+json' } });
    cases.push({ name: `PATCH apply broken #${i}`, method: 'PATCH', path: `${NS}/ok1?fieldManager=t&fieldValidation=Strict`, body, headers: { 'Content-Type': 'application/apply-patch+yaml' } });
  }
  const badJsonPatches = ['{}', '[{"op":"nope","path":"/x"}]', '[{"op":"replace","path":"/spec/missing/deep","value":1}]', '[{"op":"test","path":"/spec/image","value":"zzz"}]', '[{"op":"remove","path":"/metadata/name"}]', '[{"op":"replace","path":"/metadata/namespace","value":"other"}]', '[{"op":"replace","path":"","value":5}]', '[1]'];
  for (const [i, body] of badJsonPatches.entries()) cases.push({ name: `PATCH json bad #${i}`, method: 'PATCH', path: `${NS}/ok1`, body, headers: { 'Content-Type': 'application/json-patch+json' } });
  const badMerge = ['{"metadata":{"name":"renamed"}}', '{"metadata":{"resourceVersion":"1"}}', '{"metadata":{"resourceVersion":"abc"}}', '{"kind":"Other"}', '{"metadata":null}', '{"metadata":{"labels":{"a":{"b":1}}}}'];
  for (const [i, body] of badMerge.entries()) cases.push({ name: `PATCH merge bad #${i}`, method: 'PATCH', path: `${NS}/ok1`, body, headers: { 'Content-Type': 'application/merge-patch+json' } });
  for (const ct of ['application/strategic-merge-patch+json', 'text/plain', 'application/xml', '', 'application/apply-patch+cbor']) {
    cases.push({ name: `PATCH with ${ct || 'no content type'}`, method: 'PATCH', path: `${NS}/ok1`, body: '{}', headers: ct ? { 'Content-Type': ct } : {} });
  }
  cases.push({ name: 'apply without fieldManager', method: 'PATCH', path: `${NS}/ok1`, body: JSON.stringify(good), headers: { 'Content-Type': 'application/apply-patch+yaml' } });
  cases.push({ name: 'POST protobuf garbage to tasks', method: 'POST', path: NS, body: Buffer.from([0x6b, 0x38, 0x73, 0, 1, 2, 3]), headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } });
  cases.push({ name: 'POST protobuf garbage to namespaces', method: 'POST', path: '/api/v1/namespaces', body: Buffer.from([0x6b, 0x38, 0x73, 0, 0x0a, 0xff, 0xff]), headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } });
  cases.push({ name: 'POST text/plain', method: 'POST', path: NS, body: 'hello', headers: { 'Content-Type': 'text/plain' } });
  cases.push({ name: 'POST huge body', method: 'POST', path: NS, body: JSON.stringify({ ...good, metadata: { name: 'huge' }, spec: { image: 'x'.repeat(400 * 1024) } }), headers: { 'Content-Type': 'application/json' }, expect: 413 });
  cases.push({ name: 'PATCH huge body', method: 'PATCH', path: `${NS}/ok1`, body: '{"a":"' + 'y'.repeat(300 * 1024) + '"}', headers: { 'Content-Type': 'application/merge-patch+json' }, expect: 413 });
  cases.push({ name: 'POST empty body', method: 'POST', path: NS, body: '', headers: { 'Content-Type': 'application/json' } });
  cases.push({ name: 'fieldValidation bogus', method: 'POST', path: `${NS}?fieldValidation=Bogus`, body: JSON.stringify(good), headers: { 'Content-Type': 'application/json' } });
  cases.push({ name: 'dryRun bogus', method: 'POST', path: `${NS}?dryRun=Some`, body: JSON.stringify(good), headers: { 'Content-Type': 'application/json' } });
  cases.push({ name: 'create in missing namespace', method: 'POST', path: '/apis/okube.dev/v1alpha1/namespaces/nope/tasks', body: JSON.stringify({ ...good, metadata: { name: 'n1' } }), headers: { 'Content-Type': 'application/json' }, expect: 404 });
  cases.push({ name: 'duplicate create', method: 'POST', path: NS, body: JSON.stringify(good), headers: { 'Content-Type': 'application/json' }, expect: 409 });
  cases.push({ name: 'stale update', method: 'PUT', path: `${NS}/ok1`, body: JSON.stringify({ ...good, metadata: { name: 'ok1', resourceVersion: '1' } }), headers: { 'Content-Type': 'application/json' }, expect: 409 });
  cases.push({ name: 'update with bad resourceVersion', method: 'PUT', path: `${NS}/ok1`, body: JSON.stringify({ ...good, metadata: { name: 'ok1', resourceVersion: 'abc' } }), headers: { 'Content-Type': 'application/json' } });
  cases.push({ name: 'update name mismatch', method: 'PUT', path: `${NS}/ok1`, body: JSON.stringify({ ...good, metadata: { name: 'other' } }), headers: { 'Content-Type': 'application/json' } });
  cases.push({ name: 'delete bad propagationPolicy', method: 'DELETE', path: `${NS}/ok1?propagationPolicy=Sideways` });
  cases.push({ name: 'delete bad options body', method: 'DELETE', path: `${NS}/ok1`, body: '{not json', headers: { 'Content-Type': 'application/json' } });
  cases.push({ name: 'delete bad precondition', method: 'DELETE', path: `${NS}/ok1`, body: '{"preconditions":{"uid":"nope"}}', headers: { 'Content-Type': 'application/json' }, expect: 409 });
  cases.push({ name: 'delete default namespace', method: 'DELETE', path: '/api/v1/namespaces/default', expect: 403 });
  const badSelectors = ['a in (', 'a in ()', '=x', 'a===', '!', 'a b c', 'a notin x', 'a,,b', 'a)(', 'in (a)', 'bad key=1', 'a=b=c', 'a>x', 'x'.repeat(400) + '=1', 'a=' + 'v'.repeat(100), 'a in (b c)'];
  for (const s of badSelectors) {
    cases.push({ name: `labelSelector ${s.slice(0, 20)}`, method: 'GET', path: `${NS}?labelSelector=${encodeURIComponent(s)}` });
    cases.push({ name: `watch labelSelector ${s.slice(0, 20)}`, method: 'GET', path: `${NS}?watch=1&labelSelector=${encodeURIComponent(s)}` });
  }
  for (const s of ['spec.image=x', 'metadata.name', 'metadata.name~x', 'x=', '=y', 'status.containerID=x', 'spec.nodeName.x=y']) {
    cases.push({ name: `fieldSelector ${s}`, method: 'GET', path: `${NS}?fieldSelector=${encodeURIComponent(s)}` });
  }
  for (const rv of ['abc', '-1', '1.5', '1e9', '99999999999999999999', ' ']) {
    cases.push({ name: `list resourceVersion ${rv}`, method: 'GET', path: `${NS}?resourceVersion=${encodeURIComponent(rv)}` });
    cases.push({ name: `watch resourceVersion ${rv}`, method: 'GET', path: `${NS}?watch=true&resourceVersion=${encodeURIComponent(rv)}` });
  }
  for (const q of ['limit=abc', 'continue=garbage', 'continue=eyJ4IjoxfQ', 'resourceVersionMatch=Weird', 'timeoutSeconds=abc&watch=1', 'includeObject=All']) {
    cases.push({ name: `list ${q}`, method: 'GET', path: `${NS}?${q}`, headers: q.startsWith('includeObject') ? { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } : {} });
  }
  for (const p of ['/nope', '/api/v2', '/apis/nope', '/apis/nope/v1', '/apis/okube.dev/v9', '/apis/okube.dev/v1alpha1/widgets', `${NS}/ok1/scale`, `${NS}/ok1/status/x/y`, '/api/v1/namespaces/default/nothings', '/apis/okube.dev/v1alpha1/namespaces/default/tasks/a/b/c/d', '/api/v1/%zz', '/apis/okube.dev/v1alpha1/namespaces/%2F/tasks', '/openapi/v3/apis/nope/v1', '/openapi/v9', '/../../etc/passwd']) {
    cases.push({ name: `GET ${p}`, method: 'GET', path: p });
  }
  for (const [m, p] of [['POST', `${NS}/ok1`], ['PUT', NS], ['PATCH', NS], ['POST', '/version'], ['DELETE', '/api'], ['PUT', '/apis'], ['POST', '/openapi/v2'], ['DELETE', `${NS}/ok1/status`], ['POST', '/apis/okube.dev/v1alpha1/tasks']] as const) {
    cases.push({ name: `${m} ${p}`, method: m, path: p, body: '{}', headers: { 'Content-Type': 'application/json' } });
  }
  cases.push({ name: 'no token', method: 'GET', path: NS, token: null, expect: 401 });
  cases.push({ name: 'wrong token', method: 'GET', path: NS, token: 'nope', expect: 401 });
  cases.push({ name: 'anonymous write', method: 'POST', path: NS, token: null, body: JSON.stringify(good), headers: { 'Content-Type': 'application/json' }, expect: 401 });
  cases.push({ name: 'protobuf only accept', method: 'GET', path: NS, headers: { Accept: 'application/vnd.kubernetes.protobuf' }, expect: 406 });

  it(`answers ${cases.length} malformed requests with 4xx Status objects and stays up`, async () => {
    expect(cases.length).to.be.greaterThan(200);
    const failures: string[] = [];
    for (const c of cases) {
      let r;
      try {
        r = await raw(ts, c.method, c.path, { body: c.body, headers: c.headers, token: c.token, timeoutMs: 3000 });
      } catch (err) {
        failures.push(`${c.name}: ${(err as Error).message}`);
        continue;
      }
      let status: { kind?: string; code?: number; reason?: string } = {};
      try {
        status = JSON.parse(r.body);
      } catch {
        // reported below
      }
      const okCode = c.expect ? r.status === c.expect : r.status >= 400 && r.status < 500;
      if (!okCode || status.kind !== 'Status' || status.code !== r.status) failures.push(`${c.name}: ${r.status} ${r.body.slice(0, 200)}`);
    }
    expect(failures, failures.join('\n')).to.deep.equal([]);
    const health = await raw(ts, 'GET', '/readyz?verbose');
    expect(health.status).to.equal(200);
    expect(health.body).to.include('[+]etcd ok');
    const still = await raw(ts, 'GET', `${NS}/ok1`);
    expect(JSON.parse(still.body).spec.image).to.equal('nginx');
  });

  it('sends 410 Gone as an ERROR event for a compacted resourceVersion', async () => {
    const rev = await ts.store.currentRevision();
    const c = await raw(ts, 'POST', NS, { body: JSON.stringify({ ...good, metadata: { name: 'gone1' } }), headers: { 'Content-Type': 'application/json' } });
    expect(c.status).to.equal(201);
    const p = await raw(ts, 'PATCH', `${NS}/gone1`, { body: '{"metadata":{"labels":{"x":"1"}}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
    expect(p.status).to.equal(200);
    await ts.store.compact(await ts.store.currentRevision());
    const r = await raw(ts, 'GET', `${NS}?watch=1&resourceVersion=${rev}`);
    const ev = JSON.parse(r.body.trim().split('\n')[0]);
    expect(ev.type).to.equal('ERROR');
    expect(ev.object).to.include({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('releases the store watch of every abandoned watch', async () => {
    const before = ts.api.activeWatches();
    const reqs = [];
    for (let i = 0; i < 25; i++) {
      const u = new URL(`${NS}?watch=1${i % 2 ? '&allowWatchBookmarks=true&resourceVersion=0' : ''}${i % 3 ? '&labelSelector=app%3Dx' : ''}`, ts.api.url);
      const req = request(u, { headers: { Authorization: `Bearer ${ts.api.token}`, Accept: i % 4 ? 'application/json' : 'application/json;as=Table;v=v1;g=meta.k8s.io' }, ca: ts.api.caPem });
      req.on('error', () => undefined);
      req.end();
      reqs.push(
        new Promise<void>((res) =>
          req.on('response', (resp) => {
            resp.once('data', () => undefined);
            res();
          }),
        ),
      );
      req.on('response', () => setTimeout(() => req.destroy(), 20 + i * 5));
    }
    await Promise.all(reqs);
    await eventually(() => ts.api.activeWatches() === before);
    // timeoutSeconds ends a watch by itself.
    const t = await raw(ts, 'GET', `${NS}?watch=1&timeoutSeconds=1`);
    expect(t.status).to.equal(200);
    expect(ts.api.activeWatches()).to.equal(before);
    expect((await raw(ts, 'GET', '/healthz')).status).to.equal(200);
  });

  it('answers 503 while the store is unavailable and recovers', async () => {
    const b = await memoryBackend.make();
    let down = false;
    const inner = b.store;
    const guard = <T>(f: () => T): T => {
      if (down) throw new StoreError('Unavailable', 'etcd is down');
      return f();
    };
    const flaky: Store = {
      get: (k) => guard(() => inner.get(k)),
      list: (p, o) => guard(() => inner.list(p, o)),
      create: (k, v, o) => guard(() => inner.create(k, v, o)),
      update: (k, v, r, o) => guard(() => inner.update(k, v, r, o)),
      delete: (k, r) => guard(() => inner.delete(k, r)),
      watch: (p, r) => inner.watch(p, r),
      compact: (r) => inner.compact(r),
      currentRevision: () => guard(() => inner.currentRevision()),
      close: () => inner.close(),
    };
    const ts2 = await startTestServer(flaky);
    try {
      down = true;
      const r = await raw(ts2, 'GET', NS);
      expect(r.status).to.equal(503);
      expect(JSON.parse(r.body)).to.include({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
      const h = await raw(ts2, 'GET', '/readyz?verbose');
      expect(h.status).to.equal(500);
      expect(h.body).to.include('[-]etcd failed');
      down = false;
      expect((await raw(ts2, 'GET', NS)).status).to.equal(200);
    } finally {
      await ts2.stop();
      await b.cleanup();
    }
  });
});
