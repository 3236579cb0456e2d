import { expect } from 'chai';
import { servedCrd } from '../../../../src/apiserver/schema/crd-def.js';
import { loadCrdDocuments } from '../../../../src/apiserver/schema/resource-def.js';

// The CRD objects okube's API server serves for the CRDs it was started with.

describe('served CustomResourceDefinitions', () => {
  const docs = loadCrdDocuments('crds');

  it('are the CRD files as written, named by the file, with the names accepted, Established and the storage version stored', () => {
    const task = docs.find((d) => d.doc.spec.names.kind === 'Task')!.doc;
    const served = servedCrd(task, '2026-12-04T10:00:00Z') as { metadata: { name: string }; spec: unknown; status: { acceptedNames: Record<string, unknown>; conditions: Array<Record<string, string>>; storedVersions: string[] } };
    expect(served.metadata).to.deep.equal({ name: 'tasks.okube.dev' });
    expect(served.spec).to.equal(task.spec);
    expect(served.status.acceptedNames).to.include({ kind: 'Task', listKind: 'TaskList', plural: 'tasks', singular: 'task' });
    expect(served.status.conditions.map((c) => `${c.type}=${c.status}`)).to.deep.equal(['NamesAccepted=True', 'Established=True']);
    expect(served.status.conditions.every((c) => c.lastTransitionTime === '2026-12-04T10:00:00Z')).to.equal(true);
    expect(served.status.storedVersions).to.deep.equal(['v1alpha1']);
  });
});
