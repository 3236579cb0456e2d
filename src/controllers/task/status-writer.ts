import type { Task, TaskStatus } from '../../api/types.js';
import type { EventSink } from '../../client/events.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { recordTaskStatus } from '../../metrics/controllers.js';
import type { Logger } from '../../util/logger.js';
import type { PlanEvent } from './plan.js';
import { isReady, noTrafficGate, passGate, TRAFFIC_GATE_TIMEOUT_MS, writeGated, type TrafficGate } from './traffic-gate.js';

// The last step of a Task reconcile: the planned status reaches the API server, then its Events.
// Contract: status is written only when it changed, through the status subresource and guarded by
// the resourceVersion read (a stale read is a Conflict, retried by the queue); a write that turns
// the Task unready first passes the traffic gate (traffic-gate.ts), and one that leaves it Ready
// opens the gate again. Every status write of the Task controller goes through here, the failure
// reports of failures.ts too (gatedTasks), so none bypasses the gate.

export interface StatusWriterDeps {
  tasks: Pick<ResourceClient<Task>, 'replaceStatus'>;
  events: EventSink;
  /** Stops traffic to a Task before a status write turns it unready (standalone's data plane). */
  trafficGate?: TrafficGate;
  /** How long a write waits for the gate (default TRAFFIC_GATE_TIMEOUT_MS). */
  trafficGateTimeoutMs?: number;
  now: () => Date;
}

export class StatusWriter {
  constructor(private readonly deps: StatusWriterDeps) {}

  /** Writes status when it changed, then the Events; returns the Task as written (undefined: no write was needed). */
  async finish(key: string, task: Task, status: TaskStatus, events: readonly PlanEvent[], log: Logger): Promise<Task | undefined> {
    let written: Task | undefined;
    if (JSON.stringify(task.status ?? {}) !== JSON.stringify(status)) {
      written = await this.write(task, status, log);
      log.debug({ phase: status.phase, state: status.state }, 'status written');
    } else if (isReady(status)) {
      // Still Ready as stored (a gated stop that did not change the status): traffic may come back.
      this.gate().afterReady(task);
    }
    // After the write: a restart is counted once, when its status is stored.
    recordTaskStatus(key, task.status, status);
    for (const e of events) await this.deps.events.record(task, e.type, e.reason, e.message);
    return written;
  }

  /** Before a stop of a Task stored as Ready (a liveness kill, a replacement): no traffic to it before SIGTERM either. */
  async beforeStop(task: Task, log: Logger): Promise<void> {
    if (isReady(task.status)) await passGate(this.gate(), task, this.timeoutMs(), log);
  }

  /** The Task client for writers outside finish() (reportFailure): their status writes pass the gate too. */
  gatedTasks(task: Task, log: Logger): Pick<ResourceClient<Task>, 'replaceStatus'> {
    return { replaceStatus: (t: Task) => this.write(task, t.status ?? {}, log) };
  }

  /**
   * Replaces the Task's status; a write that turns Ready from True to False first waits (bounded)
   * for the traffic gate, and stamps the Ready transition at the time the gate let it through.
   * A write that leaves the Task Ready (or a gated write that failed) opens the gate again.
   */
  private write(task: Task, status: TaskStatus, log: Logger): Promise<Task> {
    return writeGated({
      gate: this.gate(),
      task,
      status,
      write: (s) => this.deps.tasks.replaceStatus({ ...task, status: s }),
      now: this.deps.now,
      timeoutMs: this.timeoutMs(),
      log,
    });
  }

  private gate(): TrafficGate {
    return this.deps.trafficGate ?? noTrafficGate;
  }

  private timeoutMs(): number {
    return this.deps.trafficGateTimeoutMs ?? TRAFFIC_GATE_TIMEOUT_MS;
  }
}
