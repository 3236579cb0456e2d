import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '../../../src/storage/memory-store.js';
import { kubectl, startTestServer, type TestServer } from '../apiserver/helpers.js';
import { okube } from '../../support/okube-cli.js';

// One manifest, applied with okube's CLI and with kubectl: the same object. kubectl reads YAML 1.1
// scalars (sigs.k8s.io/yaml), so a file mode written 0400 is 256, `yes` is true, `0x1E` is 30 and a
// date-like annotation stays the string it was — okube once read them as YAML 1.2 (400, a Date).

const manifest = (name: string) => `apiVersion: okube.dev/v1alpha1
kind: Task
metadata:
  name: ${name}
  annotations:
    built: 2026-01-01
  labels: &labels
    tier: web
spec:
  image: okube-test/busybox:latest
  terminationGracePeriodSeconds: 0x1E
  volumes:
    - name: creds
      secret: { secretName: creds, defaultMode: 0400, optional: yes }
  volumeMounts:
    - { name: creds, mountPath: /creds, readOnly: on }
`;

describe('okube apply reads manifests as kubectl does', function () {
  this.timeout(60_000);
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer(new MemoryStore());
  });
  after(async () => {
    await ts?.stop();
  });

  it('octal file modes, YAML 1.1 booleans, hex and date-like strings give the object kubectl makes', async () => {
    const byOkube = await okube(['apply', '-f', '-'], { kubeconfig: ts.kubeconfig, input: manifest('by-okube') });
    expect(byOkube.code, byOkube.stderr).to.equal(0);
    const byKubectl = await kubectl(ts, ['apply', '-f', '-'], manifest('by-kubectl'));
    expect(byKubectl.code, byKubectl.stderr).to.equal(0);
    const get = async (name: string) => JSON.parse((await kubectl(ts, ['get', 'task', name, '-o', 'json'])).stdout) as { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> };
    const [a, b] = [await get('by-okube'), await get('by-kubectl')];
    expect(a.spec).to.deep.equal(b.spec);
    expect(a.metadata.annotations.built).to.equal(b.metadata.annotations.built);
    expect(a.metadata.annotations.built).to.equal('2026-01-01');
    expect((a.spec.volumes as Array<{ secret: { defaultMode: number } }>)[0].secret.defaultMode).to.equal(0o400);
    expect(a.spec.terminationGracePeriodSeconds).to.equal(30);
  });

  it('a stream of JSON objects with no separator (jq -c output) applies every object, with okube as with kubectl', async () => {
    const stream = (prefix: string) => ['a', 'b'].map((n) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-${n}`, namespace: 'default' }, data: { k: n } })).join('\n');
    const byOkube = await okube(['apply', '-f', '-'], { kubeconfig: ts.kubeconfig, input: stream('okube-json') });
    expect(byOkube.stdout, byOkube.stderr).to.equal('configmap/okube-json-a created\nconfigmap/okube-json-b created\n');
    const byKubectl = await kubectl(ts, ['apply', '-f', '-'], stream('kubectl-json'));
    expect(byKubectl.stdout, byKubectl.stderr).to.equal('configmap/kubectl-json-a created\nconfigmap/kubectl-json-b created\n');
  });

  it('apply and delete -f take an http URL as kubectl does, and a URL that is not a 200 is one clear line', async () => {
    const server: Server = createServer((req, res) => {
      if (req.url === '/task.yaml') res.writeHead(200, { 'Content-Type': 'text/yaml' }).end(manifest('by-url'));
      else res.writeHead(404).end('not here');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const applied = await okube(['apply', '-f', `${base}/task.yaml`], { kubeconfig: ts.kubeconfig });
      expect(applied.stdout, applied.stderr).to.equal('task.okube.dev/by-url created\n');
      const missing = await okube(['apply', '-f', `${base}/nope.yaml`], { kubeconfig: ts.kubeconfig });
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.equal(`error: unable to read URL "${base}/nope.yaml", server reported 404 Not Found, status code=404\n`);
      const deleted = await okube(['delete', '-f', `${base}/task.yaml`, '--wait=false'], { kubeconfig: ts.kubeconfig });
      expect(deleted.stdout, deleted.stderr).to.equal('task.okube.dev "by-url" deleted\n');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('apply -k says how to apply a kustomization (okube embeds no kustomize), and apply without -f says what it needs', async () => {
    const k = await okube(['apply', '-k', 'overlays/dev'], { kubeconfig: ts.kubeconfig });
    expect([k.code, k.stderr]).to.deep.equal([1, 'error: okube apply has no -k: build the kustomization with kubectl and pipe it in: kubectl kustomize overlays/dev | okube apply -f -\n']);
    const none = await okube(['apply'], { kubeconfig: ts.kubeconfig });
    expect([none.code, none.stderr]).to.deep.equal([1, 'error: must specify -f (a file, directory, URL or - for stdin)\n']);
  });
});
