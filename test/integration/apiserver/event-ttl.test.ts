import { expect } from 'chai';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { backends } from './backends.js';
import { eventually, kubectl, kubectlStream, startTestServer, type TestServer } from './helpers.js';

// Events expire a TTL after their last write (kube-apiserver's --event-ttl), on etcd through a
// lease: kubectl stops listing them, a watch sees them deleted, and a repeat (the recorder's
// count patch) keeps an Event for another TTL. Other objects never expire.

const TTL_SECONDS = 3;

function event(ns: string, name: string) {
  const now = new Date().toISOString().replace(/\.\d+Z/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: ns },
    involvedObject: { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', name: 'web', namespace: ns },
    reason: 'Started',
    message: `started ${name}`,
    type: 'Normal',
    source: { component: 'okube-controllers' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

for (const backend of backends) {
  describe(`Event TTL (${backend.name})`, function () {
    this.timeout(60_000);
    let ts: TestServer;
    let cleanup: () => Promise<void>;
    let core: CoreV1Api;
    let n = 0;
    let ns: string;

    before(async () => {
      const b = await backend.make();
      cleanup = b.cleanup;
      ts = await startTestServer(b.store, { eventTtlSeconds: TTL_SECONDS });
      const kc = new KubeConfig();
      kc.loadFromFile(ts.kubeconfig);
      core = kc.makeApiClient(CoreV1Api);
    });
    after(async () => {
      await ts?.stop();
      await cleanup?.();
    });
    beforeEach(async () => {
      ns = `ttl-${++n}-${Date.now().toString(36)}`;
      expect((await kubectl(ts, ['create', 'namespace', ns])).code).to.equal(0);
    });

    it('an Event is gone a TTL after it was written, and kubectl get -w sees it go', async () => {
      const watch = kubectlStream(ts, ['get', 'events', '-n', ns, '-w', '--output-watch-events']);
      try {
        const r = await kubectl(ts, ['create', '-f', '-', '-n', ns], JSON.stringify(event(ns, 'web.1')));
        expect(r.code, r.stderr).to.equal(0);
        expect((await kubectl(ts, ['get', 'events', '-n', ns, '-o', 'name'])).stdout).to.include('event/web.1');
        await watch.waitFor((l) => l.some((x) => /^DELETED\s.*started web\.1/.test(x)), 20_000);
        const left = await kubectl(ts, ['get', 'events', '-n', ns, '-o', 'name']);
        expect(left.stdout.trim()).to.equal('');
      } finally {
        watch.child.kill();
      }
    });

    it('a repeat of an Event (its count patched) keeps it for another TTL after the patch', async () => {
      const body = { ...event(ns, 'web.2'), firstTimestamp: new Date(), lastTimestamp: new Date() };
      await core.createNamespacedEvent({ namespace: ns, body });
      await new Promise((r) => setTimeout(r, (TTL_SECONDS - 1) * 1000));
      const ev = await core.readNamespacedEvent({ name: 'web.2', namespace: ns });
      await core.replaceNamespacedEvent({ name: 'web.2', namespace: ns, body: { ...ev, count: 2 } });
      await new Promise((r) => setTimeout(r, 2000));
      expect((await core.readNamespacedEvent({ name: 'web.2', namespace: ns })).count, 'still there past the first write\'s TTL').to.equal(2);
      await eventually(async () => (await core.listNamespacedEvent({ namespace: ns })).items.length === 0, 20_000);
    });

    it('does not expire other objects', async () => {
      expect((await kubectl(ts, ['create', 'configmap', 'kept', '-n', ns, '--from-literal=a=b'])).code).to.equal(0);
      await new Promise((r) => setTimeout(r, (TTL_SECONDS + 3) * 1000));
      expect((await kubectl(ts, ['get', 'configmap', 'kept', '-n', ns, '-o', 'name'])).stdout.trim()).to.equal('configmap/kept');
    });
  });
}
