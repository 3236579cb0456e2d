import { expect } from 'chai';
import { MemoryStore } from '../../../src/storage/memory-store.js';
import { kubectl } from '../../support/kubectl.js';
import { kubectlEnv, raw, startTestServer, type TestServer } from './helpers.js';

// A Task bound to a Node may not ask for a fixed hostPort outside the Node's portRange unless the
// Node says spec.allowHostPortsOutsideRange: a 422 naming the field, through kubectl and raw HTTP.

describe('admission: fixed hostPorts against the Node\'s portRange', function () {
  this.timeout(60_000);
  let ts: TestServer;
  const json = { 'Content-Type': 'application/json' };
  const merge = { 'Content-Type': 'application/merge-patch+json' };
  const TASKS = '/apis/okube.dev/v1alpha1/namespaces/hp/tasks';
  const taskBody = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name }, spec: { image: 'img', ...spec } });
  const nodeBody = (name: string, spec: Record<string, unknown> = {}) =>
    JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name }, spec: { dockerHost: 'tcp://10.231.0.6:2376', portRange: { start: 31000, end: 31100 }, ...spec } });

  before(async () => {
    ts = await startTestServer(new MemoryStore());
    expect((await raw(ts, 'POST', '/api/v1/namespaces', { body: '{"metadata":{"name":"hp"}}', headers: json })).status).to.equal(201);
    expect((await raw(ts, 'POST', '/apis/okube.dev/v1alpha1/nodes', { body: nodeBody('narrow'), headers: json })).status).to.equal(201);
    expect((await raw(ts, 'POST', '/apis/okube.dev/v1alpha1/nodes', { body: nodeBody('open', { allowHostPortsOutsideRange: true }), headers: json })).status).to.equal(201);
  });
  after(async () => {
    await ts?.stop();
  });

  it('refuses a Task created on a Node with a hostPort outside its range, naming the field', async () => {
    const r = await raw(ts, 'POST', TASKS, { body: taskBody('out', { nodeName: 'narrow', ports: [{ containerPort: 80, hostPort: 8080 }] }), headers: json });
    expect(r.status).to.equal(422);
    const st = JSON.parse(r.body);
    expect(st.reason).to.equal('Invalid');
    expect(st.details.causes).to.deep.equal([{ reason: 'FieldValueForbidden', field: 'spec.ports[0].hostPort', message: "Forbidden: hostPort 8080 is outside node narrow's portRange 31000-31100, and the Node does not set spec.allowHostPortsOutsideRange" }]);
  });

  it('says so through kubectl apply with a non-zero exit', async () => {
    const manifest = taskBody('viakubectl', { nodeName: 'narrow', ports: [{ containerPort: 80, hostPort: 8080 }] });
    const run = await kubectl(['apply', '-n', 'hp', '-f', '-'], kubectlEnv(ts), manifest);
    expect(run.code).to.not.equal(0);
    expect(run.stderr).to.contain("hostPort 8080 is outside node narrow's portRange 31000-31100");
  });

  it('admits the same Task on a Node that allows ports outside its range, and ports inside the range anywhere', async () => {
    expect((await raw(ts, 'POST', TASKS, { body: taskBody('allowed', { nodeName: 'open', ports: [{ containerPort: 80, hostPort: 8080 }] }), headers: json })).status).to.equal(201);
    expect((await raw(ts, 'POST', TASKS, { body: taskBody('inside', { nodeName: 'narrow', ports: [{ containerPort: 80, hostPort: 31050 }, { containerPort: 81 }] }), headers: json })).status).to.equal(201);
  });

  it('refuses the binding of an unbound Task to a Node that does not allow its port', async () => {
    expect((await raw(ts, 'POST', TASKS, { body: taskBody('unbound', { ports: [{ containerPort: 80, hostPort: 8080 }] }), headers: json })).status).to.equal(201);
    const r = await raw(ts, 'PATCH', `${TASKS}/unbound`, { body: '{"spec":{"nodeName":"narrow"}}', headers: merge });
    expect(r.status).to.equal(422);
    expect(JSON.parse(r.body).details.causes[0].field).to.equal('spec.ports[0].hostPort');
  });
});
