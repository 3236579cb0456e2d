import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import type { Task } from '../../../src/api/types.js';
import { loadKubeConfig, userAgent, withIdentity } from '../../../src/client/kubeconfig.js';
import { ResourceClient, TASKS } from '../../../src/client/resource-client.js';
import { MemoryStore } from '../../../src/storage/index.js';
import { startTestServer, type TestServer } from '../apiserver/helpers.js';
import { uniqueName } from '../../support/env.js';

// okube's API clients say who they are: a User-Agent naming the program and component, and a
// fieldManager on every write, so managedFields name the controller that set each field.

describe('client identity', () => {
  let ts: TestServer;
  const seen: Array<{ method: string; url: string; ua: string }> = [];

  before(async () => {
    ts = await startTestServer(new MemoryStore(), { observeRequest: (req: IncomingMessage) => seen.push({ method: req.method ?? '', url: req.url ?? '', ua: String(req.headers['user-agent']) }) });
  });
  after(async () => ts.stop());

  const client = (component: string, fieldManager: string) => {
    const kc = loadKubeConfig({ server: ts.api.url, token: ts.api.token, caPem: ts.api.caPem });
    return new ResourceClient<Task>(withIdentity(kc, { program: 'okube-controllers', component, fieldManager }), TASKS);
  };
  type Entry = { manager: string; operation: string; subresource?: string };
  const managers = (t: Task) => ((t.metadata.managedFields ?? []) as Entry[]).map((e) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`).sort();

  it('sends the User-Agent and the fieldManager on create, patch and status writes', async () => {
    const name = uniqueName('ident');
    const scheduler = client('scheduler', 'okube-scheduler');
    const tasks = client('task', 'okube-task-controller');
    const created = await scheduler.create({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name, namespace: 'default' }, spec: { image: 'x' } } as Task);
    const bound = await scheduler.patch(name, { spec: { nodeName: 'n1' } }, 'default');
    await tasks.replaceStatus({ ...bound, status: { phase: 'Running' } } as Task);
    const t = await tasks.get(name, 'default');
    expect(managers(t)).to.deep.equal(['okube-scheduler/Update', 'okube-task-controller/Update/status']);
    expect((created.metadata.managedFields as Entry[] | undefined)?.[0].manager).to.equal('okube-scheduler');
    const writes = seen.filter((r) => r.url.includes(name) || (r.method === 'POST' && r.url.includes('/tasks')));
    expect(writes.length).to.be.greaterThan(0);
    for (const w of writes.filter((r) => r.method !== 'GET')) expect(w.url).to.match(/[?&]fieldManager=okube-(scheduler|task-controller)(&|$)/);
    expect(seen.some((r) => r.ua === userAgent({ program: 'okube-controllers', component: 'scheduler' }))).to.equal(true);
    expect(userAgent({ program: 'okube-controllers', component: 'task' })).to.match(/^okube-controllers\/\d+\.\d+\.\d+ \([a-z0-9]+\/[a-z0-9]+\) task$/);
  });

  it('a write without fieldManager is owned by the User-Agent\'s program name', async () => {
    const name = uniqueName('ident');
    const kc = withIdentity(loadKubeConfig({ server: ts.api.url, token: ts.api.token, caPem: ts.api.caPem }), { program: 'okube-probe' });
    const t = await new ResourceClient<Task>(kc, TASKS).create({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name, namespace: 'default' }, spec: { image: 'x' } } as Task);
    expect(managers(t)).to.deep.equal(['okube-probe/Update']);
  });
});
