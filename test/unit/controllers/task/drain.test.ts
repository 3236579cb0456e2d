import { expect } from 'chai';
import type { TaskStatus } from '../../../../src/api/types.js';
import { EVICTING_REASON } from '../../../../src/controllers/endpoints/drain-gate.js';
import { EVICT_ANNOTATION } from '../../../../src/controllers/node/eviction.js';
import type { NodeEntry } from '../../../../src/controllers/node/node-registry.js';
import { drainTask, evictingStatus, type DrainDeps } from '../../../../src/controllers/task/drain.js';
import type { ContainerInfo } from '../../../../src/runtime/runtime.js';
import { at, container, iso, task } from './fixtures.js';

// A Task that okube drain moves: out of its services (Ready=False Evicting, its endpoints not
// ready) before SIGTERM, as a deleted Task is.

const readyStatus = (): TaskStatus => ({ phase: 'Running', ready: true, containerID: 'c0', conditions: [{ type: 'Ready', status: 'True', reason: 'ContainersReady', message: '', lastTransitionTime: iso(0) }] });
const draining = (status: TaskStatus) => task({}, status, { annotations: { [EVICT_ANNOTATION]: 'n1' } });

function fakes(running: ContainerInfo[], endpointsReady: boolean) {
  const calls: string[] = [];
  const entry = { name: 'n1', ready: true, runtime: { list: () => Promise.resolve(running) } } as unknown as NodeEntry;
  const deps: DrainDeps = {
    tasks: {} as DrainDeps['tasks'],
    evictor: {} as DrainDeps['evictor'],
    stopProbes: () => calls.push('stopProbes'),
    stop: (id) => calls.push(`stop ${id}`),
    stopping: () => false,
    writeStatus: (s) => {
      calls.push(`write Ready=${s.conditions!.find((c) => c.type === 'Ready')!.reason}`);
      return Promise.resolve(undefined);
    },
    endpointsDraining: () => endpointsReady,
  };
  return { calls, entry, deps };
}

describe('drain of a Task off its Node', () => {
  it('says the Task is not Ready, reason Evicting, naming the Node, and keeps the rest of its status', () => {
    const s = evictingStatus(draining(readyStatus()), 'n1', at(5))!;
    expect(s.ready).to.equal(false);
    expect(s.phase).to.equal('Running');
    expect(s.containerID).to.equal('c0');
    const ready = s.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).to.include({ status: 'False', reason: EVICTING_REASON, lastTransitionTime: iso(5) });
    expect(ready.message).to.include('node n1');
  });

  it('writes nothing when the Task already says Evicting', () => {
    const once = evictingStatus(draining(readyStatus()), 'n1', at(5))!;
    expect(evictingStatus(draining(once), 'n1', at(6))).to.equal(undefined);
  });

  it('takes a Ready Task out of its services first, and stops nothing yet', async () => {
    const t = draining(readyStatus());
    const { calls, entry, deps } = fakes([container(t)], true);
    expect(await drainTask(t, entry, deps, at(5))).to.equal('leaving');
    expect(calls).to.deep.equal(['stopProbes', 'write Ready=Evicting']);
  });

  it('waits while an EndpointSlice still lists the Task ready', async () => {
    const t = draining(evictingStatus(draining(readyStatus()), 'n1', at(5))!);
    const { calls, entry, deps } = fakes([container(t)], true);
    expect(await drainTask(t, entry, deps, at(6))).to.equal('leaving');
    expect(calls).to.deep.equal(['stopProbes']);
  });

  it('stops the container once its endpoints are not ready', async () => {
    const t = draining(evictingStatus(draining(readyStatus()), 'n1', at(5))!);
    const { calls, entry, deps } = fakes([container(t)], false);
    expect(await drainTask(t, entry, deps, at(6))).to.equal('stopping');
    expect(calls).to.deep.equal(['stopProbes', 'stop c0']);
  });
});
