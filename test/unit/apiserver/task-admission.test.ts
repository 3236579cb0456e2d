import { expect } from 'chai';
import type { Resource } from '../../../src/apiserver/registry.js';
import { writeOptions } from '../../../src/apiserver/request-options.js';
import type { ResourceService } from '../../../src/apiserver/resources.js';
import { ApiError } from '../../../src/apiserver/status.js';
import { serviceWithDefaultNamespace } from './service-fixture.js';

// hostPath admission through the real write paths of ResourceService (create, merge patch of
// spec.nodeName as the scheduler binds), over a MemoryStore: a bound Task may mount only paths
// under its Node's spec.allowedHostPaths; the 422 names the field.

describe('Task hostPath admission', () => {
  let service: ResourceService;
  let tasks: Resource;
  const q = () => new URLSearchParams({ fieldManager: 'test' });

  beforeEach(async () => {
    const fixture = await serviceWithDefaultNamespace();
    service = fixture.service;
    tasks = fixture.registry.find('okube.dev', 'Task')!;
    const nodes = fixture.registry.find('okube.dev', 'Node')!;
    await service.create(nodes, undefined, { apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: 'n1' }, spec: { dockerHost: 'unix:///x.sock', allowedHostPaths: [{ pathPrefix: '/srv' }] } }, writeOptions(q(), undefined, 'CreateOptions'), 'test');
  });

  const taskWith = (path: string, nodeName?: string) => ({
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: 't' },
    spec: { image: 'i', ...(nodeName ? { nodeName } : {}), volumes: [{ name: 'h', hostPath: { path } }], volumeMounts: [{ name: 'h', mountPath: '/h' }] },
  });
  const create = (body: Record<string, unknown>) => service.create(tasks, 'default', body, writeOptions(q(), undefined, 'CreateOptions'), 'test');
  const rejection = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as ApiError);

  it('refuses a bound Task whose hostPath is outside the Node allowedHostPaths with a 422 naming the field', async () => {
    const err = await rejection(create(taskWith('/etc', 'n1')));
    expect(err).to.be.instanceOf(ApiError);
    expect(err!.httpCode).to.equal(422);
    expect(err!.message).to.equal(`Task.okube.dev "t" is invalid: spec.volumes[0].hostPath.path: Forbidden: /etc is not under node n1's spec.allowedHostPaths (/srv)`);
  });

  it('accepts a bound Task whose hostPath is under them', async () => {
    expect((await create(taskWith('/srv/app', 'n1'))).code).to.equal(201);
  });

  it('accepts an unbound Task (the scheduler checks) and refuses binding it to a Node that does not allow the path', async () => {
    await create(taskWith('/etc'));
    const bind = service.patch(tasks, 'default', 't', undefined, Buffer.from(JSON.stringify({ spec: { nodeName: 'n1' } })), 'application/merge-patch+json', q(), writeOptions(q(), undefined, 'PatchOptions'), 'test');
    expect((await rejection(bind))?.httpCode).to.equal(422);
  });

  it('does not check a Task bound to a Node that does not exist yet', async () => {
    expect((await create(taskWith('/etc', 'later'))).code).to.equal(201);
  });
});
