import { expect } from 'chai';
import { LABELS } from '../../../../src/api/types.js';
import { ContainerRelister } from '../../../../src/controllers/task/relister.js';
import type { ContainerInfo, Runtime } from '../../../../src/runtime/runtime.js';

// The relister's single-Node relist (task/relister.ts), asked for when a Node's events stream
// came back after a loss: on an engine that answers from plain data.

const container = (id: string, name: string, running: boolean): ContainerInfo => ({
  id,
  name,
  image: 'img',
  labels: { [LABELS.managed]: 'true', [LABELS.namespace]: 'ns', [LABELS.name]: name },
  status: running ? 'running' : 'exited',
  running,
  ports: [],
});

/** An engine whose list answers `containers` (changed by the test), counting the lists. */
function engine(containers: ContainerInfo[]) {
  const e = { containers, lists: 0, runtime: undefined as unknown as Runtime };
  e.runtime = { list: async () => (e.lists++, e.containers) } as unknown as Runtime;
  return e;
}

describe('task relister: relisting one Node', () => {
  it('enqueues the Tasks whose containers changed on that Node only', async () => {
    const a = engine([container('a1', 'web', true)]);
    const b = engine([container('b1', 'db', true)]);
    const enqueued: string[] = [];
    const relister = new ContainerRelister({ nodes: () => [{ name: 'a', runtime: a.runtime }, { name: 'b', runtime: b.runtime }], enqueue: (k) => enqueued.push(k), periodMs: 0 });
    await relister.relistAll();
    a.containers = [container('a1', 'web', false)];
    b.containers = [container('b1', 'db', false)];
    expect(await relister.relistNode('a')).to.deep.equal(['ns/web']);
    expect(enqueued).to.deep.equal(['ns/web']);
    expect(b.lists, 'the other Node is not listed').to.equal(1);
  });

  it('lists a Node once for reconnects that come while its relist is under way', async () => {
    const a = engine([container('a1', 'web', true)]);
    const relister = new ContainerRelister({ nodes: () => [{ name: 'a', runtime: a.runtime }], enqueue: () => undefined, periodMs: 0 });
    await Promise.all([relister.relistNode('a'), relister.relistNode('a'), relister.relistNode('a')]);
    expect(a.lists).to.equal(1);
  });

  it('records the list as the Node\'s latest answer, for the heartbeat and the orphan sweep', async () => {
    const a = engine([container('a1', 'web', true)]);
    const node: { name: string; runtime: Runtime; listed?: { at: number; containers: ContainerInfo[] } } = { name: 'a', runtime: a.runtime };
    const relister = new ContainerRelister({ nodes: () => [node], enqueue: () => undefined, periodMs: 0 });
    const before = Date.now();
    await relister.relistNode('a');
    expect(node.listed?.containers.map((c) => c.id)).to.deep.equal(['a1']);
    expect(node.listed!.at).to.be.at.least(before);
  });

  it('does nothing for a Node it does not know', async () => {
    const relister = new ContainerRelister({ nodes: () => [], enqueue: () => undefined, periodMs: 0 });
    expect(await relister.relistNode('gone')).to.deep.equal([]);
  });
});
