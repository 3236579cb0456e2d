import { join } from 'node:path';
import { loggerFor } from '../util/logger.js';
import { errorMessage } from '../util/errors.js';
import { diffBackend } from './diff.js';
import { createServer } from 'node:net';
import { planDataPlane, withoutFrontends, type DataPlanePlan, type Frontend, type PlanOptions } from './plan.js';
import { backendName, frontendSignature, renderConfig } from './render.js';
import { runtimeApply, runtimeCommand } from './runtime-api.js';
import { parseServersState } from './runtime-state.js';
import { HaproxySupervisor } from './supervisor.js';
import { commandVerb, proxyEndpointUpdates, proxyReloads, proxyRestarts } from '../metrics/proxy.js';
import type { EndpointSlice, TaskService } from '../api/types.js';

// The effect layer of the data plane: takes TaskServices + EndpointSlices (the sync's input),
// plans, and makes HAProxy match — a seamless reload only when the frontends changed, otherwise
// Runtime API commands from the diff of each backend's actual servers (`show servers state`)
// against the plan. Applies are serialised; one that could not finish (HAProxy down, a server
// with connections left that cannot be deleted yet) reports `pending` so the caller retries.

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

export class DataPlane {
  readonly supervisor: HaproxySupervisor;
  private signature?: string;
  /** Binds HAProxy holds now (frontend id → address:port): those need no probe. */
  private bound = new Map<string, string>();
  private lastPlan: DataPlanePlan = { frontends: [], statuses: [] };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: DataPlaneOptions) {
    this.supervisor = new HaproxySupervisor({
      dir: opts.dir,
      binary: opts.binary,
      supervise: opts.supervise,
      configSource: () => renderConfig(this.lastPlan.frontends, { dir: opts.dir }),
      onRestart: () => {
        proxyRestarts.inc();
        opts.onRestart?.();
      },
    });
  }

  get configPath(): string {
    return join(this.opts.dir, 'haproxy.cfg');
  }

  /** Starts HAProxy with no frontends (so a missing binary fails okube up at once). */
  async start(): Promise<void> {
    await this.supervisor.start(renderConfig([], { dir: this.opts.dir }));
    this.signature = frontendSignature([]);
  }

  async stop(): Promise<void> {
    await this.supervisor.stop();
  }

  apply(services: TaskService[], slices: EndpointSlice[]): Promise<ApplyResult> {
    const run = this.queue.then(() => this.applyNow(services, slices));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(services: TaskService[], slices: EndpointSlice[]): Promise<ApplyResult> {
    const wanted = planDataPlane(services, slices, this.opts);
    const plan = withoutFrontends(wanted, await this.blockedPorts(wanted.frontends));
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

function bindOf(f: Frontend): string {
  return `${f.bindAddress}:${f.bindPort}`;
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}
