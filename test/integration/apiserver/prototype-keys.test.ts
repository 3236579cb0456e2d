import { expect } from 'chai';
import { MemoryStore } from '../../../src/storage/index.js';
import { raw, startTestServer, type TestServer } from './helpers.js';

// Keys named like members of Object.prototype are ordinary field names to the API: pruning and
// strict validation see them as unknown fields, merge and JSON patches and server-side apply
// carry them as data, and none of them reaches an object's prototype.

const TASKS = '/apis/okube.dev/v1alpha1/namespaces/default/tasks';
const PROTO_KEYS = ['constructor', 'toString', 'prototype', 'valueOf', '__proto__'];

function task(name: string, spec: string, labels = '{"app":"x"}'): string {
  return `{"apiVersion":"okube.dev/v1alpha1","kind":"Task","metadata":{"name":"${name}","labels":${labels}},"spec":${spec}}`;
}

describe('API server: prototype-named keys in request bodies', function () {
  this.timeout(60_000);
  let ts: TestServer;
  const store = new MemoryStore();
  before(async () => {
    ts = await startTestServer(store);
  });
  after(async () => {
    await ts.stop();
    await store.close();
  });

  for (const key of PROTO_KEYS) {
    it(`prunes an unknown spec field named ${key} on create`, async () => {
      const name = `prune-${key.replace(/_/g, 'u').toLowerCase()}`;
      const r = await raw(ts, 'POST', TASKS, { body: task(name, `{"image":"busybox","${key}":{"polluted":true}}`), headers: { 'Content-Type': 'application/json' } });
      expect(r.status, r.body).to.equal(201);
      const spec = (JSON.parse(r.body) as { spec: Record<string, unknown> }).spec;
      expect(Object.keys(spec)).to.not.include(key);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    });

    it(`strict field validation refuses an unknown spec field named ${key}`, async () => {
      const name = `strict-${key.replace(/_/g, 'u').toLowerCase()}`;
      const r = await raw(ts, 'POST', `${TASKS}?fieldValidation=Strict`, { body: task(name, `{"image":"busybox","${key}":"x"}`), headers: { 'Content-Type': 'application/json' } });
      expect(r.status, r.body).to.equal(422);
      expect(r.body).to.include(`unknown field \\"spec.${key}\\"`);
    });
  }

  for (const key of ['constructor', 'toString', 'prototype', 'valueOf']) {
    it(`a merge patch adds a label named ${key} next to the others`, async () => {
      const name = `mp-${key.toLowerCase()}`;
      expect((await raw(ts, 'POST', TASKS, { body: task(name, '{"image":"busybox"}'), headers: { 'Content-Type': 'application/json' } })).status).to.equal(201);
      const r = await raw(ts, 'PATCH', `${TASKS}/${name}`, { body: `{"metadata":{"labels":{"${key}":"yes","b":"2"}}}`, headers: { 'Content-Type': 'application/merge-patch+json' } });
      expect(r.status, r.body).to.equal(200);
      expect((JSON.parse(r.body) as { metadata: { labels: Record<string, string> } }).metadata.labels).to.deep.equal({ app: 'x', [key]: 'yes', b: '2' });
    });

    it(`a JSON patch adds and removes a label named ${key}`, async () => {
      const name = `jp-${key.toLowerCase()}`;
      expect((await raw(ts, 'POST', TASKS, { body: task(name, '{"image":"busybox"}'), headers: { 'Content-Type': 'application/json' } })).status).to.equal(201);
      const add = await raw(ts, 'PATCH', `${TASKS}/${name}`, { body: `[{"op":"add","path":"/metadata/labels/${key}","value":"yes"}]`, headers: { 'Content-Type': 'application/json-patch+json' } });
      expect(add.status, add.body).to.equal(200);
      expect((JSON.parse(add.body) as { metadata: { labels: Record<string, string> } }).metadata.labels).to.deep.equal({ app: 'x', [key]: 'yes' });
      const rm = await raw(ts, 'PATCH', `${TASKS}/${name}`, { body: `[{"op":"remove","path":"/metadata/labels/${key}"}]`, headers: { 'Content-Type': 'application/json-patch+json' } });
      expect(rm.status, rm.body).to.equal(200);
      expect((JSON.parse(rm.body) as { metadata: { labels: Record<string, string> } }).metadata.labels).to.deep.equal({ app: 'x' });
    });

    it(`server-side apply owns and keeps a label named ${key}`, async () => {
      const name = `ssa-${key.toLowerCase()}`;
      const body = task(name, '{"image":"busybox"}', `{"app":"x","${key}":"yes"}`);
      const r = await raw(ts, 'PATCH', `${TASKS}/${name}?fieldManager=t`, { body, headers: { 'Content-Type': 'application/apply-patch+yaml' } });
      expect(r.status, r.body).to.equal(201);
      const again = await raw(ts, 'PATCH', `${TASKS}/${name}?fieldManager=t`, { body: task(name, '{"image":"busybox"}', '{"app":"x"}'), headers: { 'Content-Type': 'application/apply-patch+yaml' } });
      expect(again.status, again.body).to.equal(200);
      const o = JSON.parse(again.body) as { metadata: { labels: Record<string, string>; managedFields: Array<{ fieldsV1: unknown }> } };
      expect(o.metadata.labels).to.deep.equal({ app: 'x' });
    });
  }

  it('a merge patch with a __proto__ key neither pollutes nor loses the rest of the patch', async () => {
    expect((await raw(ts, 'POST', TASKS, { body: task('mp-proto', '{"image":"busybox"}'), headers: { 'Content-Type': 'application/json' } })).status).to.equal(201);
    const r = await raw(ts, 'PATCH', `${TASKS}/mp-proto`, { body: '{"metadata":{"labels":{"b":"2"}},"spec":{"__proto__":{"polluted":true}}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
    expect(r.status, r.body).to.equal(200);
    const o = JSON.parse(r.body) as { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> };
    expect(o.metadata.labels).to.deep.equal({ app: 'x', b: '2' });
    expect(Object.hasOwn(o.spec, '__proto__')).to.equal(false);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });
});
