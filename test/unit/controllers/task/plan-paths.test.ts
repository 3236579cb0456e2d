import { expect } from 'chai';
import { TASK_FINALIZER, type Task, type TaskSpec, type TaskStatus } from '../../../../src/api/types.js';
import { imagePullFailed, plan, type Plan, type PlanInput } from '../../../../src/controllers/task/plan.js';
import { REQUEST_LABELS, RESTART_ANNOTATION, RETRY_ANNOTATION } from '../../../../src/controllers/task/requests.js';
import type { ContainerInfo } from '../../../../src/runtime/runtime.js';
import { at, container, iso } from './fixtures.js';

// Every branch of the Task plan with the status, conditions, events and actions it produces
// (DESIGN.md "Task lifecycle", "Crash-loop backoff and health"): plain data in, plain data out.

const node = { name: 'n1', address: '127.0.0.2', ready: true };
const LONG_ID = '0123456789abcdef0123456789abcdef';

function task(spec: Partial<TaskSpec> = {}, status?: TaskStatus, meta: Partial<Task['metadata']> = {}): Task {
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: 't', namespace: 'ns', uid: 'uid-1', generation: 4, finalizers: [TASK_FINALIZER], ...meta },
    spec: { image: 'img', nodeName: 'n1', ...spec },
    status,
  };
}

const running = container;

const exited = (t: Task, over: Partial<ContainerInfo> & { restart?: number } = {}, labels: Record<string, string> = {}) =>
  running(t, { status: 'exited', running: false, exitCode: 1, startedAt: iso(0), finishedAt: iso(2), ...over }, labels);

const run = (input: Partial<PlanInput> & { task: Task }) => plan({ node, containers: [], now: at(3), ...input });
const cond = (p: Plan, type: string) => {
  const c = p.status.conditions?.find((x) => x.type === type);
  return c && { status: c.status, reason: c.reason, message: c.message };
};
const livenessSpec = { livenessProbe: { tcpSocket: { port: 1 } } };
const unhealthy = { started: true, ready: false, restart: { reason: 'LivenessProbe', message: 'dial tcp: connection refused' } };

describe('task plan: deletion and the finalizer', () => {
  it('announces the graceful stop of a running container with its short id and the grace period', () => {
    const t = task({ terminationGracePeriodSeconds: 7 }, undefined, { deletionTimestamp: iso(0) });
    const p = run({ task: t, containers: [running(t, { id: LONG_ID })] });
    expect(p.events).to.deep.equal([{ type: 'Normal', reason: 'Killing', message: 'Stopping container 0123456789ab (grace 7s)' }]);
  });

  it('removes an exited container of a deleted Task without stopping it', () => {
    const t = task({}, undefined, { deletionTimestamp: iso(0) });
    const p = run({ task: t, containers: [exited(t)] });
    expect(p.actions).to.deep.equal([{ kind: 'stopProbes' }, { kind: 'remove', id: 'c0' }, { kind: 'removeFinalizer' }]);
    expect(p.events).to.deep.equal([]);
  });

  it('does not try to remove a finalizer a deleted Task does not carry', () => {
    const t = task({}, undefined, { deletionTimestamp: iso(0), finalizers: undefined });
    expect(run({ task: t }).actions).to.deep.equal([{ kind: 'stopProbes' }]);
  });

  it('adds the finalizer to a Task that has no finalizers list at all, and looks again at once', () => {
    const p = run({ task: task({}, undefined, { finalizers: undefined }) });
    expect(p.actions).to.deep.equal([{ kind: 'addFinalizer' }]);
    expect(p.requeueAfterMs).to.equal(0);
  });
});

describe('task plan: binding', () => {
  it('waits for the scheduler with Scheduled=False Unschedulable and Ready=False NotScheduled', () => {
    const p = run({ task: task({ nodeName: undefined }), node: undefined });
    expect(cond(p, 'Scheduled')).to.deep.equal({ status: 'False', reason: 'Unschedulable', message: 'waiting for a Node' });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'NotScheduled', message: 'the Task has no Node yet' });
    expect(p.status.ready).to.equal(false);
  });

  it("keeps the scheduler's Unschedulable message on an unbound Task instead of writing its own", () => {
    const verdict = { type: 'Scheduled', status: 'False' as const, reason: 'Unschedulable', message: "0/1 nodes are available: 1 node(s) didn't allow the Task's hostPath volumes", lastTransitionTime: iso(1) };
    const p = run({ task: task({ nodeName: undefined }, { phase: 'Pending', conditions: [verdict] }), node: undefined });
    expect(cond(p, 'Scheduled')).to.deep.equal({ status: 'False', reason: 'Unschedulable', message: verdict.message });
  });

  it('reports NodeNotFound for a Task bound to a Node that does not exist', () => {
    const p = run({ task: task({ nodeName: 'ghost' }), node: undefined });
    expect(p.status.phase).to.equal('Pending');
    expect(cond(p, 'Scheduled')).to.deep.equal({ status: 'False', reason: 'NodeNotFound', message: 'node ghost does not exist' });
    expect(p.actions).to.deep.equal([]);
  });

  it('records the Node, its address and Scheduled=True once bound', () => {
    const p = run({ task: task() });
    expect(p.status).to.include({ nodeName: 'n1', hostIP: '127.0.0.2', observedGeneration: 4 });
    expect(cond(p, 'Scheduled')).to.deep.equal({ status: 'True', reason: 'Scheduled', message: 'assigned to node n1' });
  });
});

describe('task plan: finished Tasks', () => {
  it('stops a container still running for a Failed Task', () => {
    const t = task({}, { phase: 'Failed' });
    expect(run({ task: t, containers: [running(t)] }).actions).to.deep.equal([{ kind: 'stop', id: 'c0', graceSeconds: 30, reason: 'Finished' }]);
  });

  it('stops a container still running for a Succeeded Task but leaves an exited one alone', () => {
    const t = task({}, { phase: 'Succeeded' });
    const p = run({ task: t, containers: [running(t, { restart: 1 }), exited(t)] });
    expect(p.actions).to.deep.equal([{ kind: 'stop', id: 'c1', graceSeconds: 30, reason: 'Finished' }]);
  });

  it('does not look again at a finished Task without a TTL', () => {
    const p = run({ task: task({}, { phase: 'Succeeded', completionTime: iso(0) }), now: at(100) });
    expect(p.requeueAfterMs).to.equal(undefined);
    expect(p.actions).to.deep.equal([]);
  });

  it('does not start a TTL for a finished Task without a completionTime', () => {
    const p = run({ task: task({ ttlSecondsAfterFinished: 0 }, { phase: 'Failed' }), now: at(100) });
    expect(p.requeueAfterMs).to.equal(undefined);
    expect(p.actions).to.deep.equal([]);
  });

  it('looks again when the TTL of a Task that just finished runs out', () => {
    const t = task({ restartPolicy: 'Never', ttlSecondsAfterFinished: 10 }, { phase: 'Running' });
    expect(run({ task: t, containers: [exited(t, { exitCode: 0, finishedAt: iso(2) })], now: at(5) }).requeueAfterMs).to.equal(7000);
  });

  it('does not look again after a Task finished without a TTL', () => {
    const t = task({ restartPolicy: 'Never' }, { phase: 'Running' });
    expect(run({ task: t, containers: [exited(t, { exitCode: 0 })], now: at(5) }).requeueAfterMs).to.equal(undefined);
  });
});

describe('task plan: spec changes', () => {
  it('replaces a running container as the next restart number, with an event and not-ready conditions', () => {
    const old = task();
    const t = task({ image: 'img2' }, { phase: 'Running', ready: true, started: true, containerID: 'c2', ports: [{ containerPort: 80, hostPort: 30001, protocol: 'TCP' }], backoff: { restarts: 2, delaySeconds: 20 } });
    const p = run({ task: t, containers: [running(old, { restart: 2 })] });
    expect(p.actions).to.deep.equal([
      { kind: 'stopProbes' },
      { kind: 'stop', id: 'c2', graceSeconds: 30, reason: 'SpecChanged' },
      { kind: 'create', restartNumber: 3 },
    ]);
    expect(p.events).to.deep.equal([{ type: 'Normal', reason: 'Killing', message: 'Task spec changed, container will be replaced' }]);
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'ContainerCreating', message: 'replacing the container after a spec change' } });
    expect(p.status.ready).to.equal(false);
    expect(p.status.started).to.equal(false);
    expect(p.status).to.not.have.any.keys('containerID');
    expect(p.status.ports, 'kept: an allocated host port goes to the new container').to.deep.equal([{ containerPort: 80, hostPort: 30001, protocol: 'TCP' }]);
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'ContainerCreating', message: 'replacing the container' });
    expect(cond(p, 'BackOff')).to.deep.equal({ status: 'False', reason: 'SpecChanged', message: 'the container is being replaced' });
  });

  it('replaces an exited container of an old spec without stopping it, and keeps it for logs --previous', () => {
    const old = task();
    const t = task({ image: 'img2' });
    expect(run({ task: t, containers: [exited(old)] }).actions).to.deep.equal([{ kind: 'stopProbes' }, { kind: 'create', restartNumber: 1 }]);
  });

  it('removes the exit kept before the replaced container (two containers at most)', () => {
    const old = task();
    const t = task({ image: 'img2' });
    const p = run({ task: t, containers: [exited(old, { restart: 1 }), exited(old, { restart: 0 })] });
    expect(p.actions).to.deep.equal([{ kind: 'stopProbes' }, { kind: 'remove', id: 'c0' }, { kind: 'create', restartNumber: 2 }]);
  });

  it('removes a replaced container that never started (it has no output to keep)', () => {
    const old = task();
    const t = task({ image: 'img2' });
    const p = run({ task: t, containers: [exited(old, { status: 'created', startedAt: undefined, exitCode: undefined, finishedAt: undefined })] });
    expect(p.actions).to.deep.equal([{ kind: 'stopProbes' }, { kind: 'remove', id: 'c0' }, { kind: 'create', restartNumber: 1 }]);
  });

  it("records the replaced container's exit as the last state once the new one runs, not as a crash", () => {
    const old = task();
    const t = task({ image: 'img2' }, { phase: 'Running', restartCount: 2, state: { waiting: { reason: 'ContainerCreating' } } });
    const p = run({ task: t, containers: [running(t, { restart: 1, startedAt: iso(3) }), exited(old, { exitCode: 143, finishedAt: iso(2) })] });
    expect(p.status.lastState).to.deep.equal({ terminated: { exitCode: 143, reason: 'SpecChanged', message: 'replaced after a spec change', startedAt: iso(0), finishedAt: iso(2), containerID: 'c0' } });
    expect(p.status.restartCount).to.equal(2);
    expect(p.status.phase).to.equal('Running');
    expect(p.actions.map((a) => a.kind)).to.not.include('remove');
  });

  it("keeps a crash's last state when the crashed container is the one replaced", () => {
    const old = task();
    const crash = { terminated: { exitCode: 1, reason: 'Error', startedAt: iso(0), finishedAt: iso(2), containerID: 'c0' } };
    const t = task({ image: 'img2' }, { phase: 'Running', restartCount: 1, lastState: crash });
    const p = run({ task: t, containers: [running(t, { restart: 1, startedAt: iso(3) }), exited(old)] });
    expect(p.status.lastState).to.deep.equal(crash);
  });

  it('starts a replacement that was created but never started, instead of taking it for a crash-loop next container and making another', () => {
    const old = task();
    const t = task({ image: 'img2' }, { phase: 'Running', state: { waiting: { reason: 'ContainerCreating' } } });
    const p = run({ task: t, containers: [running(t, { restart: 1, status: 'created', running: false, startedAt: undefined }), exited(old)] });
    expect(p.actions).to.deep.equal([{ kind: 'start', id: 'c1' }]);
  });
});

describe('task plan: containers that are not running', () => {
  it('starts a container that was created but never started, without counting an exit', () => {
    const t = task({}, { phase: 'Scheduled' });
    const p = run({ task: t, containers: [running(t, { status: 'created', running: false, startedAt: undefined })] });
    expect(p.actions).to.deep.equal([{ kind: 'start', id: 'c0' }]);
    expect(p.status.restartCount).to.equal(0);
    expect(p.status.lastState).to.equal(undefined);
  });

  it('takes the later-created of two containers with the same restart number as the current one', () => {
    const t = task();
    const a = running(t, { id: 'older', createdAt: iso(1) });
    const b = running(t, { id: 'newer', createdAt: iso(2) });
    expect(run({ task: t, containers: [b, a] }).status.containerID).to.equal('newer');
    expect(run({ task: t, containers: [a, b] }).status.containerID).to.equal('newer');
  });

  it('takes a container with a creation time as newer than one without, at the same restart number', () => {
    const t = task();
    const a = running(t, { id: 'unknown' });
    const b = running(t, { id: 'known', createdAt: iso(1) });
    expect(run({ task: t, containers: [a, b] }).status.containerID).to.equal('known');
    expect(run({ task: t, containers: [b, a] }).status.containerID).to.equal('known');
  });

  it('removes exited containers older than the previous one without stopping them', () => {
    const t = task({}, { phase: 'Running' });
    const p = run({ task: t, containers: [running(t, { restart: 2 }), exited(t, { restart: 1 }), exited(t, { restart: 0 })] });
    expect(p.actions).to.deep.equal([{ kind: 'remove', id: 'c0' }]);
  });

  it('leaves status.probes unset when a Task without probes crashes', () => {
    const t = task({}, { phase: 'Running' });
    expect(run({ task: t, containers: [exited(t)] }).status.probes).to.equal(undefined);
  });

  it('records an OOM kill as OOMKilled and restarts through the backoff', () => {
    const t = task();
    const p = run({ task: t, containers: [exited(t, { exitCode: 137, oomKilled: true })] });
    expect(p.status.lastState?.terminated).to.include({ exitCode: 137, reason: 'OOMKilled' });
    expect(p.events).to.deep.equal([{ type: 'Warning', reason: 'BackOff', message: 'Back-off 10s restarting failed container (exit code 137, OOMKilled)' }]);
  });

  it('records a container Docker could not run as ContainerCannotRun with Docker’s message', () => {
    const t = task();
    const p = run({ task: t, containers: [exited(t, { exitCode: 127, error: 'exec: "nope": executable file not found' })] });
    expect(p.status.lastState?.terminated).to.include({ exitCode: 127, reason: 'ContainerCannotRun', message: 'exec: "nope": executable file not found' });
  });

  it('records a plain non-zero exit as Error with no message', () => {
    const t = task();
    const term = run({ task: t, containers: [exited(t)] }).status.lastState?.terminated;
    expect(term).to.deep.equal({ exitCode: 1, reason: 'Error', startedAt: iso(0), finishedAt: iso(2), containerID: 'c0' });
  });

  it('reads a missing exit code as 137 and a missing finish time as now', () => {
    const t = task();
    const p = run({ task: t, containers: [exited(t, { exitCode: undefined, finishedAt: undefined })], now: at(4) });
    expect(p.status.lastState?.terminated).to.include({ exitCode: 137, finishedAt: iso(4) });
  });

  it('describes the crash loop in the state, the conditions and the event', () => {
    const t = task();
    const p = run({ task: t, containers: [exited(t, { exitCode: 2 })] });
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container (exit code 2)' } });
    expect(cond(p, 'BackOff')).to.deep.equal({ status: 'True', reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container; next restart at ${iso(12)}` });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'CrashLoopBackOff', message: 'the container exited with code 2 (Error)' });
    expect(p.events).to.deep.equal([{ type: 'Warning', reason: 'BackOff', message: 'Back-off 10s restarting failed container (exit code 2, Error)' }]);
  });

  it('makes a crash-looping Task Running even when no reconcile saw its container running', () => {
    const t = task({}, { phase: 'Scheduled' });
    const p = run({ task: t, containers: [exited(t, { exitCode: 3 })] });
    expect(p.status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
    expect(p.status.phase).to.equal('Running');
  });

  it('stops the probes and marks the Task not ready when its container exits', () => {
    const t = task({}, { phase: 'Running', ready: true });
    const p = run({ task: t, containers: [exited(t)] });
    expect(p.actions).to.deep.equal([{ kind: 'stopProbes' }]);
    expect(p.status.ready).to.equal(false);
  });

  it('restarts at once when the exit is seen after its restart was already due', () => {
    const t = task({}, { phase: 'Running' });
    const p = run({ task: t, containers: [exited(t, { finishedAt: iso(2) })], now: at(100) });
    expect(p.actions).to.deep.equal([{ kind: 'stopProbes' }, { kind: 'create', restartNumber: 1 }]);
    expect(p.status.restartCount).to.equal(1);
    expect(p.status.phase).to.equal('Running');
  });

  it('keeps the CrashLoopBackOff reason while creating the restarted container', () => {
    const t = task({}, { phase: 'Running' });
    const p = run({ task: t, containers: [exited(t, { finishedAt: iso(2) })], now: at(100) });
    expect(p.status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'CrashLoopBackOff', message: 'the container is not running' });
    expect(p.status.ready).to.equal(false);
  });

  it('does not record again an exit that status already holds as the current state', () => {
    const t = task({}, { phase: 'Scheduled', restartCount: 2, state: { terminated: { exitCode: 1, reason: 'Error', containerID: 'c0' } } });
    const p = run({ task: t, containers: [exited(t)] });
    expect(p.status.restartCount).to.equal(2);
    expect(p.actions).to.deep.equal([{ kind: 'create', restartNumber: 1 }]);
  });

  it('records an exited container with its own exit code even while status still shows it running', () => {
    const t = task({}, { phase: 'Running', containerID: 'c0', state: { running: { startedAt: iso(0) } } });
    const term = run({ task: t, containers: [exited(t, { exitCode: 3 })] }).status.lastState?.terminated;
    expect(term).to.include({ exitCode: 3, reason: 'Error' });
    expect(term).to.not.have.property('message');
  });

  it('says which container was removed outside okube, by its short id', () => {
    const t = task({}, { phase: 'Running', containerID: LONG_ID, state: { running: { startedAt: iso(0) } } });
    const term = run({ task: t, now: at(30) }).status.lastState?.terminated;
    expect(term).to.include({ exitCode: 137, message: 'container 0123456789ab was removed outside okube', finishedAt: iso(30) });
  });

  it('creates a new container when a recorded exited container is gone', () => {
    const t = task({}, { phase: 'Running', restartCount: 2, state: { terminated: { exitCode: 1, reason: 'Error', containerID: 'c1' } } });
    const p = run({ task: t });
    expect(p.actions).to.deep.equal([{ kind: 'create', restartNumber: 2 }]);
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'ContainerCreating' } });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'ContainerCreating', message: 'the container is not running' });
  });

  it('moves a Pending Task to Scheduled when it creates the first container', () => {
    expect(run({ task: task({}, { phase: 'Pending' }) }).status.phase).to.equal('Scheduled');
    expect(run({ task: task() }).status.phase).to.equal('Scheduled');
  });
});

describe('task plan: images', () => {
  it('explains ErrImageNeverPull in the state, Ready and a Warning, and looks again in 30 s', () => {
    const p = run({ task: task({ image: 'app:1', imagePullPolicy: 'Never' }), imagePresent: false });
    const message = 'image app:1 is not present on node n1 and imagePullPolicy is Never';
    expect(p.status.phase).to.equal('Scheduled');
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'ErrImageNeverPull', message } });
    expect(p.status.ready).to.equal(false);
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'ErrImageNeverPull', message });
    expect(p.events).to.deep.equal([{ type: 'Warning', reason: 'ErrImageNeverPull', message }]);
    expect(p.requeueAfterMs).to.equal(30_000);
  });

  it('keeps a Running Task Running while its image cannot be pulled under imagePullPolicy Never', () => {
    const t = task({ imagePullPolicy: 'Never' }, { phase: 'Running', ready: true });
    expect(run({ task: t, imagePresent: false }).status.phase).to.equal('Running');
  });
});

describe('task plan: a running container', () => {
  it('reports the container’s start time as the running state and the first start as startTime', () => {
    const t = task({}, { startTime: iso(-100) });
    const p = run({ task: t, containers: [running(t, { startedAt: iso(1) })] });
    expect(p.status.state).to.deep.equal({ running: { startedAt: iso(1) } });
    expect(p.status.startTime).to.equal(iso(-100));
  });

  it('takes now as the start time when the runtime did not report one', () => {
    const t = task();
    const p = run({ task: t, containers: [running(t, { startedAt: undefined })], now: at(9) });
    expect(p.status.state).to.deep.equal({ running: { startedAt: iso(9) } });
    expect(p.status.startTime).to.equal(iso(9));
  });

  it('publishes the bound ports with the names from the spec', () => {
    const t = task({ ports: [{ containerPort: 80, name: 'http' }, { containerPort: 53, protocol: 'UDP' }] });
    const c = running(t, { ports: [{ containerPort: 80, hostPort: 31000, protocol: 'TCP', hostIP: '127.0.0.2' }, { containerPort: 53, hostPort: 31001, protocol: 'UDP' }] });
    expect(run({ task: t, containers: [c] }).status.ports).to.deep.equal([
      { containerPort: 80, hostPort: 31000, protocol: 'TCP', hostIP: '127.0.0.2', name: 'http' },
      { containerPort: 53, hostPort: 31001, protocol: 'UDP', hostIP: undefined, name: undefined },
    ]);
  });

  it('publishes ports the spec does not name, or does not declare at all, without a name', () => {
    const t = task({ ports: [{ containerPort: 80, name: 'http' }] });
    const bare = task();
    const binding = { containerPort: 9090, hostPort: 31002, protocol: 'TCP' as const };
    expect(run({ task: t, containers: [running(t, { ports: [binding] })] }).status.ports).to.deep.equal([{ ...binding, hostIP: undefined, name: undefined }]);
    expect(run({ task: bare, containers: [running(bare, { ports: [binding] })] }).status.ports).to.deep.equal([{ ...binding, hostIP: undefined, name: undefined }]);
  });

  it('drops a stale nextRestartAt once the container runs, keeping the backoff position', () => {
    const t = task({}, { phase: 'Running', backoff: { restarts: 2, delaySeconds: 20, nextRestartAt: iso(1) } });
    const p = run({ task: t, containers: [running(t)] });
    expect(p.status.backoff).to.deep.equal({ restarts: 2, delaySeconds: 20, nextRestartAt: undefined });
    expect(cond(p, 'BackOff')).to.deep.equal({ status: 'False', reason: 'Running', message: 'the container is running' });
  });

  it('is started and Ready with the reason Ready when no probes are declared', () => {
    const t = task();
    const p = run({ task: t, containers: [running(t)] });
    expect(p.status).to.include({ started: true, ready: true });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'True', reason: 'Ready', message: 'the container is running' });
    expect(p.actions).to.deep.equal([]);
  });

  it('is Ready with only a liveness probe before any probe result', () => {
    const t = task(livenessSpec);
    const p = run({ task: t, containers: [running(t)] });
    expect(p.status).to.include({ started: true, ready: true });
    expect(p.actions).to.deep.equal([{ kind: 'startProbes', containerId: 'c0', ports: [] }]);
  });

  it('says the readiness probe passes when it makes the Task Ready', () => {
    const t = task({ readinessProbe: { tcpSocket: { port: 80 } } });
    const p = run({ task: t, containers: [running(t)], probe: { started: true, ready: true } });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'True', reason: 'Ready', message: 'the readiness probe passes' });
  });

  it('says ReadinessProbeFailed when started but not ready', () => {
    const t = task({ readinessProbe: { tcpSocket: { port: 80 } } });
    const p = run({ task: t, containers: [running(t)], probe: { started: true, ready: false } });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'ReadinessProbeFailed', message: 'the readiness probe does not pass yet' });
  });

  it('says why the readiness probe fails in the Ready message, when the probe said', () => {
    const t = task({ readinessProbe: { httpGet: { port: 'http' } } });
    const readiness = { result: 'Failure' as const, time: iso(1), message: 'port http is not published on the node (declare it in spec.ports)' };
    const p = run({ task: t, containers: [running(t)], probe: { started: true, ready: false, probes: { readiness } } });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'ReadinessProbeFailed', message: 'the readiness probe does not pass yet: port http is not published on the node (declare it in spec.ports)' });
  });

  it('keeps the Ready=True the stored status gives its running container until the probes report (okube restarted), and sends them on', () => {
    const spec = { startupProbe: { tcpSocket: { port: 80 } }, readinessProbe: { tcpSocket: { port: 80 } } };
    const t = task(spec, { phase: 'Running', containerID: 'c0', state: { running: { startedAt: iso(0) } }, started: true, ready: true });
    const p = run({ task: t, containers: [running(t)] });
    expect(p.status).to.include({ started: true, ready: true });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'True', reason: 'Ready', message: 'the readiness probe passes' });
    expect(p.actions, 'the probes start from the same verdict').to.deep.equal([{ kind: 'startProbes', containerId: 'c0', ports: [], initial: { started: true, ready: true } }]);
  });

  it('does not carry a stored Ready=True over to a container that started again under the same id (docker restart)', () => {
    const t = task({ readinessProbe: { tcpSocket: { port: 80 } } }, { phase: 'Running', containerID: 'c0', state: { running: { startedAt: iso(0) } }, started: true, ready: true });
    const p = run({ task: t, containers: [running(t, { startedAt: iso(2) })] });
    expect(p.status).to.include({ started: true, ready: false });
    expect(p.actions).to.deep.equal([{ kind: 'startProbes', containerId: 'c0', ports: [] }]);
  });

  it('reads a carried-over verdict as the spec now is: without a readiness probe a started container is ready', () => {
    const t = task(livenessSpec, { phase: 'Running', containerID: 'c0', state: { running: { startedAt: iso(0) } }, started: true, ready: false });
    expect(run({ task: t, containers: [running(t)] }).status).to.include({ started: true, ready: true });
  });

  it('does not carry a stored Ready=True over to a container the status does not describe', () => {
    const t = task({ readinessProbe: { tcpSocket: { port: 80 } } }, { phase: 'Running', containerID: 'c-old', state: { running: { startedAt: iso(0) } }, started: true, ready: true });
    const p = run({ task: t, containers: [running(t)] });
    expect(p.status).to.include({ started: true, ready: false });
  });

  it('says StartupProbePending while the startup probe has not passed', () => {
    const t = task({ startupProbe: { tcpSocket: { port: 80 } } });
    const p = run({ task: t, containers: [running(t)] });
    expect(p.status).to.include({ started: false, ready: false });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'StartupProbePending', message: 'waiting for the startup probe' });
  });
});

describe('task plan: liveness kills', () => {
  it('stops the probes and the container, marks it unhealthy and says why', () => {
    const t = task(livenessSpec, { phase: 'Running', ready: true });
    const p = run({ task: t, containers: [running(t)], probe: unhealthy });
    expect(p.actions).to.deep.equal([
      { kind: 'startProbes', containerId: 'c0', ports: [] },
      { kind: 'stopProbes' },
      { kind: 'stop', id: 'c0', graceSeconds: 30, reason: 'Unhealthy' },
    ]);
    expect(p.events).to.deep.equal([
      { type: 'Warning', reason: 'Unhealthy', message: 'dial tcp: connection refused' },
      { type: 'Normal', reason: 'Killing', message: 'Container failed LivenessProbe, will be restarted' },
    ]);
    expect(p.status.probes).to.deep.include({ unhealthyContainerID: 'c0', unhealthyMessage: 'dial tcp: connection refused', probeRestarts: [iso(3)] });
    expect(p.status.ready).to.equal(false);
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'Unhealthy', message: 'dial tcp: connection refused' });
  });

  it('records the exit of the killed container as Unhealthy with the probe’s message', () => {
    const t = task(livenessSpec, { phase: 'Running', probes: { unhealthyContainerID: 'c0', unhealthyMessage: 'timeout' } });
    const term = run({ task: t, containers: [exited(t, { exitCode: 137 })] }).status.lastState?.terminated;
    expect(term).to.include({ reason: 'Unhealthy', message: 'timeout' });
  });

  it('clears unhealthyContainerID once the killed container’s exit is recorded', () => {
    const t = task(livenessSpec, { phase: 'Running', probes: { unhealthyContainerID: 'c0', unhealthyMessage: 'timeout', probeRestarts: [iso(1)] } });
    const p = run({ task: t, containers: [exited(t, { exitCode: 137 })] });
    expect(p.status.probes).to.deep.equal({ unhealthyContainerID: undefined, unhealthyMessage: undefined, probeRestarts: [iso(1)] });
  });

  it('does not call the exit of another container Unhealthy', () => {
    const t = task(livenessSpec, { phase: 'Running', probes: { unhealthyContainerID: 'c9', unhealthyMessage: 'timeout' } });
    expect(run({ task: t, containers: [exited(t)] }).status.lastState?.terminated?.reason).to.equal('Error');
  });

  it('fails a restartPolicy Never Task whose container a liveness kill stopped with exit 0', () => {
    const t = task({ ...livenessSpec, restartPolicy: 'Never' }, { phase: 'Running', probes: { unhealthyContainerID: 'c0', unhealthyMessage: 'timeout' } });
    const p = run({ task: t, containers: [exited(t, { exitCode: 0 })] });
    expect(p.status.phase).to.equal('Failed');
    expect(p.events).to.deep.equal([{ type: 'Warning', reason: 'Failed', message: 'Container exited with code 0 (Unhealthy); restartPolicy Never does not restart it' }]);
  });

  it('restarts a restartPolicy OnFailure Task whose container a liveness kill stopped with exit 0', () => {
    const t = task({ ...livenessSpec, restartPolicy: 'OnFailure' }, { phase: 'Running', probes: { unhealthyContainerID: 'c0', unhealthyMessage: 'timeout' } });
    const p = run({ task: t, containers: [exited(t, { exitCode: 0 })] });
    expect(p.status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
  });

  it('leaves the container running once the probe restart limit is hit, and says so with the default limit', () => {
    const recent = [0, 1, 2, 3, 4].map(iso);
    const t = task(livenessSpec, { phase: 'Running', probes: { probeRestarts: recent } });
    const p = run({ task: t, containers: [running(t)], probe: unhealthy, now: at(10) });
    const message = 'probe-triggered restarts limited to 5 in 300s; leaving the container running: dial tcp: connection refused';
    expect(cond(p, 'ProbeRestartLimited')).to.deep.equal({ status: 'True', reason: 'RestartRateLimited', message });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'ProbeRestartLimited', message });
    expect(p.requeueAfterMs).to.equal(30_000);
  });

  it('names the configured probe restart limit', () => {
    const t = task({ ...livenessSpec, probeRestartLimit: { maxRestarts: 1, windowSeconds: 60 } }, { phase: 'Running', probes: { probeRestarts: [iso(0)] } });
    const p = run({ task: t, containers: [running(t)], probe: unhealthy, now: at(10) });
    expect(cond(p, 'ProbeRestartLimited')?.message).to.match(/^probe-triggered restarts limited to 1 in 60s;/);
  });

  it('clears ProbeRestartLimited once the probes pass again', () => {
    const recent = [0, 1, 2, 3, 4].map(iso);
    const t = task(livenessSpec, { phase: 'Running', probes: { probeRestarts: recent } });
    const limited = run({ task: t, containers: [running(t)], probe: unhealthy, now: at(10) }).status;
    const p = run({ task: task(livenessSpec, limited), containers: [running(t)], probe: { started: true, ready: true }, now: at(20) });
    expect(p.status.conditions!.map((c) => c.type)).to.not.include('ProbeRestartLimited');
    expect(p.status.conditions!.map((c) => c.type)).to.include.members(['Scheduled', 'Ready', 'BackOff']);
  });
});

describe('task plan: the end of a run', () => {
  it('says a Succeeded Task has finished, in Ready, BackOff and a Completed event', () => {
    const t = task({ restartPolicy: 'Never' }, { phase: 'Running', backoff: { restarts: 1, delaySeconds: 10, nextRestartAt: iso(1) } });
    const p = run({ task: t, containers: [exited(t, { exitCode: 0 })] });
    expect(p.status.completionTime).to.equal(iso(2));
    expect(p.status.backoff).to.deep.equal({ restarts: 1, delaySeconds: 10, nextRestartAt: undefined });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'Succeeded', message: 'the container exited with code 0' });
    expect(cond(p, 'BackOff')).to.deep.equal({ status: 'False', reason: 'Succeeded', message: 'no restart: the Task has finished' });
    expect(p.events).to.deep.equal([{ type: 'Normal', reason: 'Completed', message: 'Container exited with code 0' }]);
  });

  it('fails a restartPolicy Never Task on a non-zero exit with a Warning naming the policy', () => {
    const t = task({ restartPolicy: 'Never' }, { phase: 'Running' });
    const p = run({ task: t, containers: [exited(t, { exitCode: 4 })] });
    expect(p.status.phase).to.equal('Failed');
    expect(p.status.backoff).to.equal(undefined);
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'Failed', message: 'the container exited with code 4' });
    expect(p.events).to.deep.equal([{ type: 'Warning', reason: 'Failed', message: 'Container exited with code 4 (Error); restartPolicy Never does not restart it' }]);
  });

  it('fails at the restart limit with RestartLimitExceeded in state, conditions and a Warning', () => {
    const spec = { backoff: { maxRestarts: 1, windowSeconds: 600 } };
    const t = task(spec, { phase: 'Running', restartCount: 1, backoff: { restarts: 1, delaySeconds: 10, recentRestarts: [iso(0)] } });
    const p = run({ task: t, containers: [exited(t, { exitCode: 5, restart: 1 })], now: at(3) });
    const msg = 'restarted 1 times within 600s; last exit code 5';
    expect(p.status.phase).to.equal('Failed');
    expect(p.status.completionTime).to.equal(iso(2));
    expect(p.status.state?.terminated).to.include({ reason: 'RestartLimitExceeded', message: msg, exitCode: 5 });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'RestartLimitExceeded', message: msg });
    expect(cond(p, 'BackOff')).to.deep.equal({ status: 'False', reason: 'RestartLimitExceeded', message: msg });
    expect(p.events).to.deep.equal([{ type: 'Warning', reason: 'RestartLimitExceeded', message: msg }]);
    expect(p.requeueAfterMs).to.equal(undefined);
  });

  it('asks for a reschedule at the restart limit when onLimit is Reschedule, without failing', () => {
    const spec = { backoff: { maxRestarts: 1, windowSeconds: 600, onLimit: 'Reschedule' as const } };
    const t = task(spec, { phase: 'Running', restartCount: 1, backoff: { restarts: 1, delaySeconds: 10, recentRestarts: [iso(0)] } });
    const p = run({ task: t, containers: [exited(t, { exitCode: 5, restart: 1 })], now: at(3) });
    const msg = 'restarted 1 times within 600s; last exit code 5';
    expect(p.actions).to.deep.equal([{ kind: 'stopProbes' }, { kind: 'reschedule' }]);
    expect(p.status.phase).to.equal('Running');
    expect(p.status.backoff).to.equal(undefined);
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'Rescheduling', message: msg } });
    expect(p.events).to.deep.equal([{ type: 'Warning', reason: 'RestartLimitExceeded', message: `${msg}; moving to another Node` }]);
  });
});

describe('task plan: a spec change, planned again once the old container stopped', () => {
  it('keeps the stopped container and makes the new one without a second Killing event', () => {
    const old = task();
    const t = task({ image: 'img2' }, { phase: 'Running', state: { waiting: { reason: 'ContainerCreating' } } });
    const p = run({ task: t, containers: [exited(old, { exitCode: 143 })] });
    expect(p.actions.map((a) => a.kind)).to.deep.equal(['stopProbes', 'create']);
    expect(p.events).to.deep.equal([]);
  });
});

describe('task plan: a spec change whose configuration does not resolve', () => {
  it('keeps saying CreateContainerConfigError while the old container stops, with no new event', () => {
    const old = task();
    const message = 'secret "db" not found (env PW)';
    const t = task({ image: 'img2' }, { phase: 'Running', state: { waiting: { reason: 'CreateContainerConfigError', message } } });
    const p = run({ task: t, containers: [running(old)], inFlight: [{ kind: 'stop', containerId: 'c0', graceSeconds: 30, reason: 'SpecChanged', since: iso(1) }], configError: message });
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'CreateContainerConfigError', message } });
    expect(p.events).to.deep.equal([]);
  });

  it('stops the old container, makes none yet and waits in CreateContainerConfigError', () => {
    const old = task();
    const t = task({ image: 'img2' }, { phase: 'Running', ready: true, started: true, containerID: 'c0' });
    const p = run({ task: t, containers: [running(old)], configError: 'secret "db" not found (env PW)' });
    expect(p.actions.map((a) => a.kind)).to.deep.equal(['stopProbes', 'stop']);
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'CreateContainerConfigError', message: 'secret "db" not found (env PW)' } });
    expect(p.events.map((e) => e.reason)).to.deep.equal(['Killing', 'Failed']);
  });
});

describe('task plan: restart and retry requests', () => {
  const restartAsked = (spec: Partial<TaskSpec>, status: TaskStatus) => task(spec, status, { annotations: { [RESTART_ANNOTATION]: iso(1) } });
  const retryAsked = (status: TaskStatus) => task({}, status, { annotations: { [RETRY_ANNOTATION]: iso(1) } });

  it('removes an older running duplicate on a restart request, stopping it first, and creates nothing before the current container has stopped', () => {
    const t = restartAsked({}, { phase: 'Running' });
    const p = run({ task: t, containers: [running(t, { restart: 2 }), running(t, { restart: 1 })] });
    expect(p.actions).to.deep.equal([
      { kind: 'stopProbes' },
      { kind: 'stop', id: 'c1', graceSeconds: 30, reason: 'Duplicate' },
      { kind: 'remove', id: 'c1' },
      { kind: 'stop', id: 'c2', graceSeconds: 30, reason: 'Restarted' },
    ]);
  });

  it('does not stop an exited container on a restart request', () => {
    const t = restartAsked({}, { phase: 'Running', state: { waiting: { reason: 'CrashLoopBackOff' } } });
    const p = run({ task: t, containers: [exited(t, { restart: 1 }), exited(t)] });
    expect(p.actions).to.deep.equal([{ kind: 'stopProbes' }, { kind: 'remove', id: 'c0' }, { kind: 'create', restartNumber: 2 }]);
  });

  it('keeps a Running Task Running and not ready while a restart request stops its container, with a Killing event', () => {
    const t = restartAsked({}, { phase: 'Running', ready: true, restartCount: 4, completionTime: undefined });
    const p = run({ task: t, containers: [running(t)] });
    const message = `restart requested (${RESTART_ANNOTATION}=${iso(1)}): stopping the container`;
    expect(p.status.phase).to.equal('Running');
    expect(p.status.ready).to.equal(false);
    expect(p.status.restartCount, 'counted with the new container, not before').to.equal(4);
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'Stopping', message });
    expect(p.events).to.deep.equal([{ type: 'Normal', reason: 'Killing', message: `Stopping container c0 (grace 30s): restart requested (${RESTART_ANNOTATION}=${iso(1)})` }]);
  });

  it('keeps a Running Task Running on a restart request once its container stopped, not ready, with a RestartRequested event', () => {
    const t = restartAsked({}, { phase: 'Running', ready: true, restartCount: 4, completionTime: undefined });
    const p = run({ task: t, containers: [exited(t, { exitCode: 143 })] });
    const message = `restart requested (${RESTART_ANNOTATION}=${iso(1)}): starting a new container now, backoff reset`;
    expect(p.status.phase).to.equal('Running');
    expect(p.status.ready).to.equal(false);
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'ContainerCreating', message } });
    expect(cond(p, 'BackOff')).to.deep.equal({ status: 'False', reason: 'RestartRequested', message });
    expect(cond(p, 'Ready')).to.deep.equal({ status: 'False', reason: 'ContainerCreating', message });
    expect(p.events).to.deep.equal([{ type: 'Normal', reason: 'RestartRequested', message: `R${message.slice(1)} (restart 5)` }]);
  });

  it('waits in CreateContainerConfigError, the request still pending, when the new container\'s Secret is gone', () => {
    const t = restartAsked({}, { phase: 'Running', ready: true, restartCount: 4, state: { running: { startedAt: iso(0) } } });
    const p = run({ task: t, containers: [exited(t, { exitCode: 143 })], configError: 'secret "db" not found (env PW)' });
    expect(p.actions.map((a) => a.kind)).to.not.include('create');
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'CreateContainerConfigError', message: 'secret "db" not found (env PW)' } });
    expect(p.status.restartCount, 'counted once a container carries the request').to.equal(4);
    expect(p.events).to.deep.equal([{ type: 'Warning', reason: 'Failed', message: 'Error: secret "db" not found (env PW)' }]);
    const resolved = run({ task: task({}, p.status, t.metadata), containers: [exited(t, { exitCode: 143 })] });
    expect(resolved.actions.map((a) => a.kind)).to.include('create');
    expect(resolved.status.restartCount).to.equal(5);
  });

  it('calls a retry a retry in the state, BackOff and the event', () => {
    const t = retryAsked({ phase: 'Running', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, backoff: { restarts: 2, delaySeconds: 20, nextRestartAt: iso(50) } });
    const p = run({ task: t, containers: [exited(t)] });
    const message = `retry requested (${RETRY_ANNOTATION}=${iso(1)}): starting a new container now, backoff reset`;
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'ContainerCreating', message } });
    expect(cond(p, 'BackOff')).to.deep.equal({ status: 'False', reason: 'RetryRequested', message });
    expect(p.events).to.deep.equal([{ type: 'Normal', reason: 'RetryRequested', message: `R${message.slice(1)} (restart 3)` }]);
  });

  it('runs a Failed Task again on a restart request: its leftover container stopped as Restarted, then Scheduled with no completionTime', () => {
    const t = restartAsked({}, { phase: 'Failed', completionTime: iso(0) });
    const stopping = run({ task: t, containers: [running(t)] });
    expect(stopping.actions).to.deep.include({ kind: 'stop', id: 'c0', graceSeconds: 30, reason: 'Restarted' });
    const p = run({ task: { ...t, status: stopping.status }, containers: [exited(t, { exitCode: 143 })] });
    expect(p.status.phase).to.equal('Scheduled');
    expect(p.status.completionTime).to.equal(undefined);
    expect(p.actions).to.deep.include({ kind: 'create', restartNumber: 1 });
  });

  it('records the container a restart replaced as lastState Restarted, naming the request', () => {
    const t = task({}, { phase: 'Running' }, { annotations: { [RESTART_ANNOTATION]: iso(1) } });
    const old = exited(t, { exitCode: 143, finishedAt: undefined });
    const now = running(t, { restart: 1 }, { [REQUEST_LABELS.restart]: iso(1) });
    const p = run({ task: t, containers: [now, old], now: at(5) });
    expect(p.status.lastState?.terminated).to.deep.equal({
      exitCode: 143,
      reason: 'Restarted',
      message: `restarted on request (${RESTART_ANNOTATION}=${iso(1)})`,
      startedAt: iso(0),
      finishedAt: iso(5),
      containerID: 'c0',
    });
  });

  it('does not take a created-but-never-started predecessor for the container a restart replaced', () => {
    const t = task({}, { phase: 'Running' }, { annotations: { [RESTART_ANNOTATION]: iso(1) } });
    const created = running(t, { status: 'created', running: false, startedAt: undefined });
    const now = running(t, { restart: 1 }, { [REQUEST_LABELS.restart]: iso(1) });
    expect(run({ task: t, containers: [now, created] }).status.lastState).to.equal(undefined);
  });
});

describe('task plan: failed image pulls', () => {
  it('reports the first failed pull as ErrImagePull and retries after the initial delay', () => {
    const { status, delayMs } = imagePullFailed(task({ image: 'app:1' }), 'manifest unknown', at(0));
    expect(delayMs).to.equal(10_000);
    expect(status.state).to.deep.equal({ waiting: { reason: 'ErrImagePull', message: 'manifest unknown' } });
    expect(status.backoff).to.deep.equal({ restarts: 1, delaySeconds: 10, nextRestartAt: iso(10) });
    expect(status.ready).to.equal(false);
    expect(status.observedGeneration).to.equal(4);
    const c = (type: string) => status.conditions!.find((x) => x.type === type);
    expect(c('BackOff')).to.include({ status: 'True', reason: 'ImagePullBackOff', message: `back-off 10s pulling image app:1; next attempt at ${iso(10)}`, observedGeneration: 4 });
    expect(c('Ready')).to.include({ status: 'False', reason: 'ErrImagePull', message: 'manifest unknown' });
  });

  it('counts a pull that fails after a retry from one, also when planned from a status still showing the wait the retry ended', () => {
    const first = imagePullFailed(task(), 'manifest unknown', at(0)).status;
    // The retry came at 1 s, after the wait began at 0 s; the new pull failed at 2 s.
    const t = task({}, first, { annotations: { [RETRY_ANNOTATION]: iso(1) } });
    const p = run({ task: t, now: at(2), pullFailure: 'manifest unknown' });
    expect(p.status.backoff).to.include({ restarts: 1, delaySeconds: 10, nextRestartAt: iso(12) });
    expect(p.status.state?.waiting?.reason).to.equal('ErrImagePull');
    const later = run({ task: task({}, p.status, { annotations: { [RETRY_ANNOTATION]: iso(1) } }), now: at(12), pullFailure: 'manifest unknown' });
    expect(later.status.backoff, 'the retry counted once').to.include({ restarts: 2 });
  });

  it('turns further failed pulls into ImagePullBackOff with a growing delay', () => {
    const first = imagePullFailed(task(), 'manifest unknown', at(0)).status;
    const second = imagePullFailed(task({}, first), 'manifest unknown', at(10));
    expect(second.status.state?.waiting?.reason).to.equal('ImagePullBackOff');
    expect(second.status.backoff).to.include({ restarts: 2, delaySeconds: 20, nextRestartAt: iso(30) });
    const third = imagePullFailed(task({}, second.status), 'manifest unknown', at(30));
    expect(third.status.backoff).to.include({ restarts: 3, delaySeconds: 40 });
    expect(third.status.state?.waiting?.reason).to.equal('ImagePullBackOff');
  });

  it('starts the pull delays over after a crash loop, keeping what else the backoff recorded', () => {
    const crashing: TaskStatus = { state: { waiting: { reason: 'CrashLoopBackOff' } }, backoff: { restarts: 4, delaySeconds: 80, lastExitCode: 1 } };
    const { status } = imagePullFailed(task({}, crashing), 'pull access denied', at(0));
    expect(status.state?.waiting?.reason).to.equal('ErrImagePull');
    expect(status.backoff).to.deep.equal({ restarts: 1, delaySeconds: 10, nextRestartAt: iso(10), lastExitCode: 1 });
  });

  it('reports ErrImagePull for a Task whose status shows a running or terminated container', () => {
    const run1 = imagePullFailed(task({}, { state: { running: { startedAt: iso(0) } } }), 'x', at(0)).status;
    const term = imagePullFailed(task({}, { state: { terminated: { exitCode: 1, reason: 'Error' } } }), 'x', at(0)).status;
    expect([run1.state?.waiting?.reason, term.state?.waiting?.reason]).to.deep.equal(['ErrImagePull', 'ErrImagePull']);
  });

  it('counts from one when a pulling Task has no backoff recorded', () => {
    const { status } = imagePullFailed(task({}, { state: { waiting: { reason: 'ImagePullBackOff' } } }), 'x', at(0));
    expect(status.backoff).to.deep.equal({ restarts: 1, delaySeconds: 10, nextRestartAt: iso(10) });
  });
});

describe('task plan: a spec change during a wait with no container', () => {
  // A pull of app:bad failed at generation 4 (now + 10 s is the next try); the user then fixed the image.
  const waiting = () => imagePullFailed(task({ image: 'app:bad' }), 'manifest unknown', at(0)).status;

  it('pulls the new image now instead of waiting out the old one\'s back-off', () => {
    const fixed = task({ image: 'app:good' }, waiting(), { generation: 5 });
    const p = run({ task: fixed, imagePresent: false });
    expect(p.actions).to.deep.include({ kind: 'pullImage' });
    expect(p.status.backoff).to.equal(undefined);
    expect(cond(p, 'BackOff')).to.include({ status: 'False', reason: 'SpecChanged' });
  });

  it('creates the container now when the new image is there', () => {
    const fixed = task({ image: 'app:good' }, waiting(), { generation: 5 });
    const p = run({ task: fixed, imagePresent: true });
    expect(p.actions.map((a) => a.kind)).to.include('create');
  });

  it('pulls again now on a retry asked for after the failure, and only once', () => {
    const asked = task({ image: 'app:bad' }, waiting(), { generation: 4, annotations: { [RETRY_ANNOTATION]: iso(1) } });
    const p = run({ task: asked, imagePresent: false });
    expect(p.actions).to.deep.include({ kind: 'pullImage' });
    expect(p.events.map((e) => e.reason)).to.include('RetryRequested');
    // The pull fails again at 3 s: a new wait, newer than the request, which is now spent.
    const again = imagePullFailed({ ...asked, status: p.status }, 'manifest unknown', at(3)).status;
    expect(run({ task: { ...asked, status: again }, imagePresent: false, now: at(4) }).actions).to.deep.equal([]);
  });

  it('ignores a retry asked for before the failure that began the wait', () => {
    const old = task({ image: 'app:bad' }, waiting(), { generation: 4, annotations: { [RETRY_ANNOTATION]: iso(-5) } });
    expect(run({ task: old, imagePresent: false }).actions).to.deep.equal([]);
  });

  it('keeps waiting when the spec did not change since the failure', () => {
    const same = task({ image: 'app:bad' }, waiting(), { generation: 4 });
    const p = run({ task: same, imagePresent: false });
    expect(p.actions).to.deep.equal([]);
    expect(p.status.backoff?.nextRestartAt).to.equal(iso(10));
  });
});

describe('task plan: restart count', () => {
  it('says 0 restarts for a Task that never restarted, as a Pod does', () => {
    const t = task({}, { phase: 'Scheduled' });
    expect(run({ task: t, containers: [] }).status.restartCount).to.equal(0);
  });
});
