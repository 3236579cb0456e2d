import { expect } from 'chai';
import { reconcileBootstrapClusterRole, type ClusterRoleLike } from '../../../../src/apiserver/auth/bootstrap-reconcile.js';
import { BOOTSTRAP_CLUSTER_ROLES, WITHDRAWN_RULES } from '../../../../src/apiserver/auth/bootstrap-policy.js';

// Reconciliation of the default ClusterRoles at start (auth/bootstrap-reconcile.ts), additive as
// kube-apiserver's: an older data directory's role gains the rules a newer default has.

const defaultRole = (name: string) => structuredClone(BOOTSTRAP_CLUSTER_ROLES.find((r) => r.metadata.name === name)) as unknown as ClusterRoleLike;

/** system:aggregate-to-view as an okube without ControllerRevisions wrote it. */
function olderView(): ClusterRoleLike {
  const r = defaultRole('system:aggregate-to-view');
  r.rules = r.rules!.filter((x) => !x.resources?.includes('controllerrevisions'));
  r.metadata.resourceVersion = '42';
  return r;
}

describe('bootstrap ClusterRole reconciliation', () => {
  it('adds the rules a newer default has to an older role, keeping its resourceVersion for the update', () => {
    const out = reconcileBootstrapClusterRole(olderView(), defaultRole('system:aggregate-to-view'))!;
    expect(out.rules).to.deep.include({ apiGroups: ['apps'], resources: ['controllerrevisions'], verbs: ['get', 'list', 'watch'] });
    expect(out.metadata.resourceVersion).to.equal('42');
  });

  it('leaves a role that already grants the default alone', () => {
    expect(reconcileBootstrapClusterRole(defaultRole('system:aggregate-to-view'), defaultRole('system:aggregate-to-view'))).to.equal(undefined);
  });

  it('keeps what an operator added, and never touches a role marked autoupdate "false"', () => {
    const extra = olderView();
    extra.rules = [...extra.rules!, { apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
    expect(reconcileBootstrapClusterRole(extra, defaultRole('system:aggregate-to-view'))!.rules).to.deep.include({ apiGroups: [''], resources: ['pods'], verbs: ['get'] });
    const frozen = olderView();
    frozen.metadata.annotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'false' };
    expect(reconcileBootstrapClusterRole(frozen, defaultRole('system:aggregate-to-view'))).to.equal(undefined);
  });

  it('takes a withdrawn default out of an older role (edit\'s EndpointSlice writes), and leaves an operator\'s narrower rule', () => {
    const older = defaultRole('system:aggregate-to-edit');
    const slices = { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'] };
    const own = { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['patch'] };
    older.rules = [...older.rules!, slices, own];
    const out = reconcileBootstrapClusterRole(older, defaultRole('system:aggregate-to-edit'), WITHDRAWN_RULES['system:aggregate-to-edit'])!;
    expect(out.rules).to.not.deep.include(slices);
    expect(out.rules).to.deep.include(own);
    expect(reconcileBootstrapClusterRole(defaultRole('system:aggregate-to-edit'), defaultRole('system:aggregate-to-edit'), WITHDRAWN_RULES['system:aggregate-to-edit'])).to.equal(undefined);
  });

  it('reconciles an aggregated role\'s selectors, not its rules (the aggregation controller fills those)', () => {
    const view = defaultRole('view');
    expect(view.aggregationRule, 'view is aggregated').to.not.equal(undefined);
    const older = { ...structuredClone(view), aggregationRule: { clusterRoleSelectors: [] }, rules: [{ apiGroups: ['x'], resources: ['y'], verbs: ['get'] }] };
    const out = reconcileBootstrapClusterRole(older, view)!;
    expect(out.aggregationRule).to.deep.equal(view.aggregationRule);
    expect(out.rules).to.deep.equal(older.rules);
  });
});
