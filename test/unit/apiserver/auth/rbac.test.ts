import { expect } from 'chai';
import { aggregatedRules, allowed, clusterRoleRules, covers, ruleAllows, uncovered, type Attributes } from '../../../../src/apiserver/auth/rbac.js';
import { buildSnapshot } from '../../../../src/apiserver/auth/rbac-cache.js';
import { BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES } from '../../../../src/apiserver/auth/bootstrap-policy.js';
import { parseTokenFile } from '../../../../src/apiserver/auth/token-file.js';
import { authenticatedUser } from '../../../../src/apiserver/auth/user.js';
import { isOkubeError } from '../../../../src/util/errors.js';

// Kubernetes RBAC evaluation, rule by rule.

const jane = authenticatedUser('jane', ['devs']);
const res = (verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({ user: jane, verb, resourceRequest: true, apiGroup: '', resource, subresource: '', namespace: 'a', name: '', path: '', ...extra });
const path = (verb: string, p: string): Attributes => ({ user: jane, verb, resourceRequest: false, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', path: p });

describe('RBAC rules', () => {
  it('match verbs, groups and resources, with * as a wildcard', () => {
    expect(ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }, res('get', 'secrets'))).to.equal(true);
    expect(ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }, res('list', 'secrets'))).to.equal(false);
    expect(ruleAllows({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, res('delete', 'tasks', { apiGroup: 'okube.dev' }))).to.equal(true);
    expect(ruleAllows({ verbs: ['get'], apiGroups: ['okube.dev'], resources: ['tasks'] }, res('get', 'tasks'))).to.equal(false);
  });

  it('need the subresource named (or */sub) for a subresource request', () => {
    const status = res('update', 'tasks', { apiGroup: 'okube.dev', subresource: 'status' });
    expect(ruleAllows({ verbs: ['update'], apiGroups: ['okube.dev'], resources: ['tasks'] }, status)).to.equal(false);
    expect(ruleAllows({ verbs: ['update'], apiGroups: ['okube.dev'], resources: ['tasks/status'] }, status)).to.equal(true);
    expect(ruleAllows({ verbs: ['update'], apiGroups: ['okube.dev'], resources: ['*/status'] }, status)).to.equal(true);
  });

  it('limit to resourceNames when given (so a list of the collection is not allowed)', () => {
    const rule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] };
    expect(ruleAllows(rule, res('get', 'secrets', { name: 's1' }))).to.equal(true);
    expect(ruleAllows(rule, res('get', 'secrets', { name: 's2' }))).to.equal(false);
    expect(ruleAllows(rule, res('list', 'secrets'))).to.equal(false);
  });

  it('match nonResourceURLs exactly or by a trailing * prefix', () => {
    expect(ruleAllows({ verbs: ['get'], nonResourceURLs: ['/healthz'] }, path('get', '/healthz'))).to.equal(true);
    expect(ruleAllows({ verbs: ['get'], nonResourceURLs: ['/apis/*'] }, path('get', '/apis/okube.dev'))).to.equal(true);
    expect(ruleAllows({ verbs: ['get'], nonResourceURLs: ['/healthz'] }, path('get', '/metrics'))).to.equal(false);
  });
});

describe('RBAC bindings and the default roles', () => {
  const binding = (kind: string, ns: string | undefined, role: string, subject: object) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: `b-${role}`, ...(ns ? { namespace: ns } : {}) }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [subject] });
  const snap = buildSnapshot([...BOOTSTRAP_CLUSTER_ROLES, ...BOOTSTRAP_CLUSTER_ROLE_BINDINGS, binding('RoleBinding', 'a', 'view', { kind: 'Group', name: 'devs' })]);

  it('grant a RoleBinding to a ClusterRole only in the binding namespace', () => {
    expect(allowed(snap, res('list', 'tasks', { apiGroup: 'okube.dev' }))).to.equal(true);
    expect(allowed(snap, res('list', 'tasks', { apiGroup: 'okube.dev', namespace: 'b' }))).to.equal(false);
  });

  it('build view, edit and admin by aggregation, okube kinds included, Secrets only from edit up', () => {
    const can = (role: string, verb: string, group: string, resource: string) => clusterRoleRules(snap, role).some((r) => ruleAllows(r, res(verb, resource, { apiGroup: group })));
    expect(can('view', 'get', 'okube.dev', 'tasks')).to.equal(true);
    expect(can('view', 'get', '', 'secrets')).to.equal(false);
    expect(can('edit', 'get', '', 'secrets')).to.equal(true);
    expect(can('edit', 'create', 'okube.dev', 'tasksets')).to.equal(true);
    expect(can('edit', 'create', 'rbac.authorization.k8s.io', 'rolebindings')).to.equal(false);
    expect(can('admin', 'create', 'rbac.authorization.k8s.io', 'rolebindings')).to.equal(true);
    expect(can('admin', 'get', 'okube.dev', 'tasks')).to.equal(true);
  });

  it('give every authenticated user discovery and the self reviews, and nothing else', () => {
    const nobody = authenticatedUser('nobody', []);
    expect(allowed(snap, { ...path('get', '/apis/okube.dev/v1alpha1'), user: nobody })).to.equal(true);
    expect(allowed(snap, { ...res('create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io', namespace: '' }), user: nobody })).to.equal(true);
    expect(allowed(snap, { ...path('get', '/metrics'), user: nobody })).to.equal(false);
  });
});

describe('ClusterRole aggregation', () => {
  const role = (name: string, rules: object[], labels: Record<string, string> = {}, aggregateFrom?: string) => ({
    kind: 'ClusterRole',
    metadata: { name, labels },
    rules,
    ...(aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregateFrom]: 'true' } }] } } : {}),
  });
  const r1 = { verbs: ['get'], apiGroups: ['a'], resources: ['x'] };
  const r2 = { verbs: ['list'], apiGroups: ['b'], resources: ['y'] };

  it('writes the stored rules of the members in name order, each distinct rule once, not the role\'s own', () => {
    const snap = buildSnapshot([role('agg', [{ verbs: ['*'], apiGroups: ['stale'], resources: ['z'] }], {}, 'to-agg'), role('m-b', [r2, r1], { 'to-agg': 'true' }), role('m-a', [r1], { 'to-agg': 'true' }), role('other', [{ verbs: ['delete'], resources: ['q'] }])]);
    expect(aggregatedRules(snap, snap.clusterRoles.get('agg')!)).to.deep.equal([r1, r2]);
  });

  it('takes a nested aggregated member\'s stored rules, so nested roles converge write by write', () => {
    const snap = buildSnapshot([role('outer', [], {}, 'to-outer'), role('inner', [r1], { 'to-outer': 'true' }, 'to-inner'), role('leaf', [r2], { 'to-inner': 'true' })]);
    expect(aggregatedRules(snap, snap.clusterRoles.get('outer')!), 'inner as stored').to.deep.equal([r1]);
    expect(clusterRoleRules(snap, 'outer'), 'authorizing does not wait for the writes').to.deep.equal([r1, r2]);
  });

  it('authorizes with each distinct rule of a written aggregated role once', () => {
    const snap = buildSnapshot([role('agg', [r1, r2], {}, 'to-agg'), role('m', [r1, r2], { 'to-agg': 'true' })]);
    expect(clusterRoleRules(snap, 'agg')).to.deep.equal([r1, r2]);
  });
});

describe('RBAC escalation check (covers)', () => {
  it('covers a subset and names what is missing, one permission at a time', () => {
    const owner = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets', 'configmaps'] }];
    expect(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }])).to.equal(true);
    expect(uncovered(owner, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['secrets'] }])).to.deep.equal([{ verbs: ['delete'], apiGroups: [''], resources: ['secrets'] }]);
  });

  it('does not let an owner with named resources grant the whole resource, nor a non-* grant *', () => {
    expect(covers([{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }])).to.equal(false);
    expect(covers([{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['*'] }])).to.equal(false);
    expect(covers([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['*'] }])).to.equal(true);
  });

  it('covers nonResourceURLs by prefix', () => {
    expect(covers([{ verbs: ['get'], nonResourceURLs: ['/apis/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/apis/okube.dev'] }])).to.equal(true);
    expect(covers([{ verbs: ['get'], nonResourceURLs: ['/apis/okube.dev'] }], [{ verbs: ['get'], nonResourceURLs: ['/apis/*'] }])).to.equal(false);
  });
});

describe('token auth file (kube-apiserver CSV)', () => {
  it('reads token,user,uid and the quoted groups, skipping comments and blank lines', () => {
    const users = parseTokenFile('# users\n\nt1,jane,u-1,"devs,ops"\nt2,bob,u-2\n');
    expect(users.get('t1')).to.deep.equal({ authenticated: true, name: 'jane', uid: 'u-1', groups: ['devs', 'ops', 'system:authenticated'] });
    expect(users.get('t2')!.groups).to.deep.equal(['system:authenticated']);
  });

  it('refuses short lines and duplicate tokens, naming the line', () => {
    for (const [text, msg] of [['t1,jane', /line 1: expected token,user,uid/], ['t1,a,1\nt1,b,2', /line 2: duplicate token/], ['t1,a,1,"x', /line 1/]] as const) {
      let err: unknown;
      try {
        parseTokenFile(text);
      } catch (e) {
        err = e;
      }
      expect(isOkubeError(err, 'ConfigError'), String(text)).to.equal(true);
      expect((err as Error).message).to.match(msg);
    }
  });
});
