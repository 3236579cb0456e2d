import { expect } from 'chai';
import { TASK_FINALIZER, type Task } from '../../../../src/api/types.js';
import { bindingPatch } from '../../../../src/controllers/scheduler/binding.js';

// The binding patch: spec.nodeName under the resourceVersion read, with the Task controller's finalizer.

const task = (finalizers?: string[]): Task => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', namespace: 'ns', resourceVersion: '42', ...(finalizers ? { finalizers } : {}) }, spec: { image: 'busybox' } }) as Task;

describe('bindingPatch', () => {
  it('sets spec.nodeName guarded by the resourceVersion read', () => {
    const p = bindingPatch(task(), 'node-a');
    expect(p.spec).to.deep.equal({ nodeName: 'node-a' });
    expect(p.metadata.resourceVersion).to.equal('42');
  });

  it('adds the Task controller\'s finalizer to a Task without one', () => {
    expect(bindingPatch(task(), 'node-a').metadata.finalizers).to.deep.equal([TASK_FINALIZER]);
  });

  it('keeps the finalizers already there (a merge patch replaces the list)', () => {
    expect(bindingPatch(task(['example.com/keep']), 'node-a').metadata.finalizers).to.deep.equal(['example.com/keep', TASK_FINALIZER]);
  });

  it('leaves the finalizers alone when the Task controller\'s is there', () => {
    expect(bindingPatch(task([TASK_FINALIZER]), 'node-a').metadata).to.not.have.property('finalizers');
  });
});
