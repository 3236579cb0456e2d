import { expect } from 'chai';
import { engineAnswers, killEngine, restoreEngine } from '../support/chaos-engine.js';
import { startRunningChaosStack, waitNodeReady, type ChaosStack } from '../support/chaos-stack.js';
import { converge } from '../support/invariants.js';

// kill -9 of the Docker engine (dockerd) under running Tasks, then its restart: the Node goes
// NotReady and back, containers the engine stopped are restarted once each, and a Task created
// while the engine was away starts once it is back. OKUBE_SOAK=1 repeats it.

const ROUNDS = process.env.OKUBE_SOAK === '1' ? 4 : 1;

describe('chaos: Docker engine killed with SIGKILL under running Tasks', function () {
  this.timeout(240_000);
  let stack: ChaosStack;

  before(async () => {
    // A short grace period: the Node turns not Ready 10 s after its engine went silent (40 s by default).
    stack = await startRunningChaosStack({ controllerArgs: ['--node-grace-period', '10'] });
  });
  after(async () => {
    await stack?.stop(); // restores the engine whatever happened
  });

  it('reports the Node NotReady, then restarts every Task exactly once when the engine is back', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => stack.createTask(`e${i}`)));
    const steady = await converge(stack.invariants({ allRunning: true, maxContainersPerTask: 1 }), 90_000);
    for (let round = 1; round <= ROUNDS; round++) {
      const before = new Map((await stack.tasks.list({ namespace: stack.namespace })).items.map((t) => [t.metadata.name!, t]));
      await killEngine(stack.engine);
      const killedAt = Date.now();
      await waitNodeReady(stack, false, 90_000);
      const notReadyMs = Date.now() - killedAt;
      await stack.createTask(`while-down-${round}`);

      await restoreEngine(stack.engine);
      const backAt = Date.now();
      const engineDownMs = backAt - killedAt;
      await waitNodeReady(stack, true, 60_000);
      const report = await converge(stack.invariants({ allRunning: true }), 120_000);
      const recoveredMs = Date.now() - backAt;
      console.log(`      round ${round}: steady in ${(steady.ms / 1000).toFixed(1)} s; Node not Ready ${(notReadyMs / 1000).toFixed(1)} s after the kill; engine down ${(engineDownMs / 1000).toFixed(1)} s; all ${report.tasks} Tasks Running ${(recoveredMs / 1000).toFixed(1)} s after it was back; restarts: ${report.restarts}`);

      expect(report.tasks).to.equal(10 + round);
      for (const t of (await stack.tasks.list({ namespace: stack.namespace })).items) {
        const was = before.get(t.metadata.name!);
        if (!was) continue;
        // Each container the engine stopped is one restart in status, never zero, never a loop.
        if (t.status!.containerID !== was.status!.containerID) expect(t.status!.restartCount, t.metadata.name).to.equal((was.status!.restartCount ?? 0) + 1);
        else expect(t.status!.restartCount, t.metadata.name).to.equal(was.status!.restartCount ?? 0);
      }
      expect(await engineAnswers(stack.engine)).to.equal(true);
    }
  });
});
