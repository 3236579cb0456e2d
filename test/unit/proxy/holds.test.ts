import { expect } from 'chai';
import type { EndpointSlice } from '../../../src/api/types.js';
import { diffBackend } from '../../../src/proxy/diff.js';
import { holdsStillNeeded, withHolds } from '../../../src/proxy/holds.js';
import { planDataPlane } from '../../../src/proxy/plan.js';
import { slice, svc } from './fixtures.js';

// The traffic gate's held-down rule (src/proxy/holds.ts) on plain data: held set + slices → the
// servers' desired states, and which holds the slices have made unnecessary.

const opts = { bindAddress: '127.0.0.1', portRange: { start: 18000, end: 18010 } };

/** A slice whose endpoints carry targetRef.uid `uid-<task>`. */
function sliceWithUids(service: string, port: number, eps: Array<[task: string, address: string, ready: boolean]>): EndpointSlice {
  const s = slice(service, port, eps);
  return { ...s, endpoints: s.endpoints!.map((ep) => ({ ...ep, targetRef: { ...ep.targetRef!, uid: `uid-${ep.targetRef!.name}` } })) };
}

const services = [svc('web', [{ port: 0, targetPort: 8080 }])];
const readyOf = (slices: EndpointSlice[], held: Set<string>) =>
  Object.fromEntries(withHolds(planDataPlane(services, slices, opts), held, slices).frontends[0]!.servers.map((s) => [s.name, s.ready]));

describe('proxy traffic-gate holds', () => {
  it('a held Task is not ready although its slice still says ready; the others keep their state', () => {
    const slices = [sliceWithUids('web', 32001, [['a', '127.0.0.2', true], ['b', '127.0.0.3', true]])];
    expect(readyOf(slices, new Set(['uid-a']))).to.deep.equal({ a: false, b: true });
  });

  it('a held Task that was ready in HAProxy is drained (the state a not-ready endpoint gets)', () => {
    const slices = [sliceWithUids('web', 32001, [['a', '127.0.0.2', true]])];
    const servers = withHolds(planDataPlane(services, slices, opts), new Set(['uid-a']), slices).frontends[0]!.servers;
    expect(diffBackend('be', [{ backend: 'be', name: 'a', address: '127.0.0.2', port: 32001, state: 'ready' }], servers)).to.deep.equal(['set server be/a state drain']);
  });

  it('no holds: the plan is the slices\' plan unchanged', () => {
    const slices = [sliceWithUids('web', 32001, [['a', '127.0.0.2', true]])];
    const plan = planDataPlane(services, slices, opts);
    expect(withHolds(plan, new Set(), slices)).to.equal(plan);
  });

  it('a hold stays while a slice still lists the Task as a ready endpoint (stale slice)', () => {
    const slices = [sliceWithUids('web', 32001, [['a', '127.0.0.2', true]])];
    expect([...holdsStillNeeded(new Set(['uid-a']), slices)]).to.deep.equal(['uid-a']);
  });

  it('a hold ends once the slices say the endpoint is not ready: from then on the slices govern', () => {
    const slices = [sliceWithUids('web', 32001, [['a', '127.0.0.2', false]])];
    expect([...holdsStillNeeded(new Set(['uid-a']), slices)]).to.deep.equal([]);
  });

  it('a hold ends once the Task is gone from every slice', () => {
    const slices = [sliceWithUids('web', 32001, [['b', '127.0.0.3', true]])];
    expect([...holdsStillNeeded(new Set(['uid-a']), slices)]).to.deep.equal([]);
  });

  it('endpoints without a uid are never held (the plan is matched by uid only)', () => {
    const slices = [slice('web', 32001, [['a', '127.0.0.2', true]])];
    expect(readyOf(slices, new Set(['uid-a']))).to.deep.equal({ a: true });
  });
});
