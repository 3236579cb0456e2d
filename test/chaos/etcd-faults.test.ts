import { expect } from 'chai';
import { LABELS } from '../../src/api/types.js';
import { startRunningChaosStack, type ChaosStack } from '../support/chaos-stack.js';
import { converge } from '../support/invariants.js';
import { waitFor } from '../support/wait.js';

// etcd, the only durable store, killed with SIGKILL and restarted, or frozen with SIGSTOP, while
// the controllers reconcile and a client keeps creating Tasks. Creates that fail while etcd is
// away are simply not acknowledged; every acknowledged one must survive and converge.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PAUSE_MS = 15_000;
const KILL_ROUNDS = process.env.OKUBE_SOAK === '1' ? 6 : 1;

/**
 * Creates Tasks one after another until stopped (at most `max`: one Node holds 110 Tasks, and
 * both tests share it); counts what the API acknowledged or refused.
 */
function keepCreating(stack: ChaosStack, prefix: string, max = 40): { stop(): Promise<{ acked: number; refused: number }> } {
  let stopped = false;
  let acked = 0;
  let refused = 0;
  const loop = (async () => {
    for (let i = 0; !stopped && i < max; i++) {
      try {
        await stack.createTask(`${prefix}${i}`);
        acked++;
      } catch {
        refused++;
        await sleep(200);
      }
      await sleep(150);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { acked, refused };
    },
  };
}

describe('chaos: etcd killed, restarted and paused under reconciliation', function () {
  this.timeout(process.env.OKUBE_SOAK === '1' ? 600_000 : 240_000);
  let stack: ChaosStack;

  before(async () => {
    stack = await startRunningChaosStack();
  });
  after(async () => {
    const pid = stack?.cluster.etcd.pid;
    if (pid) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await stack?.stop();
  });

  it('loses no acknowledged Task and converges after kill -9 and restart of etcd mid-rollout', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => stack.createTask(`k${i}`)));
    const writer = keepCreating(stack, 'kw');
    // Kill while the first containers are being created and statuses written.
    await waitFor('first containers', async () => (await stack.engine.runtime.list({ [LABELS.namespace]: stack.namespace })).length >= 2, 60_000, 50);
    const etcd = stack.cluster.etcd;
    let downMs = 0;
    for (let round = 0; round < KILL_ROUNDS; round++) {
      const oldPid = etcd.pid;
      await etcd.kill9();
      const down0 = Date.now();
      await sleep(3000);
      await etcd.restart();
      downMs += Date.now() - down0;
      expect(etcd.pid).to.not.equal(oldPid);
      await sleep(3000); // writes after the restart too
    }
    const { acked, refused } = await writer.stop();
    const report = await converge(stack.invariants({ allRunning: true }), 120_000);
    console.log(`      etcd killed ${KILL_ROUNDS}× and down ${(downMs / 1000).toFixed(1)} s in all; creates during the fault: ${acked} acknowledged, ${refused} refused; converged ${(report.ms / 1000).toFixed(1)} s after: ${report.tasks} Tasks, ${report.running} running`);
    expect(report.tasks).to.be.at.least(stack.acknowledged.size);
  });

  it(`loses no acknowledged Task and converges after etcd is paused (SIGSTOP) for ${PAUSE_MS / 1000} s`, async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => stack.createTask(`p${i}`)));
    const writer = keepCreating(stack, 'pw');
    await waitFor('new containers', async () => (await stack.engine.runtime.list({ [LABELS.namespace]: stack.namespace })).some((c) => c.labels[LABELS.name].startsWith('p')), 60_000, 50);
    const pid = stack.cluster.etcd.pid!;
    process.kill(pid, 'SIGSTOP');
    await sleep(PAUSE_MS);
    process.kill(pid, 'SIGCONT');
    const resumed = Date.now();
    // The API answers again without any restart of okube.
    await waitFor('API answers', async () => (await stack.tasks.list({ namespace: stack.namespace })).items.length > 0, 60_000, 100);
    const apiBackMs = Date.now() - resumed;
    await sleep(2000);
    const { acked, refused } = await writer.stop();
    const report = await converge(stack.invariants({ allRunning: true }), 120_000);
    console.log(`      etcd paused ${PAUSE_MS / 1000} s; API answered ${(apiBackMs / 1000).toFixed(1)} s after SIGCONT; creates during the fault: ${acked} acknowledged, ${refused} refused; converged ${(report.ms / 1000).toFixed(1)} s after: ${report.tasks} Tasks, ${report.running} running`);
    expect(stack.controllers?.child.exitCode, 'the controllers survive a frozen etcd').to.equal(null);
  });
});
