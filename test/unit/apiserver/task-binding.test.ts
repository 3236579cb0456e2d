import { expect } from 'chai';
import { writeOptions } from '../../../src/apiserver/request-options.js';
import { serviceWithDefaultNamespace } from './service-fixture.js';

// A replace (PUT) of a bound Task from its manifest keeps the scheduler's spec.nodeName.

async function tasks() {
  const { service, registry, q } = await serviceWithDefaultNamespace();
  const r = registry.find('okube.dev', 'Task')!;
  const create = (body: object) => service.create(r, 'default', body as Record<string, unknown>, writeOptions(q, undefined, 'CreateOptions'), 'test');
  const replace = (name: string, body: object) => service.update(r, 'default', name, undefined, body as Record<string, unknown>, writeOptions(q, undefined, 'UpdateOptions'), 'test');
  const get = async (name: string) => (await service.get(r, 'default', name)) as unknown as { spec: { nodeName?: string; image: string } };
  return { create, replace, get };
}

const task = (spec: object = {}) => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't' }, spec: { image: 'busybox', ...spec } });

describe('Task binding on replace', () => {
  it('a replace without spec.nodeName keeps the Node the Task is bound to and takes the rest', async () => {
    const t = await tasks();
    await t.create(task({ nodeName: 'n1' }));
    await t.replace('t', task({ image: 'busybox:2' }));
    expect((await t.get('t')).spec).to.include({ nodeName: 'n1', image: 'busybox:2' });
  });

  it('a replace that names another Node is still refused', async () => {
    const t = await tasks();
    await t.create(task({ nodeName: 'n1' }));
    const err = await t.replace('t', task({ nodeName: 'n2' })).then(() => undefined, (e: unknown) => e as { reason?: string; message?: string });
    expect(err?.reason).to.equal('Invalid');
    expect((await t.get('t')).spec.nodeName).to.equal('n1');
  });

  it('a replace of an unbound Task stays unbound', async () => {
    const t = await tasks();
    await t.create(task());
    await t.replace('t', task({ image: 'busybox:2' }));
    expect((await t.get('t')).spec.nodeName).to.equal(undefined);
  });
});
