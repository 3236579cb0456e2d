import type { Logger } from 'pino';
import { ApiError } from '../status.js';
import { deepEqual } from '../objects.js';
import type { RbacCache } from './rbac-cache.js';
import { aggregatedRules, type PolicyRule, type RoleObj } from './rbac.js';

// kube's clusterrole-aggregation controller, run by the API server: after every change of the RBAC
// objects, each ClusterRole with an aggregationRule whose stored rules differ from what its
// members give (rbac.ts aggregatedRules) is written with them, so `kubectl describe clusterrole
// view` shows what view grants. Writes carry the resourceVersion read: a Conflict means a newer
// version is on its way, and its change brings another pass (so do API server replicas writing
// the same rules at once). Passes are coalesced: one running, at most one queued.

const RETRY_MS = 2000;

export type RulesWriter = (role: RoleObj, rules: PolicyRule[]) => Promise<void>;

export class RoleAggregator {
  private unsubscribe?: () => void;
  private scheduled = false;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly rbac: RbacCache,
    private readonly write: RulesWriter,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.unsubscribe = this.rbac.onChange(() => this.schedule());
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.pass();
    });
  }

  private async pass(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      const snap = this.rbac.snapshot();
      for (const role of snap.clusterRoles.values()) {
        if (this.stopped) return;
        if (!role.aggregationRule?.clusterRoleSelectors?.length) continue;
        const rules = aggregatedRules(snap, role);
        if (deepEqual(rules, role.rules ?? [])) continue;
        try {
          await this.write(role, rules);
          this.log.info({ clusterRole: role.metadata.name, rules: rules.length }, 'aggregated ClusterRole rules written');
        } catch (err) {
          if (!(err instanceof ApiError && (err.reason === 'Conflict' || err.reason === 'NotFound'))) {
            // The authorizer reads the stored rules: a removal must not wait for an unrelated change.
            this.log.warn({ clusterRole: role.metadata.name, err }, 'aggregated ClusterRole rules not written; trying again');
            setTimeout(() => this.schedule(), RETRY_MS).unref();
          }
        }
      }
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }
}
