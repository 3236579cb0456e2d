import { expect } from 'chai';
import { MemoryStore } from '../../../src/storage/index.js';
import { raw, startTestServer, type TestServer } from './helpers.js';

// Admission refuses a Task whose probe names a host: probes run from the controllers' network.

const TASKS = '/apis/okube.dev/v1alpha1/namespaces/default/tasks';

describe('API server: probe hosts at admission', function () {
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

  it('answers 422 naming the field for a Task whose httpGet probe names another host', async () => {
    const body = JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'ssrf' }, spec: { image: 'busybox', livenessProbe: { httpGet: { port: 80, host: '10.0.0.1' } } } });
    const r = await raw(ts, 'POST', TASKS, { body, headers: { 'Content-Type': 'application/json' } });
    expect(r.status, r.body).to.equal(422);
    const causes = (JSON.parse(r.body) as { details: { causes: Array<{ field: string; reason: string }> } }).details.causes;
    expect(causes).to.deep.include({ reason: 'FieldValueForbidden', field: 'spec.livenessProbe.httpGet.host', message: "Forbidden: a probe may not name a host; okube probes connect only to the Task's own Node address" });
  });

  it('answers 422 for a merge patch that adds a tcpSocket host to a stored Task', async () => {
    const body = JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'later' }, spec: { image: 'busybox', readinessProbe: { tcpSocket: { port: 80 } } } });
    expect((await raw(ts, 'POST', TASKS, { body, headers: { 'Content-Type': 'application/json' } })).status).to.equal(201);
    const r = await raw(ts, 'PATCH', `${TASKS}/later`, { body: '{"spec":{"readinessProbe":{"tcpSocket":{"host":"127.0.0.1"}}}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
    expect(r.status, r.body).to.equal(422);
    expect(r.body).to.include('spec.readinessProbe.tcpSocket.host');
  });
});
