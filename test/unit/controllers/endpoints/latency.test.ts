import { expect } from 'chai';
import type { EndpointSlice, Task } from '../../../../src/api/types.js';
import { readinessLatencies } from '../../../../src/controllers/endpoints/latency.js';

// Endpoint update latency: from the Task's readiness change to the slice write that shows it.

const slice = (ready: boolean): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 's' },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['127.0.0.2'], conditions: { ready }, targetRef: { kind: 'Task', uid: 'u1' } }],
});
const task = (readySince: string, deletionTimestamp?: string): Task => ({
  apiVersion: 'okube.dev/v1alpha1',
  kind: 'Task',
  metadata: { name: 't', uid: 'u1', ...(deletionTimestamp ? { deletionTimestamp } : {}) },
  spec: { image: 'i' },
  status: { conditions: [{ type: 'Ready', status: 'True', reason: '', message: '', lastTransitionTime: readySince }] },
});
const now = new Date('2026-01-01T00:00:01.250Z');

describe('endpoint readiness latency', () => {
  it('a flip measures from the Ready transition to the write', () => {
    expect(readinessLatencies([slice(false)], [slice(true)], () => task('2026-01-01T00:00:01.000Z'), now)).to.deep.equal([0.25]);
  });

  it('a terminating endpoint measures from the deletionTimestamp', () => {
    expect(readinessLatencies([slice(true)], [slice(false)], () => task('2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), now)).to.deep.equal([1.25]);
  });

  it('an unchanged endpoint, or a new one that is not ready, is not measured', () => {
    expect(readinessLatencies([slice(true)], [slice(true)], () => task('2026-01-01T00:00:01.000Z'), now)).to.deep.equal([]);
    expect(readinessLatencies([], [slice(false)], () => task('2026-01-01T00:00:01.000Z'), now)).to.deep.equal([]);
  });

  it('a new ready endpoint is measured', () => {
    expect(readinessLatencies([], [slice(true)], () => task('2026-01-01T00:00:01.000Z'), now)).to.deep.equal([0.25]);
  });
});
