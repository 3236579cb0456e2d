import { expect } from 'chai';
import { LABELS } from '../../../../src/api/types.js';
import { cpuMillicores, nodeUsage } from '../../../../src/controllers/node/usage.js';
import type { ContainerUsage } from '../../../../src/runtime/runtime.js';

const reading = (id: string, name: string, cpuNanos: number, readAt: number, memoryBytes = 1024 * 1024): ContainerUsage => ({
  id,
  labels: { [LABELS.namespace]: 'ns', [LABELS.name]: name },
  cpuNanos,
  memoryBytes,
  readAt,
});

describe('usage figures from two readings of the engine', () => {
  it('computes CPU as the counter growth over the time between readings', () => {
    // 1.5 s of CPU in 2 s: 750 millicores.
    expect(cpuMillicores(reading('a', 'a', 1e9, 1000), reading('a', 'a', 2.5e9, 3000))).to.equal(750);
  });

  it('has no CPU figure for a container read once, or whose counter went back (a new container)', () => {
    expect(cpuMillicores(undefined, reading('a', 'a', 1e9, 1000))).to.equal(undefined);
    expect(cpuMillicores(reading('a', 'a', 5e9, 1000), reading('a', 'a', 1e9, 3000))).to.equal(undefined);
  });

  it('sums the Node and lists each Task, memory in Ki and CPU in millicores', () => {
    const prev = new Map([['a', reading('a', 'web', 0, 0)], ['b', reading('b', 'api', 0, 0)]]);
    const u = nodeUsage(prev, [reading('a', 'web', 1e9, 2000, 2048 * 1024), reading('b', 'api', 0.5e9, 2000), reading('c', 'new', 7e9, 2000)], new Date(2000));
    expect(u).to.deep.equal({
      cpu: '750m',
      memory: '4096Ki',
      runningContainers: 3,
      sampledAt: new Date(2000).toISOString(),
      windowSeconds: 2,
      tasks: [
        { namespace: 'ns', name: 'api', cpu: '250m', memory: '1024Ki' },
        { namespace: 'ns', name: 'new', memory: '1024Ki' },
        { namespace: 'ns', name: 'web', cpu: '500m', memory: '2048Ki' },
      ],
    });
  });

  it('leaves the Node CPU out until some container has two readings', () => {
    const u = nodeUsage(new Map(), [reading('a', 'web', 1e9, 2000)], new Date(2000));
    expect(u.cpu).to.equal(undefined);
    expect(u.runningContainers).to.equal(1);
  });
});
