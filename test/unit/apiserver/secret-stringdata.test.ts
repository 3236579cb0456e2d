import { expect } from 'chai';
import { writeOptions } from '../../../src/apiserver/request-options.js';
import { serviceWithDefaultNamespace } from './service-fixture.js';

// A Secret's stringData is write-only: merged into data (base64) on every write, never stored,
// as kube-apiserver's Secret strategy does (manifests commonly carry plain-text stringData).

async function secretService() {
  const { service, registry, q } = await serviceWithDefaultNamespace();
  return { service, secrets: registry.find('', 'Secret')!, q };
}

describe('Secret stringData', () => {
  it('is merged into data as base64, over a data key of the same name, and not stored', async () => {
    const { service, secrets, q } = await secretService();
    const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: Buffer.from('old').toString('base64'), b: 'Yg==' }, stringData: { a: 'new' } };
    await service.create(secrets, 'default', body, writeOptions(q, undefined, 'CreateOptions'), 'test');
    const stored = (await service.get(secrets, 'default', 's')) as Record<string, unknown>;
    expect(stored.data).to.deep.equal({ a: Buffer.from('new').toString('base64'), b: 'Yg==' });
    expect(stored).to.not.have.property('stringData');
  });

  it('with a value that is not a string (YAML port: 5432) is refused at that key, not dropped', async () => {
    const { service, secrets, q } = await secretService();
    const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 12345, user: 'bob' } };
    const err = await service.create(secrets, 'default', body, writeOptions(q, undefined, 'CreateOptions'), 'test').then(
      () => undefined,
      (e: unknown) => e as { reason?: string; message?: string },
    );
    expect(err?.reason).to.equal('Invalid');
    expect(err?.message).to.include('stringData.password');
  });
});

describe('Secret type', () => {
  it('is Opaque when empty or missing, as kube-apiserver defaults it', async () => {
    const { service, secrets, q } = await secretService();
    for (const [name, type] of [['none', undefined], ['empty', '']] as const) {
      await service.create(secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name }, ...(type === undefined ? {} : { type }) }, writeOptions(q, undefined, 'CreateOptions'), 'test');
      expect(((await service.get(secrets, 'default', name)) as { type?: string }).type).to.equal('Opaque');
    }
  });
});
