import { expect } from 'chai';
import { celCauses } from '../../../../src/apiserver/schema/structural.js';
import type { JsonSchema } from '../../../../src/apiserver/schema/index.js';
import { compileSchema } from '../../../../src/apiserver/schema/index.js';
import { task, taskDef } from './helpers.js';

// CEL transition rules (rules naming oldSelf), evaluated like the Kubernetes API server: only on
// an update, only where the old object has a value at the same place.

const immutable: JsonSchema = {
  type: 'object',
  properties: {
    a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'a is immutable' }] },
    items: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: { type: 'object', properties: { name: { type: 'string' }, v: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'self.v == oldSelf.v', message: 'v is immutable' }] },
    },
    atomic: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } },
    plain: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != 'oldSelf'", message: 'no' }] },
  },
} as JsonSchema;

describe('CEL transition rules (oldSelf)', () => {
  it('are not evaluated on a create', () => {
    expect(celCauses({ a: 'x' }, immutable)).to.deep.equal([]);
  });

  it('pass on an update that keeps the value', () => {
    expect(celCauses({ a: 'x' }, immutable, '', () => false, { a: 'x' })).to.deep.equal([]);
  });

  it('fail on an update that changes the value', () => {
    expect(celCauses({ a: 'y' }, immutable, '', () => false, { a: 'x' })).to.deep.equal([{ reason: 'FieldValueInvalid', field: 'a', message: 'Invalid value: "y": a is immutable' }]);
  });

  it('are not evaluated where the old object had no value', () => {
    expect(celCauses({ a: 'y' }, immutable, '', () => false, { other: 1 })).to.deep.equal([]);
  });

  it('correlate map-list items by their keys', () => {
    const old = { items: [{ name: 'p', v: '1' }, { name: 'q', v: '2' }] };
    expect(celCauses({ items: [{ name: 'q', v: '2' }, { name: 'p', v: '1' }, { name: 'new', v: '9' }] }, immutable, '', () => false, old)).to.deep.equal([]);
    expect(celCauses({ items: [{ name: 'q', v: '3' }] }, immutable, '', () => false, old).map((c) => c.field)).to.deep.equal(['items[0]']);
  });

  it('do not correlate items of atomic lists', () => {
    expect(celCauses({ atomic: ['b'] }, immutable, '', () => false, { atomic: ['a'] })).to.deep.equal([]);
  });

  it('a rule that only spells "oldSelf" in a string is an ordinary rule', () => {
    expect(celCauses({ plain: 'oldSelf' }, immutable).map((c) => c.field)).to.deep.equal(['plain']);
  });
});

describe('Task spec.nodeName is immutable once set (crds/tasks.okube.dev.yaml)', () => {
  const validate = (next: Record<string, unknown>, old?: Record<string, unknown>) => compileSchema(taskDef).validate(next, old);
  const running = { phase: 'Running', nodeName: 'node-a', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } };
  const rescheduling = { phase: 'Pending', state: { waiting: { reason: 'Rescheduling', message: 'node lost' } } };
  const IMMUTABLE = {
    reason: 'FieldValueInvalid',
    field: 'spec.nodeName',
    message: 'Invalid value: "object": field is immutable once the Task is bound to a Node (okube moves a Task only by evicting it, e.g. okube drain or a lost Node)',
  };

  const cases: Array<{ name: string; old?: Record<string, unknown>; next: Record<string, unknown>; ok: boolean }> = [
    { name: 'a create with a nodeName', next: task({ image: 'x', nodeName: 'node-a' }), ok: true },
    { name: 'binding an unbound Task (the scheduler)', old: task({ image: 'x' }), next: task({ image: 'x', nodeName: 'node-a' }), ok: true },
    { name: 'binding a Task whose nodeName is empty', old: task({ image: 'x', nodeName: '' }), next: task({ image: 'x', nodeName: 'node-a' }), ok: true },
    { name: 'an update keeping the nodeName', old: task({ image: 'x', nodeName: 'node-a' }, running), next: task({ image: 'y', nodeName: 'node-a' }, running), ok: true },
    { name: 'a status update of a bound Task', old: task({ image: 'x', nodeName: 'node-a' }), next: task({ image: 'x', nodeName: 'node-a' }, running), ok: true },
    { name: 'dropping the nodeName of a running Task (kubectl replace)', old: task({ image: 'x', nodeName: 'node-a' }, running), next: task({ image: 'x' }, running), ok: false },
    { name: 'dropping the nodeName of a bound Task without status', old: task({ image: 'x', nodeName: 'node-a' }), next: task({ image: 'x' }), ok: false },
    { name: 'changing the nodeName of a running Task', old: task({ image: 'x', nodeName: 'node-a' }, running), next: task({ image: 'x', nodeName: 'node-b' }, running), ok: false },
    { name: 'setting the nodeName to empty', old: task({ image: 'x', nodeName: 'node-a' }, running), next: task({ image: 'x', nodeName: '' }, running), ok: false },
    { name: 'unbinding a Task whose stored status says Rescheduling (okube eviction)', old: task({ image: 'x', nodeName: 'node-a' }, rescheduling), next: task({ image: 'x' }, rescheduling), ok: true },
    { name: 'moving a Rescheduling Task straight to another Node', old: task({ image: 'x', nodeName: 'node-a' }, rescheduling), next: task({ image: 'x', nodeName: 'node-b' }, rescheduling), ok: false },
    { name: 'unbinding a Task waiting for another reason', old: task({ image: 'x', nodeName: 'node-a' }, { state: { waiting: { reason: 'CrashLoopBackOff' } } }), next: task({ image: 'x' }, { state: { waiting: { reason: 'CrashLoopBackOff' } } }), ok: false },
  ];
  for (const c of cases) {
    it(`${c.ok ? 'allows' : 'refuses'} ${c.name}`, () => {
      expect(validate(c.next, c.old)).to.deep.equal(c.ok ? [] : [IMMUTABLE]);
    });
  }
});
