import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { backends } from './backends.js';
import { eventually, startTestServer, type TestServer } from './helpers.js';

// @kubernetes/client-node 1.x against the API server: CustomObjectsApi and makeInformer,
// including an informer that outlives a server restart.

interface Task { apiVersion: string; kind: string; metadata: k8s.V1ObjectMeta; spec: { image: string }; status?: Record<string, unknown> }
const G = 'okube.dev';
const V = 'v1alpha1';
const P = 'tasks';

for (const backend of backends) {
  describe(`client-node against the API server (${backend.name})`, function () {
    this.timeout(60_000);
    let ts: TestServer;
    let cleanup: () => Promise<void>;
    let kc: k8s.KubeConfig;
    let api: k8s.CustomObjectsApi;
    let core: k8s.CoreV1Api;
    const ns = 'clientnode';

    before(async () => {
      const b = await backend.make();
      cleanup = b.cleanup;
      ts = await startTestServer(b.store);
      kc = new k8s.KubeConfig();
      kc.loadFromFile(ts.kubeconfig);
      api = kc.makeApiClient(k8s.CustomObjectsApi);
      core = kc.makeApiClient(k8s.CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: ns } } });
    });
    after(async () => {
      await ts?.stop();
      await cleanup?.();
    });

    const task = (name: string, image = 'nginx'): Task => ({ apiVersion: `${G}/${V}`, kind: 'Task', metadata: { name, labels: { app: 'cn' } }, spec: { image } });

    it('lists Tasks by a field selector on spec.nodeName (a selectable field of the CRD)', async () => {
      const fsNs = 'clientnode-fields';
      await core.createNamespace({ body: { metadata: { name: fsNs } } });
      for (const [name, node] of [['fs1', 'n1'], ['fs2', 'n2']]) await api.createNamespacedCustomObject({ group: G, version: V, namespace: fsNs, plural: P, body: { apiVersion: `${G}/${V}`, kind: 'Task', metadata: { name }, spec: { image: 'nginx', nodeName: node } } });
      const list = (await api.listNamespacedCustomObject({ group: G, version: V, namespace: fsNs, plural: P, fieldSelector: 'spec.nodeName=n2' })) as { items: Task[] };
      expect(list.items.map((t) => t.metadata.name)).to.deep.equal(['fs2']);
    });

    it('creates, lists, gets, patches (merge and JSON patch) and deletes', async () => {
      const created = (await api.createNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: P, body: task('c1') })) as Task;
      expect(created.metadata.uid).to.be.a('string');
      const list = (await api.listNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: P, labelSelector: 'app=cn' })) as { items: Task[]; metadata: { resourceVersion: string } };
      expect(list.items.map((t) => t.metadata.name)).to.include('c1');
      expect(list.metadata.resourceVersion).to.match(/^\d+$/);
      const patched = (await api.patchNamespacedCustomObject(
        { group: G, version: V, namespace: ns, plural: P, name: 'c1', body: { spec: { image: 'nginx:2' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )) as Task;
      expect(patched.spec.image).to.equal('nginx:2');
      expect(patched.metadata.generation).to.equal(2);
      const jp = (await api.patchNamespacedCustomObject(
        { group: G, version: V, namespace: ns, plural: P, name: 'c1', body: [{ op: 'replace', path: '/spec/image', value: 'nginx:3' }] },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
      )) as Task;
      expect(jp.spec.image).to.equal('nginx:3');
      const st = (await api.patchNamespacedCustomObjectStatus(
        { group: G, version: V, namespace: ns, plural: P, name: 'c1', body: { status: { phase: 'Running' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )) as Task;
      expect(st.status).to.deep.include({ phase: 'Running' });
      // Optimistic concurrency: a stale resourceVersion is a 409.
      const stale = { ...task('c1', 'nginx:4'), metadata: { ...jp.metadata } };
      let code = 0;
      try {
        await api.replaceNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: P, name: 'c1', body: stale });
      } catch (err) {
        code = (err as { code?: number }).code ?? 0;
      }
      expect(code).to.equal(409);
      await api.deleteNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: P, name: 'c1' });
      let nf = 0;
      try {
        await api.getNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: P, name: 'c1' });
      } catch (err) {
        nf = (err as { code?: number }).code ?? 0;
      }
      expect(nf).to.equal(404);
    });

    it('makeInformer sees adds and updates, and survives a server restart', async () => {
      const path = `/apis/${G}/${V}/namespaces/${ns}/${P}`;
      const listFn = () => api.listNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: P }) as unknown as Promise<k8s.KubernetesListObject<Task>>;
      const informer = k8s.makeInformer<Task>(kc, path, listFn);
      const seen: string[] = [];
      informer.on('add', (o) => seen.push(`add ${o.metadata?.name} ${o.spec.image}`));
      informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.spec.image}`));
      informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
      informer.on('error', () => {
        // restart after a short pause, as client-node's docs suggest
        setTimeout(() => void informer.start().catch(() => undefined), 300);
      });
      await informer.start();
      try {
        await api.createNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: P, body: task('i1') });
        await eventually(() => seen.includes('add i1 nginx'));
        await api.patchNamespacedCustomObject(
          { group: G, version: V, namespace: ns, plural: P, name: 'i1', body: { spec: { image: 'nginx:2' } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
        await eventually(() => seen.includes('update i1 nginx:2'));
        await ts.restart();
        await api.createNamespacedCustomObject({ group: G, version: V, namespace: ns, plural: P, body: task('i2') });
        await api.patchNamespacedCustomObject(
          { group: G, version: V, namespace: ns, plural: P, name: 'i1', body: { spec: { image: 'nginx:3' } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
        await eventually(() => seen.includes('add i2 nginx') && seen.includes('update i1 nginx:3'), 20_000);
        expect(informer.list().map((t) => t.metadata?.name).sort()).to.deep.equal(['i1', 'i2']);
      } finally {
        await informer.stop();
      }
      await eventually(() => ts.api.activeWatches() === 0);
    });
  });
}
