import { expect } from 'chai';
import type { Node } from '../../../../src/api/types.js';
import { nodeAddress, nodeStatus, statusWriteDue } from '../../../../src/controllers/node/node-status.js';
import type { HostInfo } from '../../../../src/runtime/runtime.js';

const info: HostInfo = { ncpu: 4, memoryBytes: 8 * 2 ** 30, dockerVersion: '26.1.5', operatingSystem: 'Debian', kernelVersion: '6.1', architecture: 'x86_64' };
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const none = { milliCpu: 0, memory: 0, tasks: 0 };

function node(over: Partial<Node> = {}): Node {
  return { apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: 'n', creationTimestamp: t0.toISOString(), generation: 1 }, spec: { dockerHost: 'unix:///d.sock' }, ...over };
}

describe('node status', () => {
  it('reports capacity, allocatable minus reserved, allocated requests and Ready with a heartbeat', () => {
    const s = nodeStatus({ node: node({ spec: { dockerHost: 'unix:///d.sock', reserved: { cpu: '500m', memory: '1Gi' } } }), observed: { info }, allocated: { milliCpu: 1500, memory: 2 ** 30, tasks: 3 }, now: at(1), gracePeriodMs: 40_000 });
    expect(s.capacity).to.deep.equal({ cpu: '4', memory: '8Gi', tasks: 110 });
    expect(s.allocatable).to.deep.equal({ cpu: '3500m', memory: '7Gi', tasks: 110 });
    expect(s.allocated).to.deep.equal({ cpu: '1500m', memory: '1Gi' });
    expect(s.taskCount).to.equal(3);
    expect(s.conditions![0]).to.include({ type: 'Ready', status: 'True', reason: 'EngineReachable', lastHeartbeatTime: at(1).toISOString() });
  });

  it('reports the address published ports are reached at: spec.address, else the host of a tcp:// engine, else 127.0.0.1', () => {
    const addresses = (spec: Node['spec']) => nodeStatus({ node: node({ spec }), observed: {}, allocated: none, now: at(1), gracePeriodMs: 40_000 }).addresses;
    expect(addresses({ dockerHost: 'tcp://10.0.0.7:2376' })).to.deep.equal([{ type: 'InternalIP', address: '10.0.0.7' }]);
    expect(addresses({ dockerHost: 'tcp://docker-a.example:2376' })).to.deep.equal([{ type: 'InternalDNS', address: 'docker-a.example' }]);
    expect(addresses({ dockerHost: 'tcp://[fd00::7]:2376' })).to.deep.equal([{ type: 'InternalIP', address: 'fd00::7' }]);
    expect(addresses({ dockerHost: 'tcp://10.0.0.7:2376', address: '192.168.1.9' })).to.deep.equal([{ type: 'InternalIP', address: '192.168.1.9' }]);
    expect(addresses({ dockerHost: 'unix:///d.sock' })).to.deep.equal([{ type: 'InternalIP', address: '127.0.0.1' }]);
    expect(nodeAddress(node({ spec: { dockerHost: 'tcp://[fd00::7]:2376' } }))).to.equal('fd00::7');
  });

  it('takes the Task capacity from spec.maxTasks, also while the engine is away', () => {
    const big = node({ spec: { dockerHost: 'unix:///d.sock', maxTasks: 500 } });
    const s = nodeStatus({ node: big, observed: { info }, allocated: none, now: at(1), gracePeriodMs: 40_000 });
    expect(s.capacity!.tasks).to.equal(500);
    expect(s.allocatable!.tasks).to.equal(500);
    const away = nodeStatus({ node: { ...big, spec: { ...big.spec, maxTasks: 20 }, status: s }, observed: { error: 'down', lastContact: at(1).getTime() }, allocated: none, now: at(2), gracePeriodMs: 40_000 });
    expect(away.allocatable!.tasks).to.equal(20);
  });

  it('keeps a silent Node Ready during the grace period, then turns it Unknown with the reason', () => {
    const ready = node({ status: nodeStatus({ node: node(), observed: { info }, allocated: none, now: at(0), gracePeriodMs: 40_000 }) });
    const within = nodeStatus({ node: ready, observed: { error: 'connect ECONNREFUSED', lastContact: at(0).getTime() }, allocated: none, now: at(39), gracePeriodMs: 40_000 });
    expect(within.conditions![0]).to.include({ status: 'True', lastHeartbeatTime: at(0).toISOString() });
    const past = nodeStatus({ node: ready, observed: { error: 'connect ECONNREFUSED', lastContact: at(0).getTime() }, allocated: none, now: at(41), gracePeriodMs: 40_000 });
    expect(past.conditions![0]).to.include({ status: 'Unknown', reason: 'EngineUnreachable', lastTransitionTime: at(41).toISOString(), lastHeartbeatTime: at(0).toISOString() });
    expect(past.conditions![0].message).to.match(/has not answered for 41s \(grace period 40s\): connect ECONNREFUSED/);
    expect(past.capacity).to.deep.equal(ready.status!.capacity);
  });

  it('writes status when something changed, or when a Ready heartbeat is older than the report period — not every heartbeat', () => {
    const prev = nodeStatus({ node: node(), observed: { info }, allocated: none, now: at(0), gracePeriodMs: 40_000 });
    const same = nodeStatus({ node: node({ status: prev }), observed: { info }, allocated: none, now: at(10), gracePeriodMs: 40_000 });
    expect(statusWriteDue(prev, same, at(10), 300_000)).to.equal(false);
    expect(statusWriteDue(prev, same, at(300), 300_000)).to.equal(true);
    const busier = nodeStatus({ node: node({ status: prev }), observed: { info }, allocated: { milliCpu: 100, memory: 0, tasks: 1 }, now: at(10), gracePeriodMs: 40_000 });
    expect(statusWriteDue(prev, busier, at(10), 300_000)).to.equal(true);
  });
});
