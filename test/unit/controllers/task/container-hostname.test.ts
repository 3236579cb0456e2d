import { expect } from 'chai';
import type { Task } from '../../../../src/api/types.js';
import { buildContainerSpec, taskHostname } from '../../../../src/controllers/task/container-spec.js';

const task = (name: string): Task => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name, namespace: 'default', uid: 'u1' }, spec: { image: 'busybox' } });

describe('container hostname', () => {
  it('is the Task name, as a Pod hostname is its name', () => {
    expect(buildContainerSpec(task('web-5d8f-x2x7q'), { nodeName: 'n1', address: '127.0.0.1', restartNumber: 0 }).hostname).to.equal('web-5d8f-x2x7q');
  });

  it('cuts a long name to 63 characters without a trailing dash or dot, as the kubelet does', () => {
    const name = `${'a'.repeat(61)}-.b${'c'.repeat(40)}`;
    expect(taskHostname(name)).to.equal('a'.repeat(61));
    expect(taskHostname('a.b')).to.equal('a.b');
  });
});
