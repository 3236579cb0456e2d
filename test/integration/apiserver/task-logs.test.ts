import { expect } from 'chai';
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { LABELS, type Node, type Task } from '../../../src/api/types.js';
import type { Registry } from '../../../src/apiserver/registry.js';
import type { ResourceService } from '../../../src/apiserver/resources.js';
import { TaskEngines } from '../../../src/apiserver/task-engines.js';
import { TaskLogs } from '../../../src/apiserver/task-logs.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { testEnv, uniqueName } from '../../support/env.js';

// TaskLogs against the real test engine, with the store lookups it makes stood in for so the
// test decides when they answer.

describe('tasks/log against a real Docker engine', function () {
  this.timeout(60_000);
  const env = testEnv();
  const rt = new DockerRuntime({ dockerHost: env.dockerHost });
  const uid = uniqueName('uid');
  let server: Server | undefined;

  after(async () => {
    server?.close();
    for (const c of await rt.list({ [LABELS.taskUid]: uid })) await rt.remove(c.id);
    await rt.close();
  });

  it('a client that goes away while the Node is looked up leaves no followed engine stream behind', async () => {
    const id = await rt.create({ name: uniqueName('okube-log'), image: env.image, command: ['sleep', '3600'], labels: { [LABELS.taskUid]: uid, [LABELS.restart]: '0' } });
    await rt.start(id);
    const node = { metadata: { name: 'n1' }, spec: { dockerHost: env.dockerHost } } as unknown as Node;
    const task = { metadata: { name: 'quiet', namespace: 'default', uid }, spec: { image: env.image }, status: { nodeName: 'n1' } } as unknown as Task;

    let closed!: Promise<void>;
    // The Node is read only once the client's connection is gone: the window a fast Ctrl-C hits.
    const service = { get: async () => (await closed, node) } as unknown as ResourceService;
    const registry = { lookup: () => ({}) } as unknown as Registry;
    const logs = new TaskLogs(new TaskEngines(service, registry), pino({ level: 'silent' }));
    let served!: Promise<'returned'>;
    server = createServer((_req, res: ServerResponse) => {
      closed = new Promise((resolve) => res.once('close', () => resolve()));
      served = logs.serve(task, { follow: true, previous: false, timestamps: false }, res).then(() => 'returned' as const);
      // The client goes away as soon as its request has arrived.
      client.destroy();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const client = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/log' });
    client.on('error', () => undefined);
    client.end();

    // The container prints nothing and sleeps for an hour: a stream left open would keep serve() waiting.
    const hung = new Promise<'still following'>((resolve) => setTimeout(() => resolve('still following'), 20_000).unref());
    while (!served) await new Promise((r) => setTimeout(r, 20));
    expect(await Promise.race([served, hung])).to.equal('returned');
  });
});
