import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { staticTarget } from '../../../src/cli/kube/kubeconfig-static.js';

// The client commands read common kubeconfigs without client-node; what they make of one must be
// what client-node makes of it (server, namespace, CA, client certificate, token, TLS checks),
// and anything else must be left to client-node (undefined).

const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>, context: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }, { name: 'other', cluster: { server: 'https://10.0.0.1:6443' } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'main', context: { cluster: 'c', user: 'u', ...context } }, { name: 'second', context: { cluster: 'other', user: 'u', namespace: 'two' } }],
    'current-context': 'main',
  });
}

/** The TLS and auth request options client-node sets for the file's current (or given) context. */
async function clientNodeOptions(file: string, context?: string): Promise<RequestOptions & { server: string; namespace?: string }> {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  if (context) kc.setCurrentContext(context);
  const opts: RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  return { ...opts, server: kc.getCurrentCluster()!.server, namespace: kc.getContextObject(kc.getCurrentContext())?.namespace };
}

async function staticOptions(file: string, context?: string): Promise<RequestOptions & { server: string; namespace?: string }> {
  const target = staticTarget({ kubeconfig: file, context }, {}, '/nonexistent');
  expect(target, 'read without client-node').to.not.equal(undefined);
  const opts: RequestOptions = { headers: {} };
  await target!.apply(opts);
  return { ...opts, server: target!.server, namespace: target!.namespace };
}

const pick = (o: RequestOptions & { server: string; namespace?: string }) => ({
  server: o.server.replace(/\/$/, ''),
  namespace: o.namespace,
  ca: o.ca?.toString(),
  cert: o.cert?.toString(),
  key: o.key?.toString(),
  rejectUnauthorized: o.rejectUnauthorized,
  servername: o.servername,
  authorization: (o.headers as Record<string, string>).Authorization,
});

describe('kubeconfig without client-node', () => {
  let dir: string;
  let n = 0;
  const write = (text: string) => {
    const file = join(dir, `config-${n++}`);
    writeFileSync(file, text);
    return file;
  };
  before(() => (dir = mkdtempSync(join(tmpdir(), 'okube-kubeconfig-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a token, inline CA and namespace as client-node does', async () => {
    const file = write(kubeconfig({ 'certificate-authority-data': b64('CA PEM') }, { token: 'secret-token' }, { namespace: 'ns1' }));
    expect(pick(await staticOptions(file))).to.deep.equal(pick(await clientNodeOptions(file)));
    expect(pick(await staticOptions(file))).to.include({ authorization: 'Bearer secret-token', ca: 'CA PEM', namespace: 'ns1' });
  });

  it('reads CA and client certificate files relative to the kubeconfig, as client-node does', async () => {
    writeFileSync(join(dir, 'ca.crt'), 'CA FILE');
    writeFileSync(join(dir, 'client.crt'), 'CERT FILE');
    writeFileSync(join(dir, 'client.key'), 'KEY FILE');
    const file = write(kubeconfig({ 'certificate-authority': 'ca.crt', 'tls-server-name': 'api.local' }, { 'client-certificate': 'client.crt', 'client-key': 'client.key' }));
    expect(pick(await staticOptions(file))).to.deep.equal(pick(await clientNodeOptions(file)));
    expect(pick(await staticOptions(file))).to.include({ ca: 'CA FILE', cert: 'CERT FILE', key: 'KEY FILE', servername: 'api.local' });
  });

  it('turns TLS verification off only when insecure-skip-tls-verify is set, as client-node does', async () => {
    const file = write(kubeconfig({ 'insecure-skip-tls-verify': true }, { 'client-certificate-data': b64('C'), 'client-key-data': b64('K') }));
    expect(pick(await staticOptions(file))).to.deep.equal(pick(await clientNodeOptions(file)));
    expect((await staticOptions(file)).rejectUnauthorized).to.equal(false);
  });

  it('follows --context to another cluster and its namespace', async () => {
    const file = write(kubeconfig({}, { token: 't' }));
    expect(pick(await staticOptions(file, 'second'))).to.deep.equal(pick(await clientNodeOptions(file, 'second')));
    expect((await staticOptions(file, 'second')).namespace).to.equal('two');
  });

  it('leaves to client-node what it does not read: plugins, basic auth, proxies, unknown contexts, broken files, several files', () => {
    const cases: Record<string, string> = {
      exec: kubeconfig({}, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'get-token' } }),
      authProvider: kubeconfig({}, { 'auth-provider': { name: 'oidc' } }),
      basicAuth: kubeconfig({}, { username: 'a', password: 'b' }),
      proxy: kubeconfig({ 'proxy-url': 'http://proxy:3128' }, { token: 't' }),
      plainHttp: kubeconfig({ server: 'http://127.0.0.1:8080' }, { token: 't' }),
      noSuchContext: JSON.stringify({ ...JSON.parse(kubeconfig({}, { token: 't' })), 'current-context': 'gone' }),
      notYaml: '{ this is: [not a kubeconfig',
      missingCaFile: kubeconfig({ 'certificate-authority': 'nope.crt' }, { token: 't' }),
    };
    for (const [name, text] of Object.entries(cases)) {
      expect(staticTarget({ kubeconfig: write(text) }, {}, '/nonexistent'), name).to.equal(undefined);
    }
    const a = write(kubeconfig({}, { token: 't' }));
    expect(staticTarget({}, { KUBECONFIG: `${a}:${a}` }, '/nonexistent'), 'two $KUBECONFIG files').to.equal(undefined);
    expect(staticTarget({}, {}, '/nonexistent'), 'no kubeconfig at all (in-cluster)').to.equal(undefined);
    expect(staticTarget({}, { KUBECONFIG: a }, '/nonexistent'), 'one $KUBECONFIG file').to.not.equal(undefined);
  });
});
