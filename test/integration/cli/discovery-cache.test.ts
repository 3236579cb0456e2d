import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ResourceDef } from '../../../src/apiserver/schema/resource-def.js';
import { DiscoveryCache } from '../../../src/cli/kube/discovery-cache.js';
import { staticTarget } from '../../../src/cli/kube/kubeconfig-static.js';
import { startCluster, type ClusterApiOptions, type TestCluster } from '../../support/cluster.js';
import { okube, type CliResult } from '../../support/okube-cli.js';

// The okube client keeps the server's discovery on disk between commands, as kubectl does: a
// command with a fresh cache asks the server nothing but its own request, a kind the server
// gained since the cache was filled is still found (a miss reads discovery again), a resource the
// server dropped costs one error and the cache entry, and a corrupt cache file is ignored.
// `okube` runs as a user runs it (the compiled CLI, a subprocess) against a real API server and etcd.

const widgetDef: ResourceDef = {
  group: 'cachetest.example.com',
  version: 'v1',
  kind: 'Widget',
  listKind: 'WidgetList',
  plural: 'widgets',
  singular: 'widget',
  shortNames: ['wdg'],
  categories: [],
  namespaced: true,
  hasStatus: false,
  printerColumns: [],
  schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
};

describe('okube CLI discovery cache', function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  let cacheRoot: string;
  const apiOptions: ClusterApiOptions = {};
  /** Paths of the discovery requests the server has answered. */
  const discoveryRequests: string[] = [];
  apiOptions.observeRequest = (req: IncomingMessage) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/api' || path === '/api/v1' || /^\/apis(\/[^/]+){0,2}$/.test(path)) discoveryRequests.push(path);
  };
  const run = (args: string[]): Promise<CliResult> => okube(args, { kubeconfig: cluster.kubeconfigPath, env: { KUBECACHEDIR: cacheRoot } });
  const cache = () => new DiscoveryCache(cluster.api.url, staticTarget({ kubeconfig: cluster.kubeconfigPath })?.identity, { KUBECACHEDIR: cacheRoot });
  const cachedPlurals = () => (cache().read() ?? []).map((r) => r.plural);

  before(async () => {
    cluster = await startCluster(apiOptions);
  });
  after(async () => {
    await cluster?.stop();
  });
  beforeEach(() => {
    cacheRoot = mkdtempSync(join(tmpdir(), 'okube-kubecache-'));
    discoveryRequests.length = 0;
  });
  afterEach(() => rmSync(cacheRoot, { recursive: true, force: true }));

  it('the first command fills the cache; the next one sends no discovery request', async () => {
    const first = await run(['get', 'tasks']);
    expect(first.code, first.stderr).to.equal(0);
    expect(discoveryRequests, 'first command').to.not.deep.equal([]);
    expect(cachedPlurals()).to.include.members(['tasks', 'nodes', 'namespaces']);
    discoveryRequests.length = 0;
    const second = await run(['get', 'tk']);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stderr).to.equal(first.stderr);
    expect(discoveryRequests, 'second command').to.deep.equal([]);
  });

  it('a kind the server gained after the cache was filled is found, and the cache then lists it', async () => {
    expect((await run(['get', 'tasks'])).code).to.equal(0);
    expect(cachedPlurals()).to.not.include('widgets');
    apiOptions.extraDefs = [widgetDef];
    await cluster.restartApi();
    try {
      const r = await run(['get', 'wdg']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal('No resources found in default namespace.\n');
      expect(cachedPlurals()).to.include('widgets');
    } finally {
      delete apiOptions.extraDefs;
      await cluster.restartApi();
    }
  });

  it("a cached resource the server no longer serves: the server's error once, then the cache is read again", async () => {
    apiOptions.extraDefs = [widgetDef];
    await cluster.restartApi();
    try {
      expect((await run(['get', 'widgets'])).code).to.equal(0);
      expect(cachedPlurals()).to.include('widgets');
    } finally {
      delete apiOptions.extraDefs;
      await cluster.restartApi();
    }
    const gone = await run(['get', 'widgets']);
    expect(gone.code).to.equal(1);
    expect(gone.stderr).to.equal('Error from server (NotFound): the server could not find the requested resource\n');
    expect(existsSync(cache().file), 'cache file after the 404').to.equal(false);
    const again = await run(['get', 'widgets']);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.equal('error: the server doesn\'t have a resource type "widgets"\n');
  });

  it('a corrupt cache file is ignored and replaced', async () => {
    const file = cache().file;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{"format":1,"server":"' + cluster.api.url + '","resources":[{"plural":');
    const r = await run(['get', 'tasks']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('No resources found in default namespace.\n');
    expect(() => JSON.parse(readFileSync(file, 'utf8'))).to.not.throw();
    expect(cachedPlurals()).to.include('tasks');
  });
});
