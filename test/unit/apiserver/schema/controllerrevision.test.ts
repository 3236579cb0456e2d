import { expect } from 'chai';
import { controllerRevisionController, controllerRevisionDef } from '../../../../src/apiserver/schema/controllerrevision.js';
import { compileSchema, toTable } from '../../../../src/apiserver/schema/index.js';
import { definitionName } from '../../../../src/apiserver/schema/openapi-names.js';
import { causesOf } from './helpers.js';

// apps/v1 ControllerRevision as a built-in: a revision as the TaskSet controller writes it keeps
// its whole data (a RawExtension), data is required and cannot change, revision defaults to 0, and the table has
// kubectl's columns.

function revision(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: 'web-abc',
      namespace: 'default',
      ownerReferences: [{ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }],
    },
    data: { spec: { template: { metadata: { labels: { app: 'web' } }, spec: { image: 'busybox', command: ['sleep', '1'], anything: { nested: [1, 2] } } } } },
    revision: 3,
    ...extra,
  };
}

describe('ControllerRevision built-in', () => {
  it('keeps every field of data (a RawExtension) and validates clean', () => {
    const obj = revision();
    expect(compileSchema(controllerRevisionDef).prune(obj)).to.deep.equal([]);
    expect(obj).to.deep.equal(revision());
    expect(causesOf(obj, controllerRevisionDef)).to.deep.equal([]);
  });

  it('defaults a missing revision to 0, as the Go int64 decodes it', () => {
    const none = revision();
    delete none.revision;
    expect(causesOf(none, controllerRevisionDef)).to.deep.equal([]);
    expect(none.revision).to.equal(0);
  });

  it('rejects a negative revision', () => {
    expect(causesOf(revision({ revision: -1 }), controllerRevisionDef).map((c) => c.field)).to.deep.equal(['revision']);
  });

  it('requires data: left out, or removed by an update (null), it is refused', () => {
    const none = revision();
    delete none.data;
    expect(causesOf(none, controllerRevisionDef).map((c) => c.field)).to.deep.equal(['data']);
    const schema = compileSchema(controllerRevisionDef);
    const removed = revision({ data: null });
    schema.prune(removed);
    schema.applyDefaults(removed);
    expect(schema.validate(removed, revision()).map((c) => c.field)).to.include('data');
  });

  it('data is immutable; the revision number may change', () => {
    const schema = compileSchema(controllerRevisionDef);
    const changed = schema.validate(revision({ data: { spec: { template: {} } } }), revision());
    expect(changed.map((c) => c.field)).to.deep.equal(['data']);
    expect(schema.validate(revision({ revision: 7 }), revision())).to.deep.equal([]);
  });

  it('CONTROLLER is the controller reference as kind.group/name, <none> without one', () => {
    expect(controllerRevisionController(revision())).to.equal('taskset.okube.dev/web');
    expect(controllerRevisionController({ metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', controller: true }] } })).to.equal('statefulset.apps/db');
    expect(controllerRevisionController({ metadata: {} })).to.equal('<none>');
  });

  it("the table has kubectl's columns: Name, Controller, Revision, Age", () => {
    const table = toTable(controllerRevisionDef, [revision()], { now: new Date() }) as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
    expect(table.columnDefinitions.map((c) => c.name)).to.deep.equal(['Name', 'Controller', 'Revision', 'Age']);
    expect(table.rows[0].cells.slice(0, 3)).to.deep.equal(['web-abc', 'taskset.okube.dev/web', 3]);
  });

  it('its OpenAPI definition is named as Kubernetes names it', () => {
    expect(definitionName(controllerRevisionDef)).to.equal('io.k8s.api.apps.v1.ControllerRevision');
  });
});
