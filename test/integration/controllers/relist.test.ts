import { expect } from 'chai';
import { LABELS } from '../../../src/api/types.js';
import { ContainerRelister } from '../../../src/controllers/task/relister.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { testEnv, uniqueName } from '../../support/env.js';

// The Task controller's relist (task/relister.ts) on a real Docker engine: a container that
// changes while nobody hears its event is found by the next list of the Node.

describe('task relist on a real Docker engine', function () {
  this.timeout(60_000);
  const env = testEnv();
  const rt = new DockerRuntime({ dockerHost: env.dockerHost });
  const ns = uniqueName('relist');
  const enqueued: string[] = [];
  const relister = new ContainerRelister({ nodes: () => [{ name: 'relist-node', runtime: rt }], enqueue: (k) => enqueued.push(k), periodMs: 0 });
  const mine = (keys: string[]) => keys.filter((k) => k.startsWith(`${ns}/`)).sort();
  const run = async (name: string) => {
    const id = await rt.create({ name: `${ns}-${name}`, image: env.image, command: ['sleep', '300'], labels: { [LABELS.managed]: 'true', [LABELS.namespace]: ns, [LABELS.name]: name } });
    await rt.start(id);
    return id;
  };

  after(async () => {
    for (const c of await rt.list({ [LABELS.namespace]: ns }, { details: false })) await rt.remove(c.id);
    await rt.close();
  });

  it('enqueues the Tasks whose containers stopped or vanished between two relists, and nothing else', async () => {
    const web = await run('web');
    const db = await run('db');
    await run('cache');
    expect(mine(await relister.relistAll()), 'a first look compares with nothing').to.deep.equal([]);
    expect(mine(await relister.relistAll()), 'nothing changed').to.deep.equal([]);
    await rt.stop(web, 0);
    await rt.remove(db);
    expect(mine(await relister.relistAll())).to.deep.equal([`${ns}/db`, `${ns}/web`]);
    expect(mine(enqueued)).to.deep.equal([`${ns}/db`, `${ns}/web`]);
    expect(mine(await relister.relistAll()), 'reported once').to.deep.equal([]);
  });
});
