import { expect } from 'chai';
import Docker from 'dockerode';
import { LABELS } from '../../src/api/types.js';
import { startRunningChaosStack, type ChaosStack } from '../support/chaos-stack.js';
import { socketPath } from '../support/env.js';
import { converge } from '../support/invariants.js';

// Mass failure: every container on a Node killed at the same moment (docker kill, SIGKILL),
// as an OOM sweep or a runaway script would. Every Task records exactly one exit (137) and comes
// back after its backoff, with no duplicate and no Task left behind.

const TASKS = 30;
const ROUNDS = process.env.OKUBE_SOAK === '1' ? 5 : 1;

describe('chaos: all containers on a Node killed at once', function () {
  this.timeout(240_000);
  let stack: ChaosStack;

  before(async () => {
    stack = await startRunningChaosStack();
  });
  after(async () => {
    await stack?.stop();
  });

  it(`restarts all ${TASKS} Tasks once per mass kill, with the exit in status`, async () => {
    await Promise.all(Array.from({ length: TASKS }, (_, i) => stack.createTask(`m${String(i).padStart(2, '0')}`)));
    const steady = await converge(stack.invariants({ allRunning: true, maxContainersPerTask: 1 }), 120_000);
    const docker = new Docker({ socketPath: socketPath(stack.engine.dockerHost) });
    for (let round = 1; round <= ROUNDS; round++) {
      const before = new Map((await stack.tasks.list({ namespace: stack.namespace })).items.map((t) => [t.metadata.name!, t]));
      const victims = await docker.listContainers({ filters: { label: [`${LABELS.node}=${stack.nodeName}`], status: ['running'] } });
      const killedAt = Date.now();
      await Promise.all(victims.map((c) => docker.getContainer(c.Id).kill()));
      const report = await converge(stack.invariants({ allRunning: true }), 120_000);
      const recoveredMs = Date.now() - killedAt;
      console.log(`      round ${round}: ${TASKS} Tasks Running${round === 1 ? ` (in ${(steady.ms / 1000).toFixed(1)} s)` : ''}; killed ${victims.length} containers at once; all Running again ${(recoveredMs / 1000).toFixed(1)} s later; restarts ${report.restarts}, containers ${report.containers}`);

      expect(victims).to.have.length(TASKS);
      for (const t of (await stack.tasks.list({ namespace: stack.namespace })).items) {
        const was = before.get(t.metadata.name!)!;
        expect(t.status!.containerID, t.metadata.name).to.not.equal(was.status!.containerID);
        expect(t.status!.restartCount, t.metadata.name).to.equal(round);
        expect(t.status!.lastState?.terminated, t.metadata.name).to.include({ exitCode: 137, containerID: was.status!.containerID });
      }
    }
  });
});
