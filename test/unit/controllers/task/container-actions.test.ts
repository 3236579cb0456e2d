import { expect } from 'chai';
import type { Informer } from '../../../../src/client/informer.js';
import type { Task } from '../../../../src/api/types.js';
import { ContainerActions } from '../../../../src/controllers/task/container-actions.js';
import type { EngineOps } from '../../../../src/controllers/task/engine-ops.js';
import type { VolumeFiles } from '../../../../src/controllers/task/volume-files.js';
import type { NodeEntry } from '../../../../src/controllers/node/node-registry.js';
import type { Runtime } from '../../../../src/runtime/runtime.js';
import { at, task } from './fixtures.js';

// The order of the engine calls that make a crash loop's next container during its wait: the
// Task must never hold more than two containers (the next one and the exit just seen), not
// even for the length of one call.

describe('ContainerActions.precreate', () => {
  it('removes the old exit before it creates the next container, and starts nothing', async () => {
    const calls: string[] = [];
    const runtime = {
      remove: async (id: string) => void calls.push(`remove ${id}`),
      create: async () => (calls.push('create'), 'c2'),
      start: async (id: string) => void calls.push(`start ${id}`),
    } as unknown as Runtime;
    const entry = { name: 'n1', address: '127.0.0.1', runtime, ready: true, hostPorts: {} } as unknown as NodeEntry;
    const actions = new ContainerActions({
      informer: { byIndex: () => [] } as unknown as Informer<Task>,
      volumeFiles: { ensure: async () => undefined } as unknown as VolumeFiles,
      ops: {} as EngineOps,
      events: { record: async () => undefined },
      now: () => at(0),
    });
    const config = { config: { env: {}, mounts: [], files: new Map(), filesHash: '', unboundClaims: [] } };
    const ok = await actions.precreate('ns/t', task({ command: ['sh', '-c', 'exit 1'] }), { kind: 'precreate', restartNumber: 2, replaces: 'c0' }, entry, config);
    expect(ok).to.equal(true);
    expect(calls).to.deep.equal(['remove c0', 'create']);
  });
});
