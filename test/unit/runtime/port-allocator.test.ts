import { expect } from 'chai';
import { choosePort, inRange, PortAllocator, REFUSED_PORT_TTL_MS } from '../../../src/runtime/port-allocator.js';
import { isOkubeError } from '../../../src/util/errors.js';

describe('choosePort', () => {
  it('skips taken ports', () => {
    expect(choosePort({ start: 10, end: 12 }, new Set([10, 11]))).to.equal(12);
  });

  it('wraps around from the hint', () => {
    expect(choosePort({ start: 10, end: 12 }, new Set([12]), 12)).to.equal(10);
  });

  it('returns undefined when the range is full', () => {
    expect(choosePort({ start: 10, end: 11 }, new Set([10, 11]))).to.equal(undefined);
  });
});

describe('inRange', () => {
  it('includes both ends and nothing outside', () => {
    const r = { start: 10, end: 12 };
    expect([9, 10, 12, 13].map((p) => inRange(r, p))).to.deep.equal([false, true, true, false]);
  });
});

describe('PortAllocator', () => {
  it('never hands one port to two owners', () => {
    const a = new PortAllocator({ start: 100, end: 101 });
    expect(a.allocate('task-a', [])).to.not.equal(a.allocate('task-b', []));
  });

  it('gives an owner its existing reservation again', () => {
    const a = new PortAllocator({ start: 100, end: 105 });
    expect(a.allocate('task-a', [])).to.equal(a.allocate('task-a', []));
  });

  it('never hands out a port the engine reports as published', () => {
    const a = new PortAllocator({ start: 100, end: 102 });
    expect(a.allocate('task-a', [100, 101])).to.equal(102);
  });

  it('gives the preferred port (the owner\'s previous one) when it is free', () => {
    const a = new PortAllocator({ start: 100, end: 105 });
    expect(a.allocate('task-a', [], 104)).to.equal(104);
  });

  it('ignores a preferred port that is taken or outside the range', () => {
    const a = new PortAllocator({ start: 100, end: 105 });
    expect(a.allocate('task-a', [104], 104)).to.equal(100);
    expect(a.allocate('task-b', [], 99)).to.equal(101);
  });

  it('fails with PortUnavailable when every port is used', () => {
    const a = new PortAllocator({ start: 100, end: 100 }, 'node n1 (10.0.0.1)');
    try {
      a.allocate('task-a', [100]);
      expect.fail('expected PortUnavailable');
    } catch (err) {
      expect(isOkubeError(err, 'PortUnavailable')).to.equal(true);
      expect((err as Error).message).to.contain('node n1 (10.0.0.1)');
    }
  });

  it('frees a released port for the next owner', () => {
    const a = new PortAllocator({ start: 100, end: 100 });
    expect(a.allocate('task-a', [])).to.equal(100);
    a.release('task-a');
    expect(a.allocate('task-b', [])).to.equal(100);
  });

  it('skips a port the engine refused to bind, and not the same port again on the retry', () => {
    const a = new PortAllocator({ start: 100, end: 102 });
    const first = a.allocate('task-a', []);
    a.refuse(first);
    const second = a.allocate('task-a', []);
    expect(second).to.not.equal(first);
    expect(a.refusedPorts()).to.deep.equal([first]);
  });

  it('hands a refused port out again once the refusal has expired', () => {
    let now = 0;
    const a = new PortAllocator({ start: 100, end: 100 }, 'the node', () => now);
    a.refuse(100);
    expect(() => a.allocate('task-a', [])).to.throw(/no free host port/);
    now = REFUSED_PORT_TTL_MS + 1;
    expect(a.allocate('task-a', [])).to.equal(100);
  });
});
