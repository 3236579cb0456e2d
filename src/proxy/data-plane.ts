import { join } from 'node:path';
import { loggerFor } from '../util/logger.js';
import { errorMessage } from '../util/errors.js';
import { diffBackend } from './diff.js';
import { portFree } from '../util/free-port.js';
import { planDataPlane, withoutFrontends, type DataPlanePlan, type Frontend, type PlanOptions } from './plan.js';
import { backendName, frontendSignature, renderConfig, renderedListeners, type Listener } from './render.js';
import { runtimeApply, runtimeCommand } from './runtime-api.js';
import { parseBackendNames, parseServerSessions, parseServersState } from './runtime-state.js';
import { heldServerKeys, holdsStillNeeded, withHolds } from './holds.js';
import { HaproxySupervisor } from './supervisor.js';
import { commandVerb, proxyEndpointUpdates, proxyReloads, proxyRestarts } from '../metrics/proxy.js';
import type { EndpointSlice, Task, TaskService } from '../api/types.js';
import type { TrafficGate } from '../controllers/task/traffic-gate.js';

// The effect layer of the data plane: takes TaskServices + EndpointSlices (the sync's input),
// plans, and makes HAProxy match — a seamless reload only when the frontends changed, otherwise
// Runtime API commands from the diff of each backend's actual servers (`show servers state`)
// against the plan. Applies are serialised; one that could not finish (HAProxy down, a server
// with connections left that cannot be deleted yet) reports `pending` so the caller retries.
// It is also the Task reconciler's TrafficGate in standalone mode: beforeUnready drains a Task's
// servers at once and holds them down until the EndpointSlices catch up (holds.ts has the rule),
// then waits for the requests they still serve to be answered.

export interface DataPlaneOptions extends PlanOptions {
  /** Config dir (under okube's data dir). */
  dir: string;
  binary?: string;
  supervise?: boolean;
  /** After HAProxy was restarted (it died): the caller should apply again. */
  onRestart?: () => void;
}

export interface ApplyResult {
  plan: DataPlanePlan;
  /** Runtime API commands sent (for metrics and tests). */
  commands: string[];
  /** Something is left to do: apply again soon. */
  pending: boolean;
}

const log = loggerFor('proxy.data-plane');

/** How often, and how long at most, beforeUnready looks at a drained server's sessions (tcp connections may stay). */
const SESSION_POLL_MS = 5;
const SESSION_WAIT_MS = 2000;
/**
 * After a drained server's last session ends, how long before the gate lets Ready=False through:
 * HAProxy releases the server side as soon as the answer is in its buffers, and a client reads it
 * a little later (CI saw a client finish reading 3 ms after the write, of a request sent before
 * it). Within the gate's own 1 s bound.
 */
const SESSION_SETTLE_MS = 50;
/** At most this many plans per apply while automatic ports move past ports other processes hold. */
const MAX_REPLANS = 16;

export class DataPlane implements TrafficGate {
  readonly supervisor: HaproxySupervisor;
  private signature?: string;
  /** Binds HAProxy holds now (frontend id → address:port): those need no probe. */
  private bound = new Map<string, string>();
  private lastPlan: DataPlanePlan = { frontends: [], statuses: [] };
  private queue: Promise<unknown> = Promise.resolve();
  /** The last apply's input, for the gate's own applies. */
  private lastInput?: { services: TaskService[]; slices: EndpointSlice[] };
  /** The frontends the last restart of HAProxy was rendered with. */
  private restartedWith: Frontend[] = [];
  /** Task uids held down by the traffic gate (holds.ts). */
  private held = new Set<string>();

  constructor(private readonly opts: DataPlaneOptions) {
    this.supervisor = new HaproxySupervisor({
      dir: opts.dir,
      binary: opts.binary,
      supervise: opts.supervise,
      configSource: () => {
        this.restartedWith = this.lastPlan.frontends;
        return renderConfig(this.restartedWith, { dir: opts.dir });
      },
      onRestart: () => {
        // The new HAProxy listens as rendered for it, whatever an adopted one listened on.
        this.signature = frontendSignature(this.restartedWith);
        this.bound = new Map(this.restartedWith.map((f) => [f.id, bindOf(f)]));
        proxyRestarts.inc();
        opts.onRestart?.();
      },
    });
  }

  get configPath(): string {
    return join(this.opts.dir, 'haproxy.cfg');
  }

  /**
   * Starts HAProxy with no frontends (so a missing binary fails okube up at once), or adopts the
   * one a killed okube up left serving. Then what it serves is the config its worker confirmed,
   * checked against the backends the worker runs; the frontends of both config files whose
   * backend runs are its own ports, not another process's; and unless the two files agree and
   * every frontend runs, the first apply reloads (okube was killed between writing a config and
   * its reload, or an older okube wrote no confirmed one).
   */
  async start(): Promise<void> {
    const adopted = await this.supervisor.start(renderConfig([], { dir: this.opts.dir }));
    if (!adopted) {
      this.signature = frontendSignature([]);
      return;
    }
    const confirmed = renderedListeners(adopted.running ?? adopted.latest);
    const backends = parseBackendNames(await runtimeCommand(this.supervisor.socketPath, 'show backend').catch(() => ''));
    // Which of the two a worker runs is known only when they agree: each bind counts as its own
    // (the second under a key of its own), so neither is taken for another process's port.
    this.bound = new Map();
    for (const [suffix, ls] of [['', confirmed], ['\0latest', renderedListeners(adopted.latest)]] as const) {
      for (const l of ls) if (backends.has(backendName(l)) && this.bound.get(l.id) !== bindOf(l)) this.bound.set(l.id + suffix, bindOf(l));
    }
    const whole = adopted.running !== undefined && adopted.running === adopted.latest && confirmed.every((l) => backends.has(backendName(l))) && backends.size === confirmed.length;
    this.signature = whole ? frontendSignature(confirmed) : undefined;
    log.info({ frontends: confirmed.length, reload: !whole }, 'serving on with the adopted haproxy');
  }

  async stop(): Promise<void> {
    await this.supervisor.stop();
  }

  apply(services: TaskService[], slices: EndpointSlice[]): Promise<ApplyResult> {
    return this.serialised(() => this.applyNow(services, slices));
  }

  /**
   * TrafficGate: drains every server of the Task now (the state a not-ready endpoint gets), holds
   * it down until the slices say so too, and resolves once those servers have no session left.
   */
  async beforeUnready(task: Task): Promise<void> {
    const uid = task.metadata.uid;
    if (!uid) return;
    this.held.add(uid);
    if (!this.lastInput) return;
    await this.serialised(() => this.reapply());
    await this.sessionsDone(heldServerKeys(new Set([uid]), this.lastInput.slices));
  }

  /** TrafficGate: the Task is Ready again (or its Ready=False write failed): the slices govern again. */
  afterReady(task: Task): void {
    const uid = task.metadata.uid;
    if (!uid || !this.held.delete(uid)) return;
    void this.serialised(() => this.reapply()).catch((err) => log.warn({ err: errorMessage(err) }, 'apply after a hold ended failed'));
  }

  /** Applies the newest input again (the gate's changes to the holds). */
  private async reapply(): Promise<void> {
    if (this.lastInput) await this.applyNow(this.lastInput.services, this.lastInput.slices);
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Waits until the servers (`namespace/service/server`) serve no session; gives up when HAProxy does not answer. */
  private async sessionsDone(keys: Set<string>): Promise<void> {
    const backends = this.lastPlan.frontends
      .map((f) => ({ be: backendName(f), names: f.servers.filter((s) => keys.has(`${f.namespace}/${f.service}/${s.name}`)).map((s) => s.name) }))
      .filter((b) => b.names.length);
    const deadline = Date.now() + SESSION_WAIT_MS;
    for (const { be, names } of backends) {
      while (Date.now() < deadline) {
        const sessions = parseServerSessions(await runtimeCommand(this.supervisor.socketPath, `show stat ${be} 4 -1`, 1000));
        if (names.every((n) => !sessions.get(n))) break;
        await new Promise((r) => setTimeout(r, SESSION_POLL_MS));
      }
    }
    if (backends.length) await new Promise((r) => setTimeout(r, SESSION_SETTLE_MS));
  }

  private async applyNow(services: TaskService[], slices: EndpointSlice[]): Promise<ApplyResult> {
    this.lastInput = { services, slices };
    this.held = holdsStillNeeded(this.held, slices);
    // A port of the range another process holds (another okube up on this host, say) is skipped
    // by automatic ports: plan again without it until only explicit ports are left blocked.
    const unavailable = new Set<number>();
    let wanted = planDataPlane(services, slices, { ...this.opts, unavailable });
    let blocked = await this.blockedPorts(wanted.frontends);
    for (let i = 0; i < MAX_REPLANS; i++) {
      const fresh = wanted.frontends.filter((f) => blocked.has(f.id) && !unavailable.has(f.bindPort)).map((f) => f.bindPort);
      if (!fresh.length) break;
      for (const p of fresh) unavailable.add(p);
      wanted = planDataPlane(services, slices, { ...this.opts, unavailable });
      blocked = await this.blockedPorts(wanted.frontends);
    }
    const plan = withHolds(withoutFrontends(wanted, blocked), this.held, slices);
    this.lastPlan = plan;
    const commands: string[] = [];
    if (!this.supervisor.running) return { plan, commands, pending: true };
    const signature = frontendSignature(plan.frontends);
    if (signature !== this.signature) {
      await this.supervisor.reload(renderConfig(plan.frontends, { dir: this.opts.dir }));
      this.signature = signature;
      this.bound = new Map(plan.frontends.map((f) => [f.id, bindOf(f)]));
      proxyReloads.inc();
      log.info({ frontends: plan.frontends.length }, 'haproxy reloaded for new frontends');
    }
    let pending = false;
    const sock = this.supervisor.socketPath;
    for (const f of plan.frontends) {
      const be = backendName(f);
      try {
        const current = parseServersState(await runtimeCommand(sock, `show servers state ${be}`));
        for (const cmd of diffBackend(be, current, f.servers)) {
          try {
            await runtimeApply(sock, cmd);
            commands.push(cmd);
            proxyEndpointUpdates.inc({ verb: commandVerb(cmd), result: 'ok' });
          } catch (err) {
            pending = true;
            proxyEndpointUpdates.inc({ verb: commandVerb(cmd), result: 'error' });
            log.debug({ backend: be, err: errorMessage(err) }, 'runtime API command not applied; retrying later');
          }
        }
      } catch (err) {
        pending = true;
        log.warn({ backend: be, err: errorMessage(err) }, 'could not read backend servers');
      }
    }
    return { plan, commands, pending };
  }

  /** New frontends whose port something else holds: a reload with them would fail as a whole. */
  private async blockedPorts(frontends: Frontend[]): Promise<Map<string, string>> {
    const blocked = new Map<string, string>();
    for (const f of frontends) {
      if (this.bound.get(f.id) === bindOf(f)) continue;
      if ([...this.bound.values()].includes(bindOf(f))) continue; // moving between services: HAProxy holds it
      if (!(await portFree(f.bindAddress, f.bindPort))) blocked.set(f.id, `${bindOf(f)} is in use by another process on this host`);
    }
    return blocked;
  }
}

function bindOf(f: Listener): string {
  return `${f.bindAddress}:${f.bindPort}`;
}

