import { expect } from 'chai';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { HollowEngines, HollowRuntime } from '../../../src/runtime/hollow-runtime.js';
import { isOkubeError } from '../../../src/util/errors.js';

const spec = (name: string, labels: Record<string, string> = {}) => ({ name, image: 'busybox', command: ['sleep', '3600'], labels });

describe('HollowRuntime', () => {
  let rt: HollowRuntime;
  beforeEach(() => {
    rt = new HollowRuntime({ host: 'hollow://n1' });
  });
  afterEach(() => rt.shutdown());

  it('reports the configured capacity', async () => {
    const r = new HollowRuntime({ ncpu: 4, memoryBytes: 1024 });
    expect(await r.info()).to.include({ ncpu: 4, memoryBytes: 1024 });
  });

  it('runs a created container once started', async () => {
    const id = await rt.create(spec('a'));
    expect(await rt.inspect(id)).to.include({ status: 'created', running: false });
    await rt.start(id);
    const info = await rt.inspect(id);
    expect(info).to.include({ status: 'running', running: true, exitCode: undefined });
    expect(info?.startedAt).to.be.a('string');
  });

  it('refuses a second container with the same name', async () => {
    await rt.create(spec('a'));
    const err = await rt.create(spec('a')).catch((e: unknown) => e);
    expect(isOkubeError(err, 'RuntimeError')).to.equal(true);
  });

  it('lists only the containers carrying every given label', async () => {
    await rt.create(spec('a', { app: 'x', tier: 'web' }));
    await rt.create(spec('b', { app: 'x' }));
    await rt.create(spec('c', { app: 'y', tier: 'web' }));
    expect((await rt.list({ app: 'x', tier: 'web' })).map((c) => c.name)).to.deep.equal(['a']);
    expect((await rt.list({ app: 'x' })).map((c) => c.name).sort()).to.deep.equal(['a', 'b']);
  });

  it('simulates an exit with its code and a die event', async () => {
    const id = await rt.create(spec('a', { k: 'v' }));
    await rt.start(id);
    const die = firstValueFrom(rt.events().pipe(filter((e) => e.action === 'die')));
    rt.exit(id, 3);
    expect(await die).to.include({ containerId: id, exitCode: 3 });
    expect((await die).labels).to.deep.equal({ k: 'v' });
    const info = await rt.inspect(id);
    expect(info).to.include({ status: 'exited', running: false, exitCode: 3 });
    expect(info?.finishedAt).to.be.a('string');
  });

  it('ends processes by itself when the lifetime says so', async () => {
    const r = new HollowRuntime({ lifetime: () => ({ afterMs: 10, exitCode: 1 }) });
    const id = await r.create(spec('a'));
    const die = firstValueFrom(r.events().pipe(filter((e) => e.action === 'die')));
    await r.start(id);
    expect((await die).exitCode).to.equal(1);
    r.shutdown();
  });

  it('emits create, start, kill, die, stop, destroy in order over a lifecycle', async () => {
    const all = firstValueFrom(rt.events().pipe(take(6), toArray()));
    const id = await rt.create(spec('a'));
    await rt.start(id);
    await rt.stop(id, 10);
    await rt.remove(id);
    expect((await all).map((e) => e.action)).to.deep.equal(['create', 'start', 'kill', 'die', 'stop', 'destroy']);
    expect(await rt.inspect(id)).to.equal(undefined);
  });

  it('fails create of an absent image with ImageNotFound, and pulls only pullable ones', async () => {
    const r = new HollowRuntime({ images: [], pullable: ['present-after-pull'] });
    expect(isOkubeError(await r.create(spec('a')).catch((e: unknown) => e), 'ImageNotFound')).to.equal(true);
    expect(isOkubeError(await r.pullImage('busybox').catch((e: unknown) => e), 'ImageNotFound')).to.equal(true);
    await r.pullImage('present-after-pull');
    expect(await r.imagePresent('present-after-pull')).to.equal(true);
  });

  it('answers nothing while unreachable', async () => {
    rt.setReachable(false);
    expect(isOkubeError(await rt.ping().catch((e: unknown) => e), 'Unavailable')).to.equal(true);
    rt.setReachable(true);
    await rt.ping();
  });
});

describe('HollowEngines', () => {
  it('gives the same engine, with its containers, for the same host', async () => {
    const engines = new HollowEngines();
    const id = await engines.get('hollow://a').create(spec('x'));
    expect(await engines.get('hollow://a').inspect(id)).to.not.equal(undefined);
    expect(await engines.get('hollow://b').inspect(id)).to.equal(undefined);
    engines.shutdown();
  });
});
