import { expect } from 'chai';
import { install } from '@sinonjs/fake-timers';
import type { Probe, Task } from '../../../src/api/types.js';
import { CountingProbeMetrics, ProbeManager, resolveHostPort, type ProbeTarget } from '../../../src/probes/index.js';

// ProbeManager semantics on a fake clock: every probe is an exec probe whose exit code the test
// scripts, so each period, threshold and initial delay is checked at the exact tick it applies,
// without sleeping and without depending on how busy the machine is. (The HTTP, TCP and exec
// executors themselves run against real servers and containers in test/integration/probes.)

const task = (probes: Partial<Record<'startupProbe' | 'livenessProbe' | 'readinessProbe', Probe>>): Task => ({
  apiVersion: 'okube.dev/v1alpha1',
  kind: 'Task',
  metadata: { name: 't', namespace: 'ns' },
  spec: { image: 'x', ports: [{ name: 'http', containerPort: 80 }], ...probes },
});

/** An exec probe running `name`, every second, failing after two consecutive failures. */
const probe = (name: string, extra: Partial<Probe> = {}): Probe => ({ exec: { command: [name] }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2, ...extra });

describe('ProbeManager', () => {
  let clock: ReturnType<typeof install>;
  let manager: ProbeManager;
  let changes: string[];
  /** Exit code per command; a function lets a test flap. */
  let exitCodes: Record<string, number | (() => number)>;
  /** Every probe run: the command and the (fake) time it ran at, in ms since the test began. */
  let calls: Array<{ command: string; at: number; timeoutMs: number }>;

  const target: ProbeTarget = {
    address: '127.0.0.1',
    ports: [],
    exec: async (command, timeoutMs) => {
      calls.push({ command: command[0], at: Date.now(), timeoutMs });
      const code = exitCodes[command[0]] ?? 0;
      return { exitCode: typeof code === 'function' ? code() : code, output: '', timedOut: false };
    },
  };
  const runsOf = (command: string) => calls.filter((c) => c.command === command);

  beforeEach(() => {
    clock = install({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    changes = [];
    exitCodes = {};
    calls = [];
    manager = new ProbeManager((k) => changes.push(k));
  });
  afterEach(() => {
    manager.stopAll();
    clock.uninstall();
  });

  it('resolves a named port to the published host port', () => {
    expect(resolveHostPort(task({}), 'http', [{ containerPort: 80, hostPort: 31234 }])).to.equal(31234);
    expect(resolveHostPort(task({}), 81, [{ containerPort: 80, hostPort: 31234 }])).to.equal(undefined);
  });

  it('probes at once, then every periodSeconds, passing timeoutSeconds to the executor', async () => {
    manager.ensure('k', task({ livenessProbe: probe('live', { timeoutSeconds: 3 }) }), 'c1', target);
    await clock.tickAsync(3000);
    expect(runsOf('live').map((c) => c.at)).to.deep.equal([0, 1000, 2000, 3000]);
    expect(runsOf('live').every((c) => c.timeoutMs === 3000)).to.equal(true);
  });

  it('waits initialDelaySeconds before the first probe', async () => {
    manager.ensure('k', task({ livenessProbe: probe('live', { initialDelaySeconds: 5 }) }), 'c1', target);
    await clock.tickAsync(4999);
    expect(runsOf('live')).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(runsOf('live').map((c) => c.at)).to.deep.equal([5000]);
  });

  it('starts from the initial state it is handed (okube restarted): no startup probe again, not ready only after failureThreshold failures', async () => {
    exitCodes = { ready: 1 };
    manager.ensure('k', task({ startupProbe: probe('start'), readinessProbe: probe('ready') }), 'c1', target, { started: true, ready: true });
    expect(manager.view('k')).to.include({ started: true, ready: true });
    await clock.tickAsync(0);
    expect(manager.view('k')!.ready, 'after one failure').to.equal(true);
    await clock.tickAsync(1000);
    expect(manager.view('k')!.ready, 'after two').to.equal(false);
    expect(runsOf('start')).to.deep.equal([]);
  });

  it('starts unready without an initial state, whatever the Task\'s status says', () => {
    manager.ensure('k', { ...task({ readinessProbe: probe('ready') }), status: { containerID: 'c1', state: { running: { startedAt: new Date(0).toISOString() } }, started: true, ready: true } }, 'c1', target);
    expect(manager.view('k')).to.include({ started: true, ready: false });
  });

  it('becomes ready once the readiness probe passes', async () => {
    manager.ensure('k', task({ readinessProbe: probe('ready') }), 'c1', target);
    expect(manager.view('k')!.ready).to.equal(false);
    await clock.tickAsync(0);
    expect(manager.view('k')!.ready).to.equal(true);
    expect(changes).to.deep.equal(['k']);
  });

  it('the status snapshot stays identical while the results stay the same (no rewrite per probe)', async () => {
    manager.ensure('k', task({ livenessProbe: probe('live'), readinessProbe: probe('ready') }), 'c1', target);
    await clock.tickAsync(0);
    const first = JSON.stringify(manager.view('k'));
    const changesSoFar = changes.length;
    const runsSoFar = calls.length;
    await clock.tickAsync(6000);
    expect(calls.length - runsSoFar, 'probe runs in six periods').to.equal(12);
    expect(JSON.stringify(manager.view('k'))).to.equal(first);
    expect(changes.length, 'onChange calls').to.equal(changesSoFar);
  });

  it('a failing readiness probe keeps Ready off but never asks for a restart', async () => {
    exitCodes.ready = 1;
    manager.ensure('k', task({ readinessProbe: probe('ready') }), 'c1', target);
    await clock.tickAsync(5000);
    expect(runsOf('ready')).to.have.length(6);
    expect(manager.view('k')).to.include({ ready: false });
    expect(manager.view('k')!.restart).to.equal(undefined);
  });

  it('a ready Task turns not ready only after failureThreshold consecutive readiness failures', async () => {
    manager.ensure('k', task({ readinessProbe: probe('ready') }), 'c1', target);
    await clock.tickAsync(0);
    exitCodes.ready = 1;
    await clock.tickAsync(1000);
    expect(manager.view('k')!.ready, 'after one failure').to.equal(true);
    await clock.tickAsync(1000);
    expect(manager.view('k')!.ready, 'after two failures').to.equal(false);
  });

  it('asks for a restart at exactly failureThreshold consecutive liveness failures', async () => {
    exitCodes.live = 1;
    manager.ensure('k', task({ livenessProbe: probe('live') }), 'c1', target);
    await clock.tickAsync(0);
    expect(manager.view('k')!.restart, 'after one failure').to.equal(undefined);
    await clock.tickAsync(1000);
    expect(manager.view('k')!.restart).to.deep.equal({ reason: 'LivenessProbe', message: 'Liveness probe failed: command exited with 1' });
  });

  it('does not restart on liveness failures while the Node\'s engine does not answer either, and goes on probing', async () => {
    exitCodes.live = 1;
    const asked: number[] = [];
    const cut: ProbeTarget = { ...target, engineAnswers: async (ms) => (asked.push(ms), false) };
    manager.ensure('k', task({ livenessProbe: probe('live') }), 'c1', cut);
    await clock.tickAsync(5000);
    expect(manager.view('k')!.restart).to.equal(undefined);
    expect(asked, 'asked at each second failure in a row, with at least 2 s to answer').to.deep.equal([2000, 2000, 2000]);
    expect(runsOf('live')).to.have.length(6);
  });

  it('counts failures afresh once the engine answers again: a restart needs failureThreshold more', async () => {
    exitCodes.live = 1;
    let answers = false;
    manager.ensure('k', task({ livenessProbe: probe('live') }), 'c1', { ...target, engineAnswers: async () => answers });
    await clock.tickAsync(1000);
    answers = true;
    await clock.tickAsync(1000);
    expect(manager.view('k')!.restart, 'one failure since the engine check').to.equal(undefined);
    await clock.tickAsync(1000);
    expect(manager.view('k')!.restart?.reason).to.equal('LivenessProbe');
  });

  it('restarts nothing when the probe passes again once the engine answers (a link that came back while it was asked)', async () => {
    let n = 0;
    exitCodes.live = () => (n++ < 2 ? 1 : 0);
    manager.ensure('k', task({ livenessProbe: probe('live') }), 'c1', { ...target, engineAnswers: async () => true });
    await clock.tickAsync(1000);
    expect(runsOf('live'), 'two failures, then the probe once more').to.have.length(3);
    expect(manager.view('k')!.restart).to.equal(undefined);
    await clock.tickAsync(5000);
    expect(manager.view('k')!.restart).to.equal(undefined);
  });

  it('restarts on a startup probe\'s failures when the engine answers', async () => {
    exitCodes.start = 1;
    manager.ensure('k', task({ startupProbe: probe('start') }), 'c1', { ...target, engineAnswers: async () => true });
    await clock.tickAsync(1000);
    expect(manager.view('k')!.restart?.reason).to.equal('StartupProbe');
  });

  it('stops probing a container it asked to restart', async () => {
    exitCodes.live = 1;
    manager.ensure('k', task({ livenessProbe: probe('live'), readinessProbe: probe('ready') }), 'c1', target);
    await clock.tickAsync(1000);
    const runs = calls.length;
    await clock.tickAsync(10_000);
    expect(calls.length).to.equal(runs);
  });

  it('a probe flapping faster than failureThreshold never asks for a restart', async () => {
    let n = 0;
    exitCodes.live = () => n++ % 2;
    manager.ensure('k', task({ livenessProbe: probe('live', { failureThreshold: 2 }) }), 'c1', target);
    await clock.tickAsync(10_000);
    expect(runsOf('live')).to.have.length(11);
    expect(manager.view('k')!.restart).to.equal(undefined);
  });

  it('the startup probe holds liveness off until it passes', async () => {
    exitCodes.start = 1;
    exitCodes.live = 1;
    manager.ensure('k', task({ startupProbe: probe('start', { failureThreshold: 100 }), livenessProbe: probe('live', { failureThreshold: 1 }) }), 'c1', target);
    await clock.tickAsync(5000);
    expect(manager.view('k')).to.include({ started: false });
    expect(runsOf('live'), 'liveness must not run yet').to.deep.equal([]);
    exitCodes.start = 0;
    await clock.tickAsync(1000);
    expect(manager.view('k')).to.include({ started: true });
    // Liveness starts on its own timer, due at once (the fake clock runs a 0 ms timer that was
    // set while it was ticking 1 ms later).
    await clock.tickAsync(1);
    expect(runsOf('live')).to.have.length(1);
    expect(manager.view('k')!.restart?.reason).to.equal('LivenessProbe');
  });

  it('stop() ends probing: no more probes run', async () => {
    manager.ensure('k', task({ livenessProbe: probe('live') }), 'c1', target);
    await clock.tickAsync(2000);
    manager.stop('k');
    const before = calls.length;
    await clock.tickAsync(10_000);
    expect(before).to.equal(3);
    expect(calls.length).to.equal(before);
    expect(manager.active).to.equal(0);
  });

  it('counts results by kind, type and outcome for metrics', async () => {
    const metrics = new CountingProbeMetrics();
    const m = new ProbeManager(() => undefined, metrics);
    exitCodes.live = 1;
    try {
      m.ensure('k', task({ readinessProbe: probe('ready'), livenessProbe: probe('live', { failureThreshold: 10 }) }), 'c1', target);
      await clock.tickAsync(2000);
      expect(metrics.counts.get('readiness/exec/success')).to.equal(3);
      expect(metrics.counts.get('liveness/exec/failure')).to.equal(3);
    } finally {
      m.stopAll();
    }
  });
});
