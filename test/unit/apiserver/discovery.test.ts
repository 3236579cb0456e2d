import { expect } from 'chai';
import { aggregatedDiscovery, apiGroupList, apiResourceList } from '../../../src/apiserver/discovery.js';
import { basicMetaCauses } from '../../../src/apiserver/admission.js';
import { Registry } from '../../../src/apiserver/registry.js';
import type { Obj } from '../../../src/apiserver/objects.js';
import { fromAggregated, fromList } from '../../../src/cli/kube/discovery.js';

const def = {
  group: 'okube.dev',
  version: 'v1alpha1',
  kind: 'Task',
  listKind: 'TaskList',
  plural: 'tasks',
  singular: 'task',
  shortNames: ['tk'],
  categories: ['okube'],
  namespaced: true,
  hasStatus: true,
  printerColumns: [],
  schema: { type: 'object' },
};

describe('discovery documents', () => {
  const reg = new Registry([def, { ...def, group: '', version: 'v1', kind: 'Namespace', listKind: 'NamespaceList', plural: 'namespaces', singular: 'namespace', shortNames: ['ns'], categories: [], namespaced: false }]);

  it('lists groups and resources with verbs, short names, categories and status', () => {
    expect(apiGroupList(reg)).to.deep.nested.include({ 'groups[0].name': 'okube.dev', 'groups[0].preferredVersion.groupVersion': 'okube.dev/v1alpha1' });
    const l = apiResourceList(reg, 'okube.dev', 'v1alpha1') as { resources: Array<Record<string, unknown>> };
    expect(l.resources.map((r) => r.name)).to.deep.equal(['tasks', 'tasks/status']);
    expect(l.resources[0]).to.deep.include({ singularName: 'task', namespaced: true, kind: 'Task', shortNames: ['tk'], categories: ['okube'] });
    expect(l.resources[0].verbs).to.include.members(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']);
    expect(apiResourceList(reg, 'nope', 'v1')).to.equal(undefined);
  });

  it('serves aggregated discovery for /api and /apis', () => {
    const core = aggregatedDiscovery(reg, true, 'v2') as { items: Array<{ metadata: { name: string }; versions: Array<{ resources: Array<Record<string, unknown>> }> }> };
    expect(core.items.map((i) => i.metadata.name)).to.deep.equal(['']);
    expect(core.items[0].versions[0].resources[0]).to.include({ resource: 'namespaces', scope: 'Cluster' });
    const apis = aggregatedDiscovery(reg, false, 'v2') as typeof core;
    expect(apis.items[0].versions[0].resources[0]).to.deep.include({ resource: 'tasks', scope: 'Namespaced', subresources: [{ subresource: 'status', responseKind: { group: 'okube.dev', version: 'v1alpha1', kind: 'Task' }, verbs: ['get', 'patch', 'update'] }] });
  });
});

describe('the tasks/log and tasks/exec subresources in discovery', () => {
  const reg = new Registry([{ ...def, taskStreams: true }]);

  it('are listed as tasks/log (get) and tasks/exec (create, get, as pods/exec) in both documents, and read back by the CLI as subresources of tasks', () => {
    const l = apiResourceList(reg, 'okube.dev', 'v1alpha1') as Parameters<typeof fromList>[0] & { resources: Array<{ name: string; verbs: string[] }> };
    expect(l.resources.map((r) => r.name)).to.deep.equal(['tasks', 'tasks/status', 'tasks/log', 'tasks/exec']);
    expect(l.resources[3].verbs).to.deep.equal(['create', 'get']);
    expect(fromList(l)[0].subresources).to.deep.equal(['status', 'log', 'exec']);
    const agg = aggregatedDiscovery(reg, false, 'v2');
    expect(fromAggregated(agg)?.[0].subresources).to.deep.equal(['status', 'log', 'exec']);
  });
});

describe('object metadata rules', () => {
  const obj = (metadata: Record<string, unknown>): Obj => ({ apiVersion: 'v', kind: 'K', metadata });
  it('accepts good metadata', () => {
    expect(basicMetaCauses(obj({ name: 'web-1.a', labels: { 'okube.dev/x': 'y', a: '' }, annotations: { note: 'any text at all!' }, finalizers: ['a/b'] }), false)).to.deep.equal([]);
    expect(basicMetaCauses(obj({ generateName: 'x-' }), false)).to.deep.equal([]);
  });
  it('names each bad field', () => {
    const fields = (m: Record<string, unknown>, ns = false) => basicMetaCauses(obj(m), ns).map((c) => c.field);
    expect(fields({})).to.deep.equal(['metadata.name']);
    expect(fields({ name: 'Upper' })).to.deep.equal(['metadata.name']);
    expect(fields({ name: 'a.b' }, true)).to.deep.equal(['metadata.name'], 'namespace names are DNS labels');
    expect(fields({ name: 'x', labels: { a: 1 } })).to.deep.equal(['metadata.labels.a']);
    expect(fields({ name: 'x', labels: { 'bad key': 'v' } })).to.deep.equal(['metadata.labels']);
    expect(fields({ name: 'x', labels: { a: 'bad value' } })).to.deep.equal(['metadata.labels']);
    expect(fields({ name: 'x', annotations: [] })).to.deep.equal(['metadata.annotations']);
    expect(fields({ name: 'x', finalizers: [1] })).to.deep.equal(['metadata.finalizers']);
  });
});
