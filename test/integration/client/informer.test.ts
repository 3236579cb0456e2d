import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeList, Task } from '../../../src/api/types.js';
import { Informer, type InformerEvent } from '../../../src/client/informer.js';
import { ResourceClient, TASKS } from '../../../src/client/resource-client.js';
import { startCluster, type TestCluster } from '../../support/cluster.js';
import { uniqueName } from '../../support/env.js';
import { taskObject, waitFor } from '../../support/tasks.js';

describe('Informer against the real API server', function () {
  this.timeout(60_000);
  let cluster: TestCluster;
  let tasks: ResourceClient<Task>;
  let informer: Informer<Task> | undefined;
  let ns: string;

  before(async () => {
    cluster = await startCluster();
    tasks = new ResourceClient<Task>(cluster.kc, TASKS);
  });
  after(async () => cluster?.stop());
  beforeEach(async () => {
    ns = uniqueName('ns');
    await cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  });
  afterEach(() => informer?.stop());

  function start(list?: (o: { limit: number; continue?: string }) => Promise<KubeList<Task>>) {
    const events: InformerEvent<Task>[] = [];
    informer = new Informer<Task>({
      kc: cluster.kc,
      path: tasks.collectionPath(ns),
      list: list ?? ((o) => tasks.list({ ...o, namespace: ns })),
      resyncMs: 0,
    });
    informer.events$.subscribe((e) => events.push(e));
    informer.start();
    return events;
  }

  const names = (events: InformerEvent<Task>[], type: string) => events.filter((e) => e.type === type).map((e) => e.object.metadata.name);

  it('lists, then sees creates, updates and deletes in its stream and cache', async () => {
    await tasks.create(taskObject(ns, 'before', { image: 'x' }));
    const events = start();
    await informer!.waitForSync();
    expect(informer!.get(`${ns}/before`)).to.not.equal(undefined);
    await tasks.create(taskObject(ns, 'after', { image: 'x' }));
    await tasks.patch('after', { metadata: { labels: { changed: 'yes' } } }, ns);
    await tasks.delete('before', ns);
    await waitFor('all events', async () => names(events, 'DELETED').includes('before') && informer!.get(`${ns}/after`)?.metadata.labels?.changed === 'yes');
    expect(names(events, 'ADDED')).to.include.members(['before', 'after']);
    expect(informer!.get(`${ns}/before`)).to.equal(undefined);
  });

  it('keeps going across an API server restart without losing a change', async () => {
    const events = start();
    await informer!.waitForSync();
    await cluster.restartApi();
    await tasks.create(taskObject(ns, 'during-restart', { image: 'x' }));
    await waitFor('event after restart', async () => names(events, 'ADDED').includes('during-restart'), 30_000);
  });

  it('relists on 410 Gone and reports what changed meanwhile, deletions included', async () => {
    await tasks.create(taskObject(ns, 'kept', { image: 'x' }));
    // Make history old enough to be compacted, then hand the informer a stale list once: its
    // watch from that revision gets a real 410 from the server and it must relist.
    const rev = await cluster.store.currentRevision();
    await cluster.store.compact(rev);
    let calls = 0;
    const events = start(async (o) => {
      const real = await tasks.list({ ...o, namespace: ns });
      if (calls++ > 0) return real;
      const ghost = taskObject(ns, 'ghost', { image: 'x' });
      ghost.metadata.resourceVersion = '2';
      return { ...real, items: [...real.items, ghost], metadata: { ...real.metadata, resourceVersion: '2' } };
    });
    await waitFor('relist', async () => calls >= 2, 30_000);
    await waitFor('ghost deleted', async () => names(events, 'DELETED').includes('ghost'), 30_000);
    expect(informer!.get(`${ns}/kept`)).to.not.equal(undefined);
    await tasks.create(taskObject(ns, 'later', { image: 'x' }));
    await waitFor('watching again', async () => names(events, 'ADDED').includes('later'), 30_000);
  });
});
