import { expect } from 'chai';
import { choosePort, PortAllocator } from '../../../src/runtime/port-allocator.js';
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

describe('PortAllocator', () => {
  const alwaysFree = async () => true;

  it('never hands one port to two owners', async () => {
    const a = new PortAllocator({ start: 100, end: 101 }, '127.0.0.1', alwaysFree);
    const p1 = await a.allocate('task-a', []);
    const p2 = await a.allocate('task-b', []);
    expect(p1).to.not.equal(p2);
  });

  it('gives an owner its existing reservation again', async () => {
    const a = new PortAllocator({ start: 100, end: 105 }, '127.0.0.1', alwaysFree);
    expect(await a.allocate('task-a', [])).to.equal(await a.allocate('task-a', []));
  });

  it('skips ports that are busy on the host', async () => {
    const a = new PortAllocator({ start: 100, end: 102 }, '127.0.0.1', async (_h, p) => p !== 100);
    expect(await a.allocate('task-a', [])).to.equal(101);
  });

  it('fails with PortUnavailable when every port is used', async () => {
    const a = new PortAllocator({ start: 100, end: 100 }, '127.0.0.1', alwaysFree);
    try {
      await a.allocate('task-a', [100]);
      expect.fail('expected PortUnavailable');
    } catch (err) {
      expect(isOkubeError(err, 'PortUnavailable')).to.equal(true);
    }
  });

  it('frees a released port for the next owner', async () => {
    const a = new PortAllocator({ start: 100, end: 100 }, '127.0.0.1', alwaysFree);
    await a.allocate('task-a', []);
    a.release('task-a');
    expect(await a.allocate('task-b', [])).to.equal(100);
  });
});
