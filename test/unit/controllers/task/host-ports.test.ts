import { expect } from 'chai';
import { conflictingPorts, isPortConflict, PORT_ATTEMPTS, portConflictEvent, previousPorts, recordedPorts, retryOnOtherPorts } from '../../../../src/controllers/task/host-ports.js';
import { task } from './fixtures.js';

describe('host ports known to okube', () => {
  it('counts the ports other unfinished Tasks on the Node record in status', () => {
    const a = task({}, { phase: 'Running', ports: [{ containerPort: 80, hostPort: 30001, protocol: 'TCP' }] }, { uid: 'a' });
    const done = task({}, { phase: 'Succeeded', ports: [{ containerPort: 80, hostPort: 30002, protocol: 'TCP' }] }, { uid: 'b' });
    const self = task({}, { phase: 'Running', ports: [{ containerPort: 80, hostPort: 30003, protocol: 'TCP' }] }, { uid: 'c' });
    expect(recordedPorts([a, done, self], 'c')).to.deep.equal([30001]);
  });

  it('gives a Task its previous host port for each port to allocate', () => {
    const t = task(
      { ports: [{ containerPort: 80 }, { containerPort: 81, hostPort: 8081 }, { containerPort: 82 }] },
      { ports: [{ containerPort: 80, hostPort: 30010, protocol: 'TCP' }, { containerPort: 81, hostPort: 8081, protocol: 'TCP' }] },
    );
    expect(previousPorts(t)).to.deep.equal([30010, undefined]);
  });
});

describe('port conflicts reported by the engine', () => {
  const proxy = new Error('driver failed programming external connectivity on endpoint x: Error starting userland proxy: listen tcp4 10.231.0.6:31002: bind: address already in use');
  const other = new Error('Bind for 10.231.0.6:31005 failed: port is already allocated');

  it('recognises docker-proxy and container bind refusals, nothing else', () => {
    expect([proxy, other, new Error('exec: "/nosuch": no such file')].map(isPortConflict)).to.deep.equal([true, true, false]);
  });

  it('names the refused port among the allocated ones', () => {
    expect(conflictingPorts(proxy, [31001, 31002])).to.deep.equal([31002]);
  });

  it('blames every allocated port when the message names none of them', () => {
    expect(conflictingPorts(new Error('address already in use'), [31001, 31002])).to.deep.equal([31001, 31002]);
  });
});

describe('another host port after a refused start', () => {
  const held = new Error('listen tcp4 10.231.0.6:31002: bind: address already in use');

  it('tries other ports when okube chose them and the engine says one is held', () => {
    expect(retryOnOtherPorts(held, 1, 1)).to.equal(true);
  });

  it('does not when every host port was fixed by the spec (nothing to choose again)', () => {
    expect(retryOnOtherPorts(held, 0, 1)).to.equal(false);
  });

  it('does not when the engine refused for another reason', () => {
    expect(retryOnOtherPorts(new Error('exec: "/nosuch": no such file'), 1, 1)).to.equal(false);
  });

  it('stops after PORT_ATTEMPTS containers in one pass', () => {
    const tried = Array.from({ length: PORT_ATTEMPTS }, (_, i) => retryOnOtherPorts(held, 1, i + 1));
    expect(tried).to.deep.equal([...Array<boolean>(PORT_ATTEMPTS - 1).fill(true), false]);
  });

  it('names the held ports, the Node and the engine message in a HostPortConflict Warning', () => {
    expect(portConflictEvent('n1', [31002], held)).to.deep.equal({
      type: 'Warning',
      reason: 'HostPortConflict',
      message: `host port 31002 on node n1 is held by another program (${held.message}); allocating another`,
    });
  });
});
