import { expect } from 'chai';
import { SELECTED_NODE_ANNOTATION } from '../../../src/api/types.js';
import { writeOptions } from '../../../src/apiserver/request-options.js';
import { serviceWithDefaultNamespace } from './service-fixture.js';

// okube's API server keeps a PersistentVolumeClaim's status true (there is no PV controller):
// Pending until a Node holds the volume, then Bound with what the claim asked for.

async function claims() {
  const { service, registry, q } = await serviceWithDefaultNamespace();
  const pvcs = registry.find('', 'PersistentVolumeClaim')!;
  const create = (body: object) => service.create(pvcs, 'default', body as Record<string, unknown>, writeOptions(q, undefined, 'CreateOptions'), 'test');
  const get = async (name: string) => (await service.get(pvcs, 'default', name)) as { status?: Record<string, unknown> };
  const patch = (name: string, body: object) =>
    service.patch(pvcs, 'default', name, undefined, Buffer.from(JSON.stringify(body)), 'application/merge-patch+json', q, writeOptions(q, undefined, 'PatchOptions'), 'test');
  return { create, get, patch };
}

const claim = (name: string, extra: object = {}) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  ...extra,
});

describe('PersistentVolumeClaim status', () => {
  it('is Pending on create, whatever status the creator sent', async () => {
    const c = await claims();
    await c.create({ ...claim('a'), status: { phase: 'Bound' } });
    expect((await c.get('a')).status).to.deep.equal({ phase: 'Pending' });
  });

  it('is Bound with the requested size and access modes once the selected-node annotation is written', async () => {
    const c = await claims();
    await c.create(claim('b'));
    await c.patch('b', { metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: 'node-1' } } });
    expect((await c.get('b')).status).to.deep.equal({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } });
  });

  it('is Bound at once for a claim created on a Node already', async () => {
    const c = await claims();
    await c.create({ ...claim('c'), metadata: { name: 'c', annotations: { [SELECTED_NODE_ANNOTATION]: 'node-1' } }, spec: { resources: { requests: { storage: 5 } } } });
    expect((await c.get('c')).status).to.deep.equal({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '5' } });
  });
});
