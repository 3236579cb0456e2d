import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inClusterServer, loadKubeConfig } from '../../../src/client/kubeconfig.js';

// Where `okube controllers` finds the API when no flag says: $KUBECONFIG, then a Pod's service
// account. Plain files in a temp dir stand in for /var/run/secrets/kubernetes.io/serviceaccount.

describe('loadKubeConfig', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'okube-kc-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const serviceAccount = (token: string) => {
    writeFileSync(join(dir, 'token'), token);
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  };
  const authHeader = async (kc: ReturnType<typeof loadKubeConfig>) => {
    const opts: RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    return (opts.headers as Record<string, string> | undefined)?.Authorization;
  };

  it('uses the in-cluster service account when there is no kubeconfig', async () => {
    serviceAccount('sa-token');
    const kc = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: dir });
    expect(kc.getCurrentCluster()?.server).to.equal('https://10.96.0.1:443');
    expect(kc.getCurrentCluster()?.caFile).to.equal(join(dir, 'ca.crt'));
    expect(await authHeader(kc)).to.equal('Bearer sa-token');
  });

  it('brackets an IPv6 service host', () => {
    expect(inClusterServer({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' })).to.equal('https://[fd00::1]:443');
  });

  it('prefers $KUBECONFIG over the service account', () => {
    serviceAccount('sa-token');
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:7443' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`);
    const kc = loadKubeConfig({ env: { KUBECONFIG: file, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: dir });
    expect(kc.getCurrentCluster()?.server).to.equal('https://127.0.0.1:7443');
  });

  it('fails with a ConfigError outside a cluster instead of falling back to localhost:8080', () => {
    expect(() => loadKubeConfig({ env: {}, serviceAccountDir: dir })).to.throw(/not in a cluster/);
  });

  it('fails with a ConfigError when the service account is not mounted', () => {
    expect(() => loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: dir })).to.throw(/token is missing/);
  });
});
