import { expect } from 'chai';
import { MemoryStore } from '../../../src/storage/index.js';
import { eventually, raw, startTestServer, type TestServer } from './helpers.js';

// The API server's default ClusterRoles on a warm data directory: a start reconciles the roles
// an older okube wrote (adds the rules the current default grants), as kube-apiserver does, and
// leaves a role marked autoupdate "false" as the operator left it. The aggregated roles (view,
// edit, admin) are written with their members' rules whenever those change.

type Role = {
  metadata: { annotations?: Record<string, string>; resourceVersion?: string; managedFields?: Array<{ manager?: string }> };
  rules: Array<{ apiGroups?: string[]; resources?: string[]; verbs?: string[] }>;
};
const PATH = '/apis/rbac.authorization.k8s.io/v1/clusterroles';

describe('default ClusterRoles: reconciled on restart, aggregated as their members change', function () {
  this.timeout(60_000);
  let ts: TestServer;

  before(async () => {
    ts = await startTestServer(new MemoryStore());
  });

  after(async () => {
    await ts?.stop();
  });

  const get = async (name: string): Promise<Role> => {
    // Connection: close: no kept-alive socket of a server the restart closed is reused.
    const r = await raw(ts, 'GET', `${PATH}/${name}`, { headers: { Connection: 'close' } });
    expect(r.status, r.body).to.equal(200);
    return JSON.parse(r.body) as Role;
  };
  /** The role as an okube without ControllerRevisions wrote it, optionally frozen. */
  const makeOlder = async (name: string, annotations?: Record<string, string>) => {
    const role = await get(name);
    role.rules = role.rules.filter((x) => !x.resources?.includes('controllerrevisions'));
    if (annotations) role.metadata.annotations = { ...role.metadata.annotations, ...annotations };
    const r = await raw(ts, 'PUT', `${PATH}/${name}`, { body: JSON.stringify(role), headers: { 'Content-Type': 'application/json', Connection: 'close' } });
    expect(r.status, r.body).to.equal(200);
  };
  const grantsRevisions = async (name: string) => (await get(name)).rules.some((x) => x.resources?.includes('controllerrevisions'));

  it('a restart gives an older default role the rules it lacks', async () => {
    await makeOlder('system:aggregate-to-view');
    expect(await grantsRevisions('system:aggregate-to-view')).to.equal(false);
    // Not view: its rules follow its members', written by the aggregation controller.
    const untouched = ['system:basic-user', 'system:discovery', 'okube:aggregate-to-view'];
    const before = await Promise.all(untouched.map(async (n) => (await get(n)).metadata.resourceVersion));
    await ts.restart();
    expect(await grantsRevisions('system:aggregate-to-view')).to.equal(true);
    const after = await Promise.all(untouched.map(async (n) => (await get(n)).metadata.resourceVersion));
    expect(after, 'roles that already match their default are not written').to.deep.equal(before);
  });

  it('a restart leaves a default role marked autoupdate "false" alone', async () => {
    await makeOlder('system:aggregate-to-view', { 'rbac.authorization.kubernetes.io/autoupdate': 'false' });
    await ts.restart();
    expect(await grantsRevisions('system:aggregate-to-view')).to.equal(false);
  });

  const grants = (role: Role, group: string, resource: string, verb: string) =>
    role.rules.some((x) => x.apiGroups?.includes(group) && x.resources?.includes(resource) && x.verbs?.includes(verb));

  it('the aggregated roles view, edit and admin hold the rules of the roles they aggregate, as the aggregation controller writes them', async () => {
    await eventually(async () => grants(await get('admin'), 'okube.dev', 'tasks', 'list'));
    const [view, edit, admin] = [await get('view'), await get('edit'), await get('admin')];
    expect(grants(view, 'okube.dev', 'tasks', 'list')).to.equal(true);
    expect(grants(view, 'okube.dev', 'tasks', 'create'), 'view does not write').to.equal(false);
    expect(grants(edit, 'okube.dev', 'tasks', 'create')).to.equal(true);
    expect(grants(edit, 'okube.dev', 'tasks', 'list'), 'edit has what view has').to.equal(true);
    expect(grants(admin, 'okube.dev', 'tasks', 'create'), 'admin has what edit has').to.equal(true);
    expect(admin.metadata.managedFields?.map((m) => m.manager)).to.include('clusterrole-aggregation-controller');
    expect(new Set(view.rules.map((r) => JSON.stringify(r))).size, 'each rule once').to.equal(view.rules.length);
  });

  it('a ClusterRole labelled aggregate-to-view adds its rules to view, edit and admin, and takes them away when deleted', async () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list', 'watch'] }],
    };
    const created = await raw(ts, 'POST', PATH, { body: JSON.stringify(role), headers: { 'Content-Type': 'application/json' } });
    expect(created.status, created.body).to.equal(201);
    const all = async () => Promise.all(['view', 'edit', 'admin'].map(async (n) => grants(await get(n), 'example.com', 'widgets', 'list')));
    await eventually(async () => (await all()).every(Boolean));
    const deleted = await raw(ts, 'DELETE', `${PATH}/widgets-view`);
    expect(deleted.status, deleted.body).to.equal(200);
    await eventually(async () => (await all()).every((g) => !g));
  });

  it('setting an aggregationRule needs full authority: a user who may only write ClusterRoles is refused, whatever it selects', async () => {
    const asAdmin = { 'Content-Type': 'application/json' };
    const grant = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'role-writer' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['create', 'update', 'get'] }] };
    const bind = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'role-writer' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'role-writer' }, subjects: [{ kind: 'User', name: 'rw', apiGroup: 'rbac.authorization.k8s.io' }] };
    expect((await raw(ts, 'POST', PATH, { body: JSON.stringify(grant), headers: asAdmin })).status).to.equal(201);
    expect((await raw(ts, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { body: JSON.stringify(bind), headers: asAdmin })).status).to.equal(201);
    // It would gather cluster-admin's rules (cluster-admin carries the bootstrapping label).
    const greedy = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'greedy' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } }] }, rules: [] };
    const r = await raw(ts, 'POST', PATH, { body: JSON.stringify(greedy), headers: { ...asAdmin, 'Impersonate-User': 'rw' } });
    expect(r.status, r.body).to.equal(403);
    expect(JSON.parse(r.body).message).to.equal('clusterroles.rbac.authorization.k8s.io "greedy" is forbidden: must have cluster-admin privileges to use the aggregationRule');
    const plain = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'plain' }, rules: [] };
    expect((await raw(ts, 'POST', PATH, { body: JSON.stringify(plain), headers: { ...asAdmin, 'Impersonate-User': 'rw' } })).status, 'without one it may').to.equal(201);
  });
});
