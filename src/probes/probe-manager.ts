import type { Probe, ProbeStatus, PublishedPort, Task } from '../api/types.js';
import type { ExecResult } from '../runtime/runtime.js';
import { loggerFor } from '../util/logger.js';
import { execProbe } from './exec-probe.js';
import { httpProbe } from './http-probe.js';
import type { ProbeResult } from './result.js';
import { tcpProbe } from './tcp-probe.js';

// Probes with Kubernetes' semantics, run from the controller on timers — one unref'd timeout
// per probe, never a sleeping worker: the startup probe gates liveness and readiness; liveness
// (or startup) failing failureThreshold times in a row asks for a restart; readiness only sets
// Ready. Thresholds count consecutive results; a probe past timeoutSeconds is a failure.

export type ProbeKind = 'startup' | 'liveness' | 'readiness';
export type ProbeType = 'httpGet' | 'tcpSocket' | 'exec';

export interface ProbeMetrics {
  observe(kind: ProbeKind, type: ProbeType, result: 'success' | 'failure'): void;
}

/** Counts by kind/type/result, for tests and the metrics endpoint to read. */
export class CountingProbeMetrics implements ProbeMetrics {
  readonly counts = new Map<string, number>();
  observe(kind: ProbeKind, type: ProbeType, result: 'success' | 'failure'): void {
    const k = `${kind}/${type}/${result}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }
}

export interface ProbeTarget {
  /** Where the Node publishes ports (probes run outside the container). */
  address: string;
  /** The container's published ports. */
  ports: PublishedPort[];
  exec(command: string[], timeoutMs: number): Promise<ExecResult>;
  /**
   * Whether the Node's engine answers within `timeoutMs`. Asked before a liveness or startup
   * verdict restarts the container: probes run from the controllers, so a cut link to the Node fails
   * them as surely as a hung container, and only the second is the container's fault.
   */
  engineAnswers?(timeoutMs: number): Promise<boolean>;
}

export interface ProbeSnapshot {
  started: boolean;
  ready: boolean;
  restart?: { reason: string; message: string };
  probes: Partial<Record<ProbeKind, ProbeStatus>>;
}

interface ProbeState {
  kind: ProbeKind;
  probe: Probe;
  successes: number;
  failures: number;
  /** Last result shown in status: changes only when the result or message changes (streak counts
   *  stay here: in status they would rewrite the Task every period). */
  shown?: ProbeStatus;
  timer?: NodeJS.Timeout;
  inFlight: boolean;
}

interface TaskProbes {
  containerId: string;
  fingerprint: string;
  task: Task;
  target: ProbeTarget;
  states: ProbeState[];
  started: boolean;
  ready: boolean;
  restart?: { reason: string; message: string };
  stopped: boolean;
}

const log = loggerFor('probes');

/** The least time the engine gets to answer before a probe's restart verdict counts. */
const ENGINE_CHECK_MIN_MS = 2000;

export function probeType(p: Probe): ProbeType {
  return p.httpGet ? 'httpGet' : p.tcpSocket ? 'tcpSocket' : 'exec';
}

/** A probe's port (number or a declared port's name) → the host port it is published on. */
export function resolveHostPort(task: Task, port: number | string, published: PublishedPort[]): number | undefined {
  const containerPort = typeof port === 'number' ? port : /^\d+$/.test(port) ? Number(port) : task.spec.ports?.find((p) => p.name === port)?.containerPort;
  return published.find((p) => p.containerPort === containerPort)?.hostPort;
}

export class ProbeManager {
  private readonly tasks = new Map<string, TaskProbes>();

  constructor(
    private readonly onChange: (key: string) => void,
    private readonly metrics?: ProbeMetrics,
  ) {}

  /** Probes `containerId` of the Task, starting from `initial` when given; idempotent while the container and its probes stay the same. */
  ensure(key: string, task: Task, containerId: string, target: ProbeTarget, initial?: { started: boolean; ready: boolean }): void {
    const fingerprint = JSON.stringify([task.spec.startupProbe, task.spec.livenessProbe, task.spec.readinessProbe, target.address, target.ports]);
    const existing = this.tasks.get(key);
    if (existing && existing.containerId === containerId && existing.fingerprint === fingerprint) {
      existing.task = task;
      return;
    }
    this.stop(key);
    const states: ProbeState[] = [];
    for (const [kind, probe] of [['startup', task.spec.startupProbe], ['liveness', task.spec.livenessProbe], ['readiness', task.spec.readinessProbe]] as const) {
      if (probe) states.push({ kind, probe, successes: 0, failures: 0, inFlight: false });
    }
    // `initial`: the plan's word for a container probed before okube restarted (plan/running.ts);
    // otherwise not started until a startup probe passes, and without a readiness probe a
    // started container is ready.
    const started = initial?.started ?? !task.spec.startupProbe;
    const ready = initial?.ready ?? (task.spec.readinessProbe ? false : started);
    const tp: TaskProbes = { containerId, fingerprint, task, target, states, started, ready, stopped: false };
    this.tasks.set(key, tp);
    for (const s of states) if (s.kind === 'startup' ? !tp.started : tp.started) this.schedule(key, tp, s, (s.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(key: string): void {
    const tp = this.tasks.get(key);
    if (!tp) return;
    tp.stopped = true;
    for (const s of tp.states) clearTimeout(s.timer);
    this.tasks.delete(key);
  }

  stopAll(): void {
    for (const key of [...this.tasks.keys()]) this.stop(key);
  }

  view(key: string): ProbeSnapshot | undefined {
    const tp = this.tasks.get(key);
    if (!tp) return undefined;
    return {
      started: tp.started,
      ready: tp.ready,
      restart: tp.restart,
      probes: Object.fromEntries(tp.states.filter((s) => s.shown).map((s) => [s.kind, s.shown!])),
    };
  }

  /** Number of Tasks being probed (tests check that stopping releases them). */
  get active(): number {
    return this.tasks.size;
  }

  private schedule(key: string, tp: TaskProbes, s: ProbeState, delayMs: number): void {
    clearTimeout(s.timer);
    s.timer = setTimeout(() => void this.run(key, tp, s), delayMs);
    s.timer.unref();
  }

  private async execute(tp: TaskProbes, p: Probe): Promise<ProbeResult> {
    const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
    if (p.exec) return execProbe(tp.target.exec, p.exec.command, timeoutMs);
    const handler = p.httpGet ?? p.tcpSocket!;
    const port = resolveHostPort(tp.task, handler.port, tp.target.ports);
    if (port === undefined) return { result: 'Failure', message: `port ${handler.port} is not published on the node (declare it in spec.ports)` };
    // Only the Task's own Node address: admission refuses a host (the CRD's rule), and a Task
    // stored before that rule still cannot point the controllers elsewhere.
    const host = tp.target.address;
    if (p.httpGet) return httpProbe({ host, port, path: p.httpGet.path, scheme: p.httpGet.scheme, headers: p.httpGet.httpHeaders, timeoutMs });
    return tcpProbe({ host, port, timeoutMs });
  }

  private async run(key: string, tp: TaskProbes, s: ProbeState): Promise<void> {
    if (tp.stopped || s.inFlight) return;
    s.inFlight = true;
    const r = await this.execute(tp, s.probe);
    s.inFlight = false;
    if (tp.stopped) return;
    this.metrics?.observe(s.kind, probeType(s.probe), r.result === 'Success' ? 'success' : 'failure');
    if (r.result === 'Success') {
      s.successes++;
      s.failures = 0;
    } else {
      s.failures++;
      s.successes = 0;
    }
    let changed = false;
    if (!s.shown || s.shown.result !== r.result || s.shown.message !== r.message) {
      s.shown = { result: r.result, time: new Date().toISOString(), message: r.message };
      changed = true;
    }
    const success = s.probe.successThreshold ?? 1;
    const failure = s.probe.failureThreshold ?? 3;

    if (s.kind !== 'readiness' && s.failures >= failure && !(await this.failureIsTheContainers(key, tp, s))) {
      // The Node does not answer either: a restart would not help, and when the Node is back the
      // container is judged afresh. Readiness still says not ready: no traffic gets there either.
      if (tp.stopped) return;
      s.failures = 0;
      this.schedule(key, tp, s, (s.probe.periodSeconds ?? 10) * 1000);
      if (changed) this.onChange(key);
      return;
    }
    if (tp.stopped) return;

    if (s.kind === 'startup') {
      if (s.successes >= 1) {
        tp.started = true;
        if (!tp.task.spec.readinessProbe) tp.ready = true;
        changed = true;
        for (const other of tp.states) if (other.kind !== 'startup') this.schedule(key, tp, other, (other.probe.initialDelaySeconds ?? 0) * 1000);
        log.debug({ key }, 'startup probe passed');
        return void this.onChange(key); // the startup probe stops once it passed
      }
      if (s.failures >= failure) return this.requestRestart(key, tp, 'StartupProbe', `Startup probe failed: ${r.message}`);
    } else if (s.kind === 'liveness') {
      if (s.failures >= failure) return this.requestRestart(key, tp, 'LivenessProbe', `Liveness probe failed: ${r.message}`);
    } else {
      const ready = tp.ready ? s.failures < failure : s.successes >= success;
      if (ready !== tp.ready) {
        tp.ready = ready;
        changed = true;
      }
    }
    this.schedule(key, tp, s, (s.probe.periodSeconds ?? 10) * 1000);
    if (changed) this.onChange(key);
  }

  /**
   * Whether the failures are the container's (no check possible: yes): the Node's engine answers,
   * and the probe, made once more now that it does, still fails — a link that came back while the
   * engine was asked failed the earlier probes, not the container.
   */
  private async failureIsTheContainers(key: string, tp: TaskProbes, s: ProbeState): Promise<boolean> {
    if (!tp.target.engineAnswers) return true;
    if (!(await tp.target.engineAnswers(Math.max(ENGINE_CHECK_MIN_MS, (s.probe.timeoutSeconds ?? 1) * 1000)))) {
      log.warn({ key, probe: s.kind }, 'the probe fails, but the Node\'s engine does not answer either: not restarting the container on it');
      return false;
    }
    if (tp.stopped) return true;
    const again = await this.execute(tp, s.probe);
    if (again.result === 'Success') log.info({ key, probe: s.kind }, 'the probe passes again now that the Node\'s engine answers: not restarting the container');
    return again.result !== 'Success';
  }

  /** A restart verdict stops all probing of this container; a new container starts afresh. */
  private requestRestart(key: string, tp: TaskProbes, reason: string, message: string): void {
    tp.restart = { reason, message };
    tp.ready = false;
    for (const s of tp.states) clearTimeout(s.timer);
    log.info({ key, reason, message }, 'probe requests a restart');
    this.onChange(key);
  }
}
