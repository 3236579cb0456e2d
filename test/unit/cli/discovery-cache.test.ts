import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { aggregatedDiscovery, apiGroupList, apiResourceList } from '../../../src/apiserver/discovery.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { AGGREGATED_ACCEPT, Discovery, type ApiResource } from '../../../src/cli/kube/discovery.js';
import { DISCOVERY_TTL_MS, DiscoveryCache, discoveryCacheDir, formatDiscoveryCache, identityHash, parseDiscoveryCache } from '../../../src/cli/kube/discovery-cache.js';
import type { Connection } from '../../../src/cli/kube/connection.js';

// The client's discovery: read in two requests (aggregated) with the same result as the legacy
// documents, and kept on disk between commands only while it is fresh and surely this server's.

const SERVER = 'https://127.0.0.1:6443';
const ID = identityHash('-----BEGIN CERTIFICATE----- ca');
const T0 = Date.parse('2026-12-01T12:00:00Z');
const tasks: ApiResource = { group: 'okube.dev', version: 'v1alpha1', plural: 'tasks', singular: 'task', kind: 'Task', namespaced: true, shortNames: ['tk'], verbs: ['get', 'list'] };

describe('cli: discovery cache file', () => {
  const text = formatDiscoveryCache(SERVER, ID, [tasks], T0);

  it('gives back the resources it was written with, for the same server, within the TTL', () => {
    expect(parseDiscoveryCache(text, SERVER, ID, T0 + DISCOVERY_TTL_MS - 1)).to.deep.equal([tasks]);
  });

  it('is stale once the TTL has passed', () => {
    expect(parseDiscoveryCache(text, SERVER, ID, T0 + DISCOVERY_TTL_MS)).to.equal(undefined);
  });

  it('is not trusted when written in the future (a clock set back)', () => {
    expect(parseDiscoveryCache(text, SERVER, ID, T0 - 1)).to.equal(undefined);
  });

  it('belongs to one server URL', () => {
    expect(parseDiscoveryCache(text, 'https://127.0.0.1:6444', ID, T0)).to.equal(undefined);
  });

  it('belongs to one CA: another cluster at the same URL does not use it', () => {
    expect(parseDiscoveryCache(text, SERVER, identityHash('another ca'), T0)).to.equal(undefined);
  });

  for (const [what, bad] of [
    ['truncated', text.slice(0, text.length / 2)],
    ['not JSON', 'garbage\u0000'],
    ['JSON null', 'null'],
    ['another format version', text.replace('"format":1', '"format":2')],
    ['a resource missing a field', text.replace('"kind":"Task",', '')],
    ['a resource with a wrong type', text.replace('"namespaced":true', '"namespaced":"yes"')],
    ['no resources', formatDiscoveryCache(SERVER, ID, [], T0)],
  ] as const) {
    it(`is ignored when ${what}`, () => {
      expect(parseDiscoveryCache(bad, SERVER, ID, T0)).to.equal(undefined);
    });
  }

  it("sits in kubectl's folder for the server, under $KUBECACHEDIR when set", () => {
    expect(discoveryCacheDir('https://127.0.0.1:6443', {}, '/home/u')).to.equal('/home/u/.kube/cache/discovery/127.0.0.1_6443');
    expect(discoveryCacheDir('https://api.example.com:6443/prefix', { KUBECACHEDIR: '/c' }, '/home/u')).to.equal('/c/discovery/api.example.com_6443/prefix');
  });
});

describe('cli: DiscoveryCache on disk', () => {
  let dir: string;
  let now: number;
  const cache = () => new DiscoveryCache(SERVER, 'ca', { KUBECACHEDIR: dir }, '/nonexistent', () => now);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'okube-discovery-cache-'));
    now = T0;
  });
  afterEach(() => {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back what it wrote, then nothing after invalidate', () => {
    cache().write([tasks]);
    expect(cache().read()).to.deep.equal([tasks]);
    cache().invalidate();
    expect(cache().read()).to.equal(undefined);
  });

  it('reads nothing before anything was written', () => {
    expect(cache().read()).to.equal(undefined);
  });

  it('ignores a corrupt file, and the next write replaces it', () => {
    const c = cache();
    mkdirSync(dirname(c.file), { recursive: true });
    writeFileSync(c.file, '{"format":1,"server":"https://127.0.0.1:6443","resou');
    expect(c.read()).to.equal(undefined);
    c.write([tasks]);
    expect(c.read()).to.deep.equal([tasks]);
  });

  it('expires with the TTL', () => {
    cache().write([tasks]);
    now += DISCOVERY_TTL_MS;
    expect(cache().read()).to.equal(undefined);
  });

  it('does not record the CA itself, only its hash', () => {
    const c = cache();
    c.write([tasks]);
    const text = readFileSync(c.file, 'utf8');
    expect(text).to.include(identityHash('ca'));
    expect(text).to.not.include('"ca"');
  });

  it('a folder it cannot write to costs the cache, not an exception', function () {
    if (process.getuid?.() === 0) this.skip(); // root writes anywhere
    chmodSync(dir, 0o500);
    expect(() => cache().write([tasks])).to.not.throw();
    expect(cache().read()).to.equal(undefined);
  });
});

describe('cli: discovery read from the server', () => {
  const def = { group: 'okube.dev', version: 'v1alpha1', kind: 'Task', listKind: 'TaskList', plural: 'tasks', singular: 'task', shortNames: ['tk'], categories: ['okube'], namespaced: true, hasStatus: true, printerColumns: [], schema: { type: 'object' } };
  const reg = new Registry([
    def,
    { ...def, version: 'v1alpha2', kind: 'Task', plural: 'tasks' },
    { ...def, group: 'example.com', version: 'v1', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', shortNames: [], categories: [], namespaced: false, hasStatus: false },
    { ...def, group: '', version: 'v1', kind: 'Namespace', listKind: 'NamespaceList', plural: 'namespaces', singular: 'namespace', shortNames: ['ns'], categories: [], namespaced: false },
  ]);

  /** A Connection answering from the registry's documents; `aggregated` false is a server without them. */
  function server(aggregated: boolean): { conn: Connection; paths: string[] } {
    const paths: string[] = [];
    const get = async (path: string, spec: { accept?: string } = {}) => {
      paths.push(path);
      const agg = aggregated && spec.accept === AGGREGATED_ACCEPT;
      if (path === '/api') return agg ? aggregatedDiscovery(reg, true, 'v2') : { kind: 'APIVersions', versions: ['v1'] };
      if (path === '/apis') return agg ? aggregatedDiscovery(reg, false, 'v2') : apiGroupList(reg);
      const [, , group, version] = path.startsWith('/api/') ? ['', '', '', path.split('/')[2]] : path.split('/');
      return apiResourceList(reg, group, version);
    };
    return { conn: { get } as unknown as Connection, paths };
  }

  it('takes two requests with aggregated discovery and finds what the legacy documents list', async () => {
    const agg = server(true);
    const legacy = server(false);
    const fromAgg = await Discovery.load(agg.conn);
    const fromLegacy = await Discovery.load(legacy.conn);
    expect(agg.paths).to.deep.equal(['/api', '/apis']);
    expect(legacy.paths.length).to.be.greaterThan(2);
    expect(fromAgg.resources).to.deep.equal(fromLegacy.resources);
    expect(fromAgg.resolve('tk')).to.include({ group: 'okube.dev', version: 'v1alpha1', namespaced: true });
    expect(fromAgg.resolve('widgets')).to.include({ group: 'example.com', namespaced: false, kind: 'Widget' });
  });
});
