import { expect } from 'chai';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conflictError, recordApply, recordUpdate, LAST_APPLIED, type ManagedFieldsEntry } from '../../../src/apiserver/fieldmanager/index.js';
import { FieldSet, formatPath, fromFieldsV1, toFieldsV1 } from '../../../src/apiserver/fieldmanager/fieldset.js';
import { fieldsOf, merge } from '../../../src/apiserver/fieldmanager/typed.js';
import { rootSchema } from '../../../src/apiserver/fieldmanager/scope.js';
import { clone, type Obj } from '../../../src/apiserver/objects.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { loadCrds } from '../../../src/apiserver/schema/index.js';
import { ApiError } from '../../../src/apiserver/status.js';

const CRDS = fileURLToPath(new URL('../../../crds', import.meta.url));
const registry = new Registry(loadCrds(join(CRDS)));
const TASK = registry.find('okube.dev', 'Task')!;
const schema = rootSchema(TASK.def.schema);

let clock = 0;
const now = () => `2026-01-01T00:00:${String(clock++ % 60).padStart(2, '0')}Z`;
const noop = () => {};

function task(spec: Record<string, unknown>, meta: Record<string, unknown> = {}): Obj {
  return { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', namespace: 'default', ...meta }, spec };
}
const apply = (live: Obj | undefined, config: Obj, manager: string, force = false) => recordApply(TASK, live, config, { manager, force, now: now(), normalize: noop });
function update(live: Obj, next: Obj, manager: string, subresource?: string): Obj {
  const out = clone(next);
  recordUpdate(TASK, live, out, { manager, subresource, now: now() });
  return out;
}
const entries = (o: Obj) => (o.metadata.managedFields ?? []) as unknown as ManagedFieldsEntry[];
const entry = (o: Obj, manager: string, operation = 'Apply', subresource?: string) => entries(o).find((e) => e.manager === manager && e.operation === operation && e.subresource === subresource);
/** A manager's owned paths, printed as Kubernetes prints them. */
const owned = (o: Obj, manager: string, operation = 'Apply', subresource?: string) => {
  const e = entry(o, manager, operation, subresource);
  return e ? fromFieldsV1(e.fieldsV1).toArray().map(formatPath).sort() : [];
};

describe('field manager: FieldsV1', () => {
  it('marks a member that has children with "." and orders fields before keys before values', () => {
    const set = new FieldSet([['f:spec', 'f:env', 'k:{"name":"A"}'], ['f:spec', 'f:env', 'k:{"name":"A"}', 'f:name'], ['f:metadata', 'f:finalizers', 'v:"x"'], ['f:spec', 'f:image']]);
    const v1 = toFieldsV1(set);
    expect(v1).to.deep.equal({ 'f:metadata': { 'f:finalizers': { 'v:"x"': {} } }, 'f:spec': { 'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {} } }, 'f:image': {} } });
    expect(Object.keys(v1)).to.deep.equal(['f:metadata', 'f:spec']);
    expect(fromFieldsV1(v1).equals(set)).to.equal(true);
  });

  it('prints paths like kube-apiserver conflict messages', () => {
    expect(formatPath(['f:spec', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}', 'f:hostPort'])).to.equal('.spec.ports[containerPort=80,protocol="TCP"].hostPort');
    expect(formatPath(['f:metadata', 'f:finalizers', 'v:"okube.dev/x"'])).to.equal('.metadata.finalizers[="okube.dev/x"]');
  });
});

describe('field manager: typed values', () => {
  it('owns env items by name, finalizers by value, labels per key, command and ports atomically', () => {
    const o = task({ image: 'i', command: ['a', 'b'], env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }] }, { labels: { app: 'x' }, finalizers: ['f1'] });
    const paths = fieldsOf({ metadata: { labels: o.metadata.labels, finalizers: o.metadata.finalizers }, spec: o.spec }, schema).toArray().map(formatPath).sort();
    expect(paths).to.deep.equal([
      '.metadata.finalizers[="f1"]',
      '.metadata.labels.app',
      '.spec.command',
      '.spec.env[name="A"]',
      '.spec.env[name="A"].name',
      '.spec.env[name="A"].value',
      '.spec.image',
      '.spec.ports',
    ]);
  });

  it('merges associative lists item by item and replaces atomic lists', () => {
    const live = { spec: { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], command: ['x', 'y'] } };
    const cfg = { spec: { env: [{ name: 'C', value: '3' }, { name: 'A', value: '9' }], command: ['z'] } };
    expect(merge(live, cfg, schema)).to.deep.equal({ spec: { env: [{ name: 'C', value: '3' }, { name: 'A', value: '9' }, { name: 'B', value: '2' }], command: ['z'] } });
  });
});

describe('field manager: updates', () => {
  it('gives the creator every field it set and nothing of the server metadata', () => {
    const created = update(undefined as unknown as Obj, task({ image: 'i' }, { labels: { a: '1' } }), 'kubectl-create');
    expect(owned(created, 'kubectl-create', 'Update')).to.deep.equal(['.metadata.labels', '.metadata.labels.a', '.spec', '.spec.image'], 'maps it created are its own too (FieldsV1 ".")');
  });

  it('moves only the changed fields to the updater', () => {
    const a = apply(undefined, task({ image: 'i', restartPolicy: 'Never' }), 'kubectl');
    const b = update(a, { ...a, spec: { image: 'i', restartPolicy: 'Never', nodeName: 'n1' } }, 'okube-scheduler');
    expect(owned(b, 'okube-scheduler', 'Update')).to.deep.equal(['.spec.nodeName']);
    expect(owned(b, 'kubectl')).to.deep.equal(['.spec.image', '.spec.restartPolicy']);
    const c = update(b, { ...b, spec: { image: 'j', restartPolicy: 'Never', nodeName: 'n1' } }, 'editor');
    expect(owned(c, 'editor', 'Update')).to.deep.equal(['.spec.image']);
    expect(owned(c, 'kubectl')).to.deep.equal(['.spec.restartPolicy']);
  });

  it('takes a removed field from every manager', () => {
    const a = apply(undefined, task({ image: 'i', restartPolicy: 'Never' }), 'kubectl');
    const b = update(a, { ...a, spec: { image: 'i' } }, 'editor');
    expect(owned(b, 'kubectl')).to.deep.equal(['.spec.image']);
    expect(entry(b, 'editor', 'Update')).to.equal(undefined, 'a pure removal owns nothing');
  });

  it('a status write never touches ownership of the main resource', () => {
    const a = apply(undefined, task({ image: 'i' }), 'kubectl');
    const s = update(a, { ...a, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', reason: 'R', message: '', lastTransitionTime: 't' }] } }, 'okube-task-controller', 'status');
    expect(owned(s, 'kubectl')).to.deep.equal(['.spec.image']);
    expect(owned(s, 'okube-task-controller', 'Update', 'status')).to.include.members(['.status.phase', '.status.conditions[type="Ready"]', '.status.conditions[type="Ready"].status']);
    const s2 = update(s, { ...s, status: { phase: 'Failed' } }, 'okube-task-controller', 'status');
    expect(owned(s2, 'kubectl')).to.deep.equal(['.spec.image']);
    expect(owned(s2, 'okube-task-controller', 'Update', 'status')).to.deep.equal(['.status', '.status.phase']);
  });

  it('leaves managedFields and time alone when nothing changed', () => {
    const a = apply(undefined, task({ image: 'i' }), 'kubectl');
    const b = update(a, clone(a), 'someone');
    expect(b.metadata.managedFields).to.deep.equal(a.metadata.managedFields);
  });

  it('starts from the list a client sends (kubectl migrating client-side apply)', () => {
    const a = update(undefined as unknown as Obj, task({ image: 'i' }), 'kubectl-client-side-apply');
    const migrated = clone(a);
    migrated.metadata.managedFields = [{ ...entries(a)[0], manager: 'kubectl', operation: 'Apply' }] as unknown as Obj['metadata']['managedFields'];
    const b = update(a, migrated, 'kubectl');
    expect(entries(b).map((e) => `${e.manager}/${e.operation}`)).to.deep.equal(['kubectl/Apply']);
  });
});

describe('field manager: apply', () => {
  it('removes fields the applier dropped that nobody else owns, and keeps the ones others own', () => {
    const a = apply(undefined, task({ image: 'i', restartPolicy: 'Never', nodeName: 'n' }, { labels: { a: '1', b: '2' } }), 'kubectl');
    const b = update(a, { ...a, metadata: { ...a.metadata, labels: { a: '1', b: '3' } } }, 'labeler');
    const c = apply(b, task({ image: 'i' }), 'kubectl');
    expect(c.spec).to.deep.equal({ image: 'i' });
    expect(c.metadata.labels).to.deep.equal({ b: '3' }, 'label b is the labeler\'s now; a was only kubectl\'s');
    expect(owned(c, 'kubectl')).to.deep.equal(['.spec.image']);
  });

  it('removes a dropped map that only the server\'s defaults are left in (a probe), as kube\'s apply does', () => {
    const probe = { exec: { command: ['true'] }, periodSeconds: 2 };
    const a = apply(undefined, task({ image: 'i', readinessProbe: probe }), 'kubectl');
    // The server defaults fields nobody applied (they have no owner).
    const defaulted: Obj = { ...a, spec: { ...(a.spec as object), readinessProbe: { ...probe, timeoutSeconds: 1, failureThreshold: 3 } } };
    const b = apply(defaulted, task({ image: 'i' }), 'kubectl');
    expect(b.spec).to.deep.equal({ image: 'i' });
  });

  it('keeps a dropped map that still holds a field another manager owns', () => {
    const a = apply(undefined, task({ image: 'i', backoff: { factor: 3, initialDelaySeconds: 2 } }), 'one');
    const b = apply(a, task({ image: 'i', backoff: { factor: 3 } }), 'two');
    const c = apply({ ...b, spec: { ...(b.spec as object), backoff: { factor: 3, initialDelaySeconds: 2, maxDelaySeconds: 300 } } }, task({ image: 'i' }), 'one');
    expect(c.spec).to.deep.equal({ image: 'i', backoff: { factor: 3, maxDelaySeconds: 300 } });
  });

  it('keeps a field another applier co-owns', () => {
    const a = apply(undefined, task({ image: 'i', restartPolicy: 'Never' }), 'one');
    const b = apply(a, task({ image: 'i', restartPolicy: 'Never' }), 'two');
    const c = apply(b, task({ image: 'i' }), 'one');
    expect(c.spec).to.deep.equal({ image: 'i', restartPolicy: 'Never' });
    expect(owned(c, 'two')).to.deep.equal(['.spec.image', '.spec.restartPolicy']);
  });

  it('removes only the dropped item of an associative list', () => {
    const a = apply(undefined, task({ image: 'i', env: [{ name: 'A', value: '1' }] }), 'one');
    const b = apply(a, task({ image: 'i', env: [{ name: 'B', value: '2' }] }), 'two');
    const c = apply(b, task({ image: 'i' }), 'one');
    expect(c.spec).to.deep.equal({ image: 'i', env: [{ name: 'B', value: '2' }] });
  });

  it('re-applying the same configuration changes nothing, managedFields and times included', () => {
    const a = apply(undefined, task({ image: 'i', env: [{ name: 'A', value: '1' }] }, { finalizers: ['x'] }), 'kubectl');
    const s = update(a, { ...a, status: { phase: 'Running' } }, 'okube-task-controller', 'status');
    const b = apply(s, task({ image: 'i', env: [{ name: 'A', value: '1' }] }, { finalizers: ['x'] }), 'kubectl');
    expect(b).to.deep.equal(s);
  });

  it('reports a change to another manager\'s field as a 409 Conflict with one cause per field', () => {
    const a = apply(undefined, task({ image: 'i' }), 'kubectl');
    const b = update(a, { ...a, spec: { image: 'j', nodeName: 'n' } }, 'editor');
    let err: unknown;
    try {
      apply(b, task({ image: 'k', nodeName: 'm' }), 'kubectl');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ApiError);
    const e = err as ApiError;
    expect(e.httpCode).to.equal(409);
    expect(e.reason).to.equal('Conflict');
    expect(e.message).to.equal('Apply failed with 2 conflicts: conflicts with "editor" using okube.dev/v1alpha1:\n- .spec.image\n- .spec.nodeName');
    expect(e.details?.causes).to.deep.equal([
      { reason: 'FieldManagerConflict', message: 'conflict with "editor" using okube.dev/v1alpha1', field: '.spec.image' },
      { reason: 'FieldManagerConflict', message: 'conflict with "editor" using okube.dev/v1alpha1', field: '.spec.nodeName' },
    ]);
  });

  it('shares a field applied with its current value instead of conflicting', () => {
    const a = update(undefined as unknown as Obj, task({ image: 'i' }), 'editor');
    const b = apply(a, task({ image: 'i' }), 'kubectl');
    expect(owned(b, 'kubectl')).to.deep.equal(['.spec.image']);
    expect(owned(b, 'editor', 'Update')).to.deep.equal(['.spec', '.spec.image']);
  });

  it('takes the conflicting fields with force', () => {
    const a = update(undefined as unknown as Obj, task({ image: 'i', restartPolicy: 'Never' }), 'editor');
    const b = apply(a, task({ image: 'k' }), 'kubectl', true);
    expect(b.spec).to.deep.equal({ image: 'k', restartPolicy: 'Never' });
    expect(owned(b, 'kubectl')).to.deep.equal(['.spec.image']);
    expect(owned(b, 'editor', 'Update')).to.deep.equal(['.spec', '.spec.restartPolicy']);
  });

  it('an apply to /status owns status fields only and leaves the main resource alone', () => {
    const a = apply(undefined, task({ image: 'i' }), 'kubectl');
    const s = recordApply(TASK, a, { ...task({ image: 'zzz' }), status: { phase: 'Running' } }, { manager: 'kubectl', subresource: 'status', force: false, now: now(), normalize: noop });
    expect(s.spec).to.deep.equal({ image: 'i' });
    expect(owned(s, 'kubectl', 'Apply', 'status')).to.deep.equal(['.status.phase']);
    expect(owned(s, 'kubectl')).to.deep.equal(['.spec.image']);
  });

  it('never prunes kubectl\'s last-applied annotation and keeps it equal to what kubectl applied', () => {
    const cfg = task({ image: 'i' }, { annotations: { [LAST_APPLIED]: '{}' } });
    const a = update(undefined as unknown as Obj, cfg, 'kubectl-client-side-apply');
    const migrated = clone(a);
    migrated.metadata.managedFields = [{ ...entries(a)[0], manager: 'kubectl', operation: 'Apply' }] as unknown as Obj['metadata']['managedFields'];
    const m = update(a, migrated, 'kubectl');
    const b = apply(m, task({ image: 'j' }), 'kubectl');
    expect(JSON.parse(String(b.metadata.annotations?.[LAST_APPLIED]))).to.deep.equal(task({ image: 'j' }));
  });

  describe('kubectl apply --server-side after client-side kubectl apply', () => {
    /** What client-side `kubectl apply` of `spec` stores: the object, its last-applied annotation, kubectl-client-side-apply's ownership. */
    const clientSideApplied = (spec: Record<string, unknown>, lastApplied: Record<string, unknown> = spec, apiVersion = 'okube.dev/v1alpha1') => {
      const annotation = JSON.stringify({ apiVersion, kind: 'Task', metadata: { annotations: {}, name: 't', namespace: 'default' }, spec: lastApplied });
      return update(undefined as unknown as Obj, task(spec, { annotations: { [LAST_APPLIED]: annotation } }), 'kubectl-client-side-apply');
    };
    const conflictOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as ApiError;
      }
      expect.fail('no conflict');
    };

    it('takes a changed field client-side apply owns without a conflict, as kube-apiserver does for kubectl', () => {
      const a = clientSideApplied({ image: 'i', command: ['sleep', '1'] });
      const b = apply(a, task({ image: 'i', command: ['sleep', '2'] }), 'kubectl');
      expect(b.spec).to.deep.equal({ image: 'i', command: ['sleep', '2'] });
      expect(owned(b, 'kubectl')).to.deep.equal(['.spec.command', '.spec.image']);
      expect(owned(b, 'kubectl-client-side-apply', 'Update')).to.not.include('.spec.command');
    });

    it('still conflicts for a field manager other than kubectl', () => {
      const a = clientSideApplied({ image: 'i', command: ['sleep', '1'] });
      expect(conflictOf(() => apply(a, task({ image: 'i', command: ['sleep', '2'] }), 'my-tool')).message).to.equal('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using okube.dev/v1alpha1: .spec.command');
    });

    it('still conflicts on a field whose live value is no longer the last-applied one', () => {
      const a = clientSideApplied({ image: 'i', command: ['sleep', '9'] }, { image: 'i', command: ['sleep', '1'] });
      expect(conflictOf(() => apply(a, task({ image: 'i', command: ['sleep', '2'] }), 'kubectl')).message).to.match(/conflict with "kubectl-client-side-apply".*: \.spec\.command$/);
    });

    it('still conflicts when the last-applied annotation is of another API version', () => {
      const a = clientSideApplied({ image: 'i', command: ['sleep', '1'] }, { image: 'i', command: ['sleep', '1'] }, 'okube.dev/v1');
      expect(conflictOf(() => apply(a, task({ image: 'i', command: ['sleep', '2'] }), 'kubectl')).message).to.match(/\.spec\.command$/);
    });

    it('reports only the conflicts with other managers, and changes nothing', () => {
      const a = clientSideApplied({ image: 'i', command: ['sleep', '1'] });
      const b = update(a, { ...a, spec: { ...(a.spec as object), restartPolicy: 'Never' } }, 'editor');
      const e = conflictOf(() => apply(b, task({ image: 'i', command: ['sleep', '2'], restartPolicy: 'Always' }), 'kubectl'));
      expect(e.message).to.equal('Apply failed with 1 conflict: conflict with "editor" using okube.dev/v1alpha1: .spec.restartPolicy');
      expect(e.details?.causes?.map((c) => c.field)).to.deep.equal(['.spec.restartPolicy']);
    });
  });

  it('treats ports as one atomic list (no defaulted key to merge by), so a second applier of other ports conflicts', () => {
    const a = apply(undefined, task({ image: 'i', ports: [{ containerPort: 80 }] }), 'one');
    expect(owned(a, 'one')).to.deep.equal(['.spec.image', '.spec.ports']);
    expect(() => apply(a, task({ image: 'i', ports: [{ containerPort: 81, protocol: 'UDP' }] }), 'two')).to.throw(/conflict with "one": \.spec\.ports/);
  });

  it('a migrated client-side set prunes only what nobody owns and leaves unowned fields in a kept map', () => {
    const created = update(undefined as unknown as Obj, task({ image: 'i', restartPolicy: 'Never', backoff: { factor: 3 } }), 'kubectl-client-side-apply');
    const migrated = clone(created);
    migrated.metadata.managedFields = [{ ...entries(created)[0], manager: 'kubectl', operation: 'Apply' }] as unknown as Obj['metadata']['managedFields'];
    const m = update(created, migrated, 'kubectl');
    const withDefault = update(m, { ...m, spec: { ...(m.spec as object), nodeName: 'n' } }, 'okube-scheduler');
    const b = apply(withDefault, task({ image: 'i' }), 'kubectl');
    expect(b.spec).to.deep.equal({ image: 'i', nodeName: 'n' });
    expect(owned(b, 'kubectl')).to.deep.equal(['.spec.image']);
  });

  it('a list holding one empty entry resets managedFields; an empty list keeps the stored ones', () => {
    const a = apply(undefined, task({ image: 'i' }), 'kubectl');
    const keep = update(a, { ...clone(a), metadata: { ...a.metadata, managedFields: [] }, spec: { image: 'j' } }, 'editor');
    expect(entries(keep).map((e) => e.manager)).to.deep.equal(['editor']);
    const kept = update(a, { ...clone(a), metadata: { ...a.metadata, managedFields: [] }, spec: { image: 'i', nodeName: 'n' } }, 'editor');
    expect(entries(kept).map((e) => e.manager)).to.deep.equal(['kubectl', 'editor']);
    const reset = update(a, { ...clone(a), metadata: { ...a.metadata, managedFields: [{}] as unknown as Obj['metadata']['managedFields'] }, spec: { image: 'i', nodeName: 'n' } }, 'editor');
    expect(entries(reset).map((e) => e.manager)).to.deep.equal(['editor']);
    expect(owned(reset, 'editor', 'Update')).to.deep.equal(['.spec.nodeName']);
  });

  it('conflict message for one field names the field after the manager', () => {
    const set = new FieldSet([['f:spec', 'f:image']]);
    const e = conflictError([{ manager: { manager: 'm', operation: 'Apply', subresource: '', set }, path: ['f:spec', 'f:image'] }]);
    expect(e.message).to.equal('Apply failed with 1 conflict: conflict with "m": .spec.image');
  });
});
