import { expect } from 'chai';
import { LABELS } from '../../src/api/types.js';
import { startChaosStack, waitNodeReady, type ChaosStack } from '../support/chaos-stack.js';
import { converge } from '../support/invariants.js';

// kill -9 of the controller process, again and again at random moments, while 50 Tasks are
// created and then rolled out to a new spec. OKUBE_SOAK=1 kills more often over a longer run.

const SOAK = process.env.OKUBE_SOAK === '1';
const TASKS = 50;
const KILLS = SOAK ? 60 : 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('chaos: controller process killed with SIGKILL', function () {
  this.timeout(SOAK ? 1_200_000 : 300_000);
  let stack: ChaosStack;

  before(async () => {
    stack = await startChaosStack();
  });
  after(async () => {
    if (stack?.controllers) console.log(`      controller stderr tail:\n${stack.controllers.tail().slice(-1500)}`);
    await stack?.stop();
  });

  it(`converges to one running container per Task after ${KILLS} kills during a rollout of ${TASKS} Tasks`, async () => {
    const names = Array.from({ length: TASKS }, (_, i) => `t${String(i).padStart(2, '0')}`);
    await (await stack.startControllers()).running;
    await waitNodeReady(stack);

    // The rollout runs beside the kills: creates in batches, then a spec change of every Task.
    const creating = (async () => {
      for (let i = 0; i < TASKS; i += 10) {
        await Promise.all(names.slice(i, i + 10).map((n) => stack.createTask(n)));
        await sleep(1500);
      }
    })();
    let rollingOut: Promise<unknown> | undefined;

    let killedWhileCreating = 0;
    let killedBeforeRunning = 0;
    const t0 = Date.now();
    for (let k = 0; k < KILLS; k++) {
      const proc = stack.controllers ?? (await stack.startControllers());
      // Half the kills land before the controllers report running (start-up, informer sync),
      // half at a random moment up to 3 s into reconciling.
      if (Math.random() < 0.5) await sleep(Math.random() * 1500);
      else await Promise.race([proc.running.then(() => sleep(Math.random() * 3000)), sleep(20_000)]);
      if (proc.child.exitCode !== null) throw new Error(`controllers exited by themselves:\n${proc.tail()}`);
      if (!proc.tail().includes('okube controllers running')) killedBeforeRunning++;
      await stack.killControllers();
      // What the kill interrupted: a container created but never started is the worst case.
      const left = await stack.engine.runtime.list({ [LABELS.namespace]: stack.namespace });
      if (left.some((c) => c.status === 'created')) killedWhileCreating++;
      if (k === Math.floor(KILLS / 2)) {
        await creating;
        rollingOut = Promise.all(names.map((n) => stack.tasks.patch(n, { spec: { env: [{ name: 'VERSION', value: '2' }] } }, stack.namespace)));
      }
    }
    await creating;
    await rollingOut;
    const chaosMs = Date.now() - t0;

    await (await stack.startControllers()).running;
    // A spec change keeps the replaced container, exited, for `logs --previous`: one running and at most one more.
    const report = await converge(stack.invariants({ allRunning: true, maxContainersPerTask: 2 }), 120_000);
    console.log(`      ${KILLS} kills over ${(chaosMs / 1000).toFixed(1)} s (${killedBeforeRunning} before the controllers ran, ${killedWhileCreating} with a container created but not started); converged ${(report.ms / 1000).toFixed(1)} s after the last restart: ${report.tasks} Tasks, ${report.running} running containers, ${report.containers} containers`);
    expect(report.tasks).to.equal(TASKS);
    expect(report.running).to.equal(TASKS);
    expect(report.containers).to.be.within(TASKS, 2 * TASKS);
    const tasks = (await stack.tasks.list({ namespace: stack.namespace })).items;
    expect(tasks.every((t) => t.spec.env?.[0]?.value === '2')).to.equal(true);
  });
});
