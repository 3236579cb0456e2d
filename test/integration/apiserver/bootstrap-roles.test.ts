import { expect } from 'chai';
import { MemoryStore } from '../../../src/storage/index.js';
import { raw, startTestServer, type TestServer } from './helpers.js';

// The API server's default ClusterRoles on a warm data directory: a start reconciles the roles
// an older okube wrote (adds the rules the current default grants), as kube-apiserver does, and
// leaves a role marked autoupdate "false" as the operator left it.

type Role = { metadata: { annotations?: Record<string, string>; resourceVersion?: string }; rules: Array<{ resources?: string[] }> };
const PATH = '/apis/rbac.authorization.k8s.io/v1/clusterroles';

describe('default ClusterRoles on restart', function () {
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
    const untouched = ['view', 'system:discovery', 'okube:aggregate-to-view'];
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
});
