import { expect } from 'chai';
import { answerLines, statusPatch } from '../../../src/proxy/status.js';
import type { ServiceStatus } from '../../../src/proxy/plan.js';
import { svc } from './fixtures.js';

const now = new Date('2026-12-01T12:00:00Z');
const routed: ServiceStatus = { namespace: 'ns', name: 'web', address: '127.0.0.1', ports: [{ name: 'http', port: 18000 }], routed: { status: 'True', reason: 'Routed', message: 'answers on 127.0.0.1:18000' } };
const endpointsReady = { type: 'EndpointsReady', status: 'True' as const, reason: 'Ready', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' };

describe('proxy status patch', () => {
  it('writes address, ports and Routed and keeps the other writers conditions', () => {
    const s = svc('web', [{ name: 'http', targetPort: 80 }], { status: { conditions: [endpointsReady] } });
    s.metadata.resourceVersion = '42';
    const patch = statusPatch(s, routed, now) as { metadata: object; status: { address: string; ports: unknown; conditions: Array<{ type: string }> } };
    expect(patch.metadata).to.deep.equal({ resourceVersion: '42' });
    expect(patch.status.address).to.equal('127.0.0.1');
    expect(patch.status.ports).to.deep.equal([{ name: 'http', port: 18000 }]);
    expect(patch.status.conditions.map((c) => c.type)).to.deep.equal(['EndpointsReady', 'Routed']);
  });

  it('sends nothing when the status already says it', () => {
    const cond = { type: 'Routed', status: 'True' as const, reason: 'Routed', message: 'answers on 127.0.0.1:18000', lastTransitionTime: '2026-01-01T00:00:00Z' };
    const s = svc('web', [{ name: 'http', targetPort: 80 }], { status: { address: '127.0.0.1', ports: [{ name: 'http', port: 18000 }], conditions: [cond] } });
    expect(statusPatch(s, routed, now)).to.equal(undefined);
  });

  it('says a new generation even when Routed is unchanged, so kubectl wait --for=condition=Routed sees it current', () => {
    const cond = { type: 'Routed', status: 'True' as const, reason: 'Routed', message: 'answers on 127.0.0.1:18000', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 2 };
    const s = svc('web', [{ name: 'http', targetPort: 80 }], { status: { address: '127.0.0.1', ports: [{ name: 'http', port: 18000 }], conditions: [cond] } });
    s.metadata.generation = 3;
    const patch = statusPatch(s, routed, now) as { status: { conditions: Array<{ observedGeneration: number; lastTransitionTime: string }> } };
    expect(patch.status.conditions[0]).to.include({ observedGeneration: 3, lastTransitionTime: '2026-01-01T00:00:00Z' });
  });

  it('removes the address and ports of a service switched to type None (null in the merge patch)', () => {
    const cond = { type: 'Routed', status: 'True' as const, reason: 'Routed', message: 'answers on 127.0.0.1:18000', lastTransitionTime: '2026-01-01T00:00:00Z' };
    const s = svc('web', [{ name: 'http', targetPort: 80 }], { type: 'None', status: { address: '127.0.0.1', ports: [{ name: 'http', port: 18000 }], conditions: [cond] } });
    const none: ServiceStatus = { namespace: 'ns', name: 'web', ports: [], routed: { status: 'False', reason: 'NotProxied', message: 'type None' } };
    const patch = statusPatch(s, none, now) as { status: { address: unknown; ports: unknown; conditions: Array<{ status: string; reason: string }> } };
    expect(patch.status.address).to.equal(null);
    expect(patch.status.ports).to.deep.equal([]);
    expect(patch.status.conditions[0]).to.include({ status: 'False', reason: 'NotProxied' });
  });

  it('reports a port conflict as Routed=False with reason PortConflict', () => {
    const conflict: ServiceStatus = { ...routed, ports: [], routed: { status: 'False', reason: 'PortConflict', message: 'port 8080 is already the frontend of TaskService ns/old' } };
    const patch = statusPatch(svc('web', [{ port: 8080, targetPort: 80 }]), conflict, now) as { status: { conditions: Array<{ type: string; status: string; reason: string; lastTransitionTime: string }> } };
    expect(patch.status.conditions[0]).to.include({ type: 'Routed', status: 'False', reason: 'PortConflict', lastTransitionTime: now.toISOString() });
  });

  it('lists where each routed service answers, and not the unrouted ones', () => {
    const conflict: ServiceStatus = { ...routed, name: 'other', routed: { status: 'False', reason: 'PortConflict', message: '' } };
    expect(answerLines([routed, conflict])).to.deep.equal(['ns/web: 127.0.0.1:18000 (http)']);
  });
});
