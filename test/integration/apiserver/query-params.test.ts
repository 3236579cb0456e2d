import { expect } from 'chai';
import { uniqueName } from '../../support/env.js';
import { memoryBackend } from './backends.js';
import { raw, startTestServer, type TestServer } from './helpers.js';

// Boolean and integer query parameters over real HTTPS, read the way kube-apiserver reads them:
// booleans are true unless "0"/"false" (any case), so the official Python client's `watch=True`
// is a watch; a malformed integer is a 400 BadRequest Status that names the parameter.

describe('API query parameters over HTTP', function () {
  this.timeout(60_000);
  let ts: TestServer;
  let cleanup: () => Promise<void>;
  const ns = uniqueName('qp');
  const col = `/apis/okube.dev/v1alpha1/namespaces/${ns}/tasks`;
  const json = { 'Content-Type': 'application/json' };
  const task = (name: string, image = 'nginx') => JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name }, spec: { image } });
  const lines = (body: string) => body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; object: { kind?: string; metadata: { name?: string } } });

  before(async () => {
    const b = await memoryBackend.make();
    cleanup = b.cleanup;
    ts = await startTestServer(b.store, { bookmarkIntervalMs: 200 });
    expect((await raw(ts, 'POST', '/api/v1/namespaces', { body: JSON.stringify({ metadata: { name: ns } }), headers: json })).status).to.equal(201);
    for (const n of ['t1', 't2', 't3']) expect((await raw(ts, 'POST', col, { body: task(n), headers: json })).status).to.equal(201);
  });
  after(async () => {
    await ts?.stop();
    await cleanup?.();
  });

  for (const v of ['True', 'TRUE', 't', '1', 'true']) {
    it(`watch=${v} gets a watch stream, not a list`, async () => {
      const r = await raw(ts, 'GET', `${col}?watch=${v}&timeoutSeconds=1`);
      expect(r.status).to.equal(200);
      expect(r.body).to.not.match(/"kind":"TaskList"/);
      const evs = lines(r.body);
      expect(evs.map((e) => `${e.type} ${e.object.metadata.name}`).sort()).to.deep.equal(['ADDED t1', 'ADDED t2', 'ADDED t3']);
    });
  }

  for (const v of ['False', 'FALSE', '0']) {
    it(`watch=${v} gets a list`, async () => {
      const r = await raw(ts, 'GET', `${col}?watch=${v}`);
      expect(r.status).to.equal(200);
      expect(JSON.parse(r.body).kind).to.equal('TaskList');
    });
  }

  it('allowWatchBookmarks=True gets bookmarks on the watch', async () => {
    const r = await raw(ts, 'GET', `${col}?watch=True&allowWatchBookmarks=True&timeoutSeconds=1`);
    expect(lines(r.body).some((e) => e.type === 'BOOKMARK')).to.equal(true);
  });

  it('force=True on a server-side apply takes over a field another manager owns', async () => {
    const apply = { 'Content-Type': 'application/apply-patch+yaml' };
    const name = uniqueName('force');
    // The label keeps the applied metadata non-empty: an apply whose metadata holds only the name
    // currently wipes the stored metadata (an ssa.ts bug outside this test's subject).
    const task = (n: string, image: string) => JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: n, labels: { t: 'force' } }, spec: { image } });
    expect((await raw(ts, 'PATCH', `${col}/${name}?fieldManager=a`, { body: task(name, 'nginx'), headers: apply })).status).to.be.oneOf([200, 201]);
    expect((await raw(ts, 'PATCH', `${col}/${name}?fieldManager=b`, { body: task(name, 'busybox'), headers: apply })).status).to.equal(409);
    const r = await raw(ts, 'PATCH', `${col}/${name}?fieldManager=b&force=True`, { body: task(name, 'busybox'), headers: apply });
    expect(r.status, r.body).to.equal(200);
    expect(JSON.parse(r.body).spec.image).to.equal('busybox');
  });

  it('limit=+2 is read as 2', async () => {
    const r = await raw(ts, 'GET', `${col}?limit=%2B2`);
    expect(r.status, r.body).to.equal(200);
    expect(JSON.parse(r.body).items).to.have.length(2);
  });

  const invalid: Array<[string, string, string, string]> = [
    ['CreateOptions', 'POST', '?dryRun=Some', 'dryRun'],
    ['CreateOptions', 'POST', '?dryRun=', 'dryRun'],
    ['UpdateOptions', 'PUT', '/t2?fieldValidation=Bogus', 'fieldValidation'],
    ['PatchOptions', 'PATCH', `/t2?fieldManager=${'m'.repeat(129)}`, 'fieldManager'],
    ['DeleteOptions', 'DELETE', '/t2?propagationPolicy=Sideways', 'propagationPolicy'],
    ['DeleteOptions', 'DELETE', '/t2?propagationPolicy=Background&orphanDependents=True', 'propagationPolicy'],
    ['DeleteOptions', 'DELETE', '?propagationPolicy=Sideways', 'propagationPolicy'],
    ['ListOptions', 'GET', '?resourceVersion=1&resourceVersionMatch=Weird', 'resourceVersionMatch'],
    ['ListOptions', 'GET', '?sendInitialEvents=True', 'sendInitialEvents'],
    ['ListOptions', 'GET', '?watch=True&sendInitialEvents=True', 'resourceVersionMatch'],
  ];
  for (const [kind, method, suffix, field] of invalid) {
    it(`${method} ${suffix.slice(0, 60)} is a 422 Invalid ${kind} with a cause on ${field}`, async () => {
      const headers = method === 'PATCH' ? { 'Content-Type': 'application/merge-patch+json' } : json;
      const body = method === 'POST' || method === 'PUT' ? task(method === 'POST' ? uniqueName('inv') : 't2') : method === 'PATCH' ? '{}' : undefined;
      const r = await raw(ts, method, `${col}${suffix}`, { body, headers });
      expect(r.status, r.body).to.equal(422);
      const s = JSON.parse(r.body) as { reason: string; message: string; details: { kind: string; group: string; causes: Array<{ field: string }> } };
      expect(s.reason).to.equal('Invalid');
      expect(s.message).to.match(new RegExp(`^${kind}\\.meta\\.k8s\\.io "" is invalid: `));
      expect(s.details).to.include({ kind, group: 'meta.k8s.io' });
      expect(s.details.causes.map((c) => c.field)).to.include(field);
    });
  }

  it('watch=True&sendInitialEvents=True&resourceVersionMatch=NotOlderThan streams the current Tasks, then the initial-events-end bookmark', async () => {
    const r = await raw(ts, 'GET', `${col}?watch=True&sendInitialEvents=True&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=True&timeoutSeconds=1`);
    expect(r.status, r.body).to.equal(200);
    const evs = lines(r.body) as Array<{ type: string; object: { metadata: { name?: string; annotations?: Record<string, string> } } }>;
    expect(evs.filter((e) => e.type === 'ADDED').length).to.be.at.least(2);
    expect(evs.some((e) => e.type === 'BOOKMARK' && e.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true')).to.equal(true);
  });

  const bad: Array<[string, string, string]> = [
    ['limit', 'GET', `?limit=abc`],
    ['limit', 'GET', `?limit=`],
    ['limit', 'GET', `?limit=1.5`],
    ['timeoutSeconds', 'GET', `?watch=True&timeoutSeconds=ten`],
    ['timeoutSeconds', 'GET', `?watch=1&timeoutSeconds=99999999999999999999`],
    ['gracePeriodSeconds', 'DELETE', `/t1?gracePeriodSeconds=soon`],
    ['timeoutSeconds', 'GET', `?timeoutSeconds=abc`],
    ['limit', 'GET', `?watch=1&limit=abc`],
    ['gracePeriodSeconds', 'DELETE', `?gracePeriodSeconds=soon`],
  ];
  for (const [param, method, suffix] of bad) {
    it(`${method} ${suffix} is a 400 BadRequest Status naming ${param}`, async () => {
      const r = await raw(ts, method, `${col}${suffix}`);
      expect(r.status, r.body).to.equal(400);
      const s = JSON.parse(r.body) as { kind: string; reason: string; code: number; message: string };
      expect(s).to.include({ kind: 'Status', reason: 'BadRequest', code: 400 });
      expect(s.message).to.match(new RegExp(`^invalid value for query parameter ${param}: strconv\\.ParseInt: parsing `));
    });
  }
});
