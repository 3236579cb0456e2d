import type { PolicyRule } from './rbac.js';
import { uncovered } from './rbac.js';

// kube-apiserver's reconciliation of its bootstrap ClusterRoles on every start
// (pkg/registry/rbac/reconciliation, additive only): a role that exists and is not marked
// `rbac.authorization.kubernetes.io/autoupdate: "false"` gets the labels, annotations, rules and
// aggregation selectors of the current default that it lacks, so a data directory from an older
// okube gains new permissions (e.g. controllerrevisions in system:aggregate-to-view). Nothing is
// removed but a withdrawn default (bootstrap-policy.ts WITHDRAWN_RULES, matched exactly): what an
// operator added stays; one who wants a role left alone sets autoupdate "false".
// An aggregated role's rules are the aggregation controller's, so only its selectors are reconciled.

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';

type Selector = { matchLabels?: Record<string, string> };

export interface ClusterRoleLike {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string };
  rules?: PolicyRule[] | null;
  aggregationRule?: { clusterRoleSelectors?: Selector[] } | null;
  [k: string]: unknown;
}

const sameSelector = (a: Selector, b: Selector) => JSON.stringify(Object.entries(a.matchLabels ?? {}).sort()) === JSON.stringify(Object.entries(b.matchLabels ?? {}).sort());

const sortedJson = (v: string[] | undefined) => JSON.stringify([...(v ?? [])].sort());
const sameRule = (a: PolicyRule, b: PolicyRule) =>
  (['apiGroups', 'resources', 'verbs', 'resourceNames', 'nonResourceURLs'] as const).every((k) => sortedJson(a[k]) === sortedJson(b[k]));

/** The existing role with what the default adds, or undefined when it needs nothing (or is not to be touched). */
export function reconcileBootstrapClusterRole(existing: ClusterRoleLike, expected: ClusterRoleLike, withdrawn: PolicyRule[] = []): ClusterRoleLike | undefined {
  if (existing.metadata.annotations?.[AUTOUPDATE] === 'false') return undefined;
  const out = structuredClone(existing);
  let changed = false;
  for (const field of ['labels', 'annotations'] as const) {
    for (const [k, v] of Object.entries(expected.metadata[field] ?? {})) {
      if (out.metadata[field]?.[k] !== undefined) continue;
      out.metadata[field] = { ...out.metadata[field], [k]: v };
      changed = true;
    }
  }
  const wanted = expected.aggregationRule?.clusterRoleSelectors;
  if (wanted) {
    const have = out.aggregationRule?.clusterRoleSelectors ?? [];
    const missing = wanted.filter((w) => !have.some((h) => sameSelector(h, w)));
    if (missing.length || !out.aggregationRule) {
      out.aggregationRule = { ...out.aggregationRule, clusterRoleSelectors: [...have, ...structuredClone(missing)] };
      changed = true;
    }
  } else {
    const kept = (out.rules ?? []).filter((r) => !withdrawn.some((w) => sameRule(r, w)));
    if (kept.length !== (out.rules ?? []).length) {
      out.rules = kept;
      changed = true;
    }
    const missing = uncovered(out.rules ?? [], expected.rules ?? []);
    if (missing.length) {
      // The whole default rules whose permissions are missing, not their single-verb pieces, so the role reads as the default does.
      const rules = (expected.rules ?? []).filter((r) => uncovered(out.rules ?? [], [r]).length);
      out.rules = [...(out.rules ?? []), ...structuredClone(rules)];
      changed = true;
    }
  }
  return changed ? out : undefined;
}
