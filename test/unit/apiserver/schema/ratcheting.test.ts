import { expect } from 'chai';
import { compileSchema } from '../../../../src/apiserver/schema/index.js';
import { task, taskDef } from './helpers.js';

// CRD validation ratcheting (schema/validate.ts), as kube-apiserver has it since 1.30: an update
// is not refused for a value it did not change, so an object stored before a rule was tightened
// (a capability okube now refuses) can still have its finalizers and status written, and deleted.

const validate = (obj: Record<string, unknown>, old?: Record<string, unknown>) => compileSchema(taskDef).validate(obj, old).map((c) => c.field);
const withCaps = (add: string[], extra: Record<string, unknown> = {}) => task({ image: 'i', securityContext: { capabilities: { add } }, ...extra });

describe('CRD validation ratcheting', () => {
  it('refuses a value a rule forbids on create', () => {
    expect(validate(withCaps(['NET_ADMIN']))).to.deep.equal(['spec.securityContext.capabilities.add']);
  });

  it('does not refuse it again on an update that leaves it as it was', () => {
    expect(validate(withCaps(['NET_ADMIN'], { nodeName: 'n1' }), withCaps(['NET_ADMIN']))).to.deep.equal([]);
  });

  it('refuses it once the update changes it', () => {
    expect(validate(withCaps(['NET_ADMIN', 'SYS_MODULE']), withCaps(['NET_ADMIN']))).to.deep.equal(['spec.securityContext.capabilities.add']);
  });

  it('ratchets schema keywords too: an unchanged value that breaks a pattern passes, a new one does not', () => {
    expect(validate(withCaps(['NET-ADMIN'], { nodeName: 'n1' }), withCaps(['NET-ADMIN']))).to.deep.equal([]);
    expect(validate(withCaps(['NET-ADMIN']))).to.include('spec.securityContext.capabilities.add[0]');
  });
});
