import { expect } from 'chai';
import { request } from 'node:https';
import { backends } from './backends.js';
import { eventually, raw, startTestServer, type TestServer } from './helpers.js';

// REST and watch semantics over raw HTTPS: resourceVersion rules, selectors on watches,
// bookmarks, Table watches, finalizers, namespace deletion, generateName, dry run.

interface WatchEv { type: string; object: { kind?: string; metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> }; rows?: Array<{ cells: unknown[] }> } }

function openWatch(ts: TestServer, path: string, headers: Record<string, string> = {}): { events: WatchEv[]; ended: Promise<void>; close(): void } {
  const events: WatchEv[] = [];
  let close = () => {};
  const ended = new Promise<void>((resolve, reject) => {
    const req = request(new URL(path, ts.api.url), { ca: ts.api.caPem, headers: { Authorization: `Bearer ${ts.api.token}`, ...headers } }, (res) => {
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)) as WatchEv);
          buf = buf.slice(i + 1);
        }
      });
      res.on('end', () => resolve());
      res.on('error', () => resolve());
    });
    req.on('error', (err) => (String(err).includes('socket hang up') || String(err).includes('aborted') ? resolve() : reject(err)));
    req.end();
    close = () => req.destroy();
  });
  return { events, ended, close: () => close() };
}

for (const backend of backends) {
  describe(`API semantics (${backend.name})`, function () {
    this.timeout(60_000);
    let ts: TestServer;
    let cleanup: () => Promise<void>;
    const NSP = '/apis/okube.dev/v1alpha1/namespaces/sem/tasks';
    const json = { 'Content-Type': 'application/json' };
    const merge = { 'Content-Type': 'application/merge-patch+json' };
    const task = (name: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}) =>
      JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name, labels, ...extra }, spec: { image: 'nginx' } });

    before(async () => {
      const b = await backend.make();
      cleanup = b.cleanup;
      ts = await startTestServer(b.store, { bookmarkIntervalMs: 200 });
      expect((await raw(ts, 'POST', '/api/v1/namespaces', { body: '{"metadata":{"name":"sem"}}', headers: json })).status).to.equal(201);
    });
    after(async () => {
      await ts?.stop();
      await cleanup?.();
    });

    it('watch from a resourceVersion delivers every later change in order, without gaps', async () => {
      const c = await raw(ts, 'POST', NSP, { body: task('w1'), headers: json });
      const rv0 = JSON.parse(c.body).metadata.resourceVersion as string;
      const rvs: string[] = [];
      for (let i = 0; i < 5; i++) {
        const p = await raw(ts, 'PATCH', `${NSP}/w1`, { body: JSON.stringify({ metadata: { labels: { i: String(i) } } }), headers: merge });
        rvs.push(JSON.parse(p.body).metadata.resourceVersion);
      }
      const d = await raw(ts, 'DELETE', `${NSP}/w1`);
      expect(d.status).to.equal(200);
      const w = openWatch(ts, `${NSP}?watch=1&resourceVersion=${rv0}`);
      await eventually(() => w.events.length >= 6);
      w.close();
      expect(w.events.map((e) => e.type)).to.deep.equal(['MODIFIED', 'MODIFIED', 'MODIFIED', 'MODIFIED', 'MODIFIED', 'DELETED']);
      expect(w.events.slice(0, 5).map((e) => e.object.metadata.resourceVersion)).to.deep.equal(rvs);
    });

    it('watch without resourceVersion starts with the current objects as ADDED', async () => {
      await raw(ts, 'POST', NSP, { body: task('a1'), headers: json });
      await raw(ts, 'POST', NSP, { body: task('a2'), headers: json });
      const w = openWatch(ts, `${NSP}?watch=true`);
      await eventually(() => w.events.length >= 2);
      await raw(ts, 'POST', NSP, { body: task('a3'), headers: json });
      await eventually(() => w.events.some((e) => e.object.metadata.name === 'a3'));
      w.close();
      expect(w.events.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name)).to.include.members(['a1', 'a2', 'a3']);
    });

    it('label-selected watches see objects leave the selection as DELETED', async () => {
      await raw(ts, 'POST', NSP, { body: task('s1', {}, { sel: 'yes' }), headers: json });
      const list = JSON.parse((await raw(ts, 'GET', `${NSP}?labelSelector=sel%3Dyes`)).body);
      const w = openWatch(ts, `${NSP}?watch=1&labelSelector=sel%3Dyes&resourceVersion=${list.metadata.resourceVersion}`);
      await raw(ts, 'PATCH', `${NSP}/s1`, { body: '{"metadata":{"labels":{"sel":"no"}}}', headers: merge });
      await raw(ts, 'PATCH', `${NSP}/s1`, { body: '{"metadata":{"labels":{"sel":"yes"}}}', headers: merge });
      await raw(ts, 'POST', NSP, { body: task('s2', {}, { sel: 'no' }), headers: json });
      await eventually(() => w.events.length >= 2);
      await new Promise((r) => setTimeout(r, 200));
      w.close();
      expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).to.deep.equal(['DELETED s1', 'ADDED s1']);
    });

    it('sends bookmarks when asked, Table events for kubectl, and ends at timeoutSeconds', async () => {
      const w = openWatch(ts, `${NSP}?watch=1&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=0`, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
      await w.ended;
      const bm = w.events.filter((e) => e.type === 'BOOKMARK');
      expect(bm.length).to.be.greaterThan(0);
      expect(bm[0].object.metadata.resourceVersion).to.match(/^\d+$/);
      const added = w.events.filter((e) => e.type === 'ADDED');
      expect(added.length).to.be.greaterThan(0);
      expect(added[0].object.kind).to.equal('Table');
      expect(added[0].object.rows).to.have.length(1);
      expect(ts.api.activeWatches()).to.equal(0);
    });

    it('finalizers keep a deleted object until they are removed', async () => {
      await raw(ts, 'POST', NSP, { body: task('f1', { finalizers: ['okube.dev/test'] }), headers: json });
      const d = await raw(ts, 'DELETE', `${NSP}/f1`, { body: '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}', headers: json });
      expect(d.status).to.equal(200);
      const got = JSON.parse((await raw(ts, 'GET', `${NSP}/f1`)).body);
      expect(got.metadata.deletionTimestamp).to.be.a('string');
      const p = await raw(ts, 'PATCH', `${NSP}/f1`, { body: '{"metadata":{"finalizers":null}}', headers: merge });
      expect(p.status).to.equal(200);
      expect((await raw(ts, 'GET', `${NSP}/f1`)).status).to.equal(404);
    });

    it('deleting a namespace deletes what is in it', async () => {
      await raw(ts, 'POST', '/api/v1/namespaces', { body: '{"metadata":{"name":"doomed"}}', headers: json });
      const P = '/apis/okube.dev/v1alpha1/namespaces/doomed/tasks';
      await raw(ts, 'POST', P, { body: task('d1'), headers: json });
      await raw(ts, 'POST', P, { body: task('d2', { finalizers: ['okube.dev/test'] }), headers: json });
      const d = await raw(ts, 'DELETE', '/api/v1/namespaces/doomed');
      expect(JSON.parse(d.body).status.phase).to.equal('Terminating');
      expect((await raw(ts, 'POST', P, { body: task('d3'), headers: json })).status).to.equal(403);
      await eventually(async () => (await raw(ts, 'GET', `${P}/d1`)).status === 404);
      expect(JSON.parse((await raw(ts, 'GET', `${P}/d2`)).body).metadata.deletionTimestamp).to.be.a('string');
      await raw(ts, 'PATCH', `${P}/d2`, { body: '{"metadata":{"finalizers":[]}}', headers: merge });
      await eventually(async () => (await raw(ts, 'GET', '/api/v1/namespaces/doomed')).status === 404);
    });

    it('refuses new content in a terminating namespace with 403 and a NamespaceTerminating cause, as NamespaceLifecycle does', async () => {
      await raw(ts, 'POST', '/api/v1/namespaces', { body: '{"metadata":{"name":"closing"}}', headers: json });
      const P = '/apis/okube.dev/v1alpha1/namespaces/closing/tasks';
      await raw(ts, 'POST', P, { body: task('keep', { finalizers: ['okube.dev/test'] }), headers: json });
      await raw(ts, 'DELETE', '/api/v1/namespaces/closing');
      const r = await raw(ts, 'POST', '/api/v1/namespaces/closing/events', { body: JSON.stringify({ metadata: { name: 'e1' }, involvedObject: { kind: 'Task', name: 'keep' }, reason: 'X', message: 'y' }), headers: json });
      expect(r.status).to.equal(403);
      const st = JSON.parse(r.body);
      expect(st).to.include({ kind: 'Status', reason: 'Forbidden' });
      expect(st.details.causes).to.deep.include({ reason: 'NamespaceTerminating', message: 'unable to create new content in namespace closing because it is being terminated', field: 'metadata.namespace' });
      await raw(ts, 'PATCH', `${P}/keep`, { body: '{"metadata":{"finalizers":[]}}', headers: merge });
      await eventually(async () => (await raw(ts, 'GET', '/api/v1/namespaces/closing')).status === 404);
    });

    it('DELETE with DeleteOptions.dryRun in the body deletes nothing; an unknown value there is refused', async () => {
      expect((await raw(ts, 'POST', NSP, { body: task('dbody'), headers: json })).status).to.equal(201);
      const dry = await raw(ts, 'DELETE', `${NSP}/dbody`, { body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] }), headers: json });
      expect(dry.status, dry.body).to.equal(200);
      expect(JSON.parse((await raw(ts, 'GET', `${NSP}/dbody`)).body).metadata.deletionTimestamp).to.equal(undefined);
      const bad = await raw(ts, 'DELETE', `${NSP}/dbody`, { body: JSON.stringify({ dryRun: ['Some'] }), headers: json });
      expect(bad.status, bad.body).to.equal(422);
      expect(JSON.parse(bad.body).details.causes).to.deep.include({ reason: 'FieldValueNotSupported', field: 'dryRun', message: 'Unsupported value: []string{"Some"}: supported values: "All"' });
      expect((await raw(ts, 'GET', `${NSP}/dbody`)).status).to.equal(200);
    });

    it('DELETE with a DeleteOptions.dryRun that is not a list of strings is a 400 naming the field, and deletes nothing', async () => {
      expect((await raw(ts, 'POST', NSP, { body: task('dtype'), headers: json })).status).to.equal(201);
      const bad = await raw(ts, 'DELETE', `${NSP}/dtype`, { body: JSON.stringify({ dryRun: 'All' }), headers: json });
      expect(bad.status, bad.body).to.equal(400);
      expect(JSON.parse(bad.body)).to.include({ kind: 'Status', reason: 'BadRequest', message: 'json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string' });
      expect((await raw(ts, 'GET', `${NSP}/dtype`)).status).to.equal(200);
    });

    it('generateName, dryRun, optimistic concurrency, status rules', async () => {
      const g = await raw(ts, 'POST', NSP, { body: JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { generateName: 'gen-' }, spec: { image: 'x' } }), headers: json });
      expect(g.status).to.equal(201);
      expect(JSON.parse(g.body).metadata.name).to.match(/^gen-[a-z0-9]{5}$/);
      const dry = await raw(ts, 'POST', `${NSP}?dryRun=All`, { body: task('dry1'), headers: json });
      expect(dry.status).to.equal(201);
      expect((await raw(ts, 'GET', `${NSP}/dry1`)).status).to.equal(404);
      const c = JSON.parse((await raw(ts, 'POST', NSP, { body: JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'cc' }, spec: { image: 'x' }, status: { phase: 'Forged' } }), headers: json })).body);
      expect(c.kind, JSON.stringify(c)).to.equal('Task');
      expect(c.status).to.equal(undefined, 'status is dropped on create');
      const upd = { ...c, spec: { image: 'y' } };
      const u1 = await raw(ts, 'PUT', `${NSP}/cc`, { body: JSON.stringify(upd), headers: json });
      expect(u1.status).to.equal(200);
      expect(JSON.parse(u1.body).metadata.generation).to.equal(2);
      const u2 = await raw(ts, 'PUT', `${NSP}/cc`, { body: JSON.stringify(upd), headers: json });
      expect(u2.status).to.equal(409);
      expect(JSON.parse(u2.body).reason).to.equal('Conflict');
      const cur = JSON.parse(u1.body);
      const s = await raw(ts, 'PUT', `${NSP}/cc/status`, { body: JSON.stringify({ ...cur, spec: { image: 'ignored' }, status: { phase: 'Running' } }), headers: json });
      expect(s.status).to.equal(200);
      const after = JSON.parse(s.body);
      expect(after.status.phase).to.equal('Running');
      expect(after.spec.image).to.equal('y');
      expect(after.metadata.generation).to.equal(2);
      // A no-op update does not write.
      const noop = await raw(ts, 'PATCH', `${NSP}/cc`, { body: '{}', headers: merge });
      expect(JSON.parse(noop.body).metadata.resourceVersion).to.equal(after.metadata.resourceVersion);
    });

    it('pages lists with limit/continue', async () => {
      for (let i = 0; i < 7; i++) await raw(ts, 'POST', '/apis/okube.dev/v1alpha1/namespaces/sem/tasks', { body: task(`page-${i}`, {}, { page: 'y' }), headers: json });
      const names: string[] = [];
      let cont = '';
      let pages = 0;
      do {
        const r = JSON.parse((await raw(ts, 'GET', `${NSP}?labelSelector=page%3Dy&limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`)).body);
        names.push(...r.items.map((x: { metadata: { name: string } }) => x.metadata.name));
        cont = r.metadata.continue ?? '';
        pages++;
      } while (cont && pages < 10);
      expect(names.sort()).to.deep.equal([0, 1, 2, 3, 4, 5, 6].map((i) => `page-${i}`));
      expect(pages).to.be.at.least(3);
    });

    it('concurrent patches of one object lose no update', async () => {
      await raw(ts, 'POST', NSP, { body: task('hot'), headers: json });
      const codes = await Promise.all(Array.from({ length: 40 }, async (_, i) => (await raw(ts, 'PATCH', `${NSP}/hot`, { body: JSON.stringify({ metadata: { labels: { [`l${i}`]: 'x' } } }), headers: merge })).status));
      expect(codes.filter((c) => c !== 200)).to.deep.equal([]);
      const got = JSON.parse((await raw(ts, 'GET', `${NSP}/hot`)).body);
      expect(Object.keys(got.metadata.labels ?? {})).to.have.length(40);
    });

    it('fieldValidation: Strict rejects, Warn warns, default prunes unknown fields', async () => {
      const body = JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'fv1', bogus: 1 }, spec: { image: 'x' } });
      const strict = await raw(ts, 'POST', `${NSP}?fieldValidation=Strict`, { body, headers: json });
      expect(strict.status).to.equal(422);
      expect(JSON.parse(strict.body).details.causes[0].field).to.equal('metadata.bogus');
      const warn = await raw(ts, 'POST', `${NSP}?fieldValidation=Warn`, { body, headers: json });
      expect(warn.status).to.equal(201);
      expect(warn.headers.get('warning')).to.include('unknown field');
      const dflt = await raw(ts, 'POST', NSP, { body: body.replace('fv1', 'fv2'), headers: json });
      expect(dflt.status).to.equal(201);
      expect(JSON.parse(dflt.body).metadata).to.not.have.property('bogus');
    });
  });
}
