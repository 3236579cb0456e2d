import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter, timeout } from 'rxjs';
import Docker from 'dockerode';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import type { ContainerSpec } from '../../../src/runtime/runtime.js';
import { isOkubeError } from '../../../src/util/errors.js';
import { startHollowEngines, type HollowEngines } from '../../../hack/bench/hollow-engine/server.js';

// The hollow Docker engine of the scale benchmark (hack/bench/hollow-engine) is tested the way the
// benchmark uses it: okube's real DockerRuntime (dockerode) over its unix socket. Containers are
// records there, so this needs no Docker engine.

describe('hollow Docker engine under the real DockerRuntime', function () {
  this.timeout(20_000);
  let dir: string;
  let set: HollowEngines;
  let rt: DockerRuntime;
  let other: DockerRuntime;

  const spec = (name: string, overrides: Partial<ContainerSpec> = {}): ContainerSpec => ({
    name,
    image: 'okube-test/busybox:latest',
    labels: { 'okube.test/run': 'hollow', 'okube.test/name': name },
    ...overrides,
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'okube-hollow-engine-'));
    set = await startHollowEngines(dir, 2, { images: ['okube-test/busybox:latest'] });
    rt = new DockerRuntime({ dockerHost: set.dockerHosts[0] });
    other = new DockerRuntime({ dockerHost: set.dockerHosts[1] });
  });
  afterEach(async () => {
    await set.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers ping and info with the host figures a Node reports', async () => {
    await rt.ping();
    const info = await rt.info();
    expect(info).to.include({ ncpu: 16, memoryBytes: 64 * 1024 ** 3, operatingSystem: 'hollow' });
    expect(info.dockerVersion).to.contain('hollow-0');
  });

  it('creates, starts and inspects a running container with its labels and ports', async () => {
    const id = await rt.create(spec('web', { command: ['sleep', '3600'], ports: [{ containerPort: 80, hostPort: 18080, protocol: 'TCP', hostIP: '127.0.0.1' }] }));
    expect((await rt.inspect(id))?.status).to.equal('created');
    await rt.start(id);
    const info = await rt.inspect(id);
    expect(info).to.include({ id, name: 'web', image: 'okube-test/busybox:latest', status: 'running', running: true, exitCode: undefined });
    expect(info?.labels).to.deep.include({ 'okube.test/name': 'web' });
    expect(info?.ports).to.deep.equal([{ containerPort: 80, hostPort: 18080, protocol: 'TCP', hostIP: '127.0.0.1' }]);
    expect(info?.startedAt).to.be.a('string');
    expect(await rt.publishedPorts()).to.deep.equal([18080]);
  });

  it('delivers the scripted exit as a die event with its exit code, and inspect shows it', async () => {
    const id = await rt.create(spec('exits', { command: ['sh', '-c', 'sleep 0.2; exit 3'] }));
    const died = firstValueFrom(rt.events().pipe(filter((e) => e.containerId === id && e.action === 'die'), timeout(10_000)));
    await rt.start(id);
    const ev = await died;
    expect(ev.exitCode).to.equal(3);
    expect(ev.labels['okube.test/name']).to.equal('exits');
    const info = await rt.inspect(id);
    expect(info).to.include({ status: 'exited', running: false, exitCode: 3 });
    expect(Date.parse(info!.finishedAt!)).to.be.at.least(Date.parse(info!.startedAt!));
  });

  it('answers a wait when the container exits, with its status code', async () => {
    const docker = new Docker({ socketPath: set.dockerHosts[0].slice('unix://'.length) });
    const id = await rt.create(spec('waited', { command: ['sh', '-c', 'sleep 0.2; exit 7'] }));
    await rt.start(id);
    const result = (await docker.getContainer(id).wait()) as { StatusCode: number };
    expect(result.StatusCode).to.equal(7);
  });

  it('stops a running container with exit 143 and treats a second start or stop as done', async () => {
    const id = await rt.create(spec('stopped', { command: ['sleep', '3600'] }));
    await rt.start(id);
    await rt.start(id); // 304: already started
    await rt.stop(id, 5);
    expect(await rt.inspect(id)).to.include({ status: 'exited', exitCode: 143 });
    await rt.stop(id, 5); // 304: already stopped
  });

  it('removes a running container with force; inspect then finds nothing and remove again is done', async () => {
    // Subscribed before the first call, as a Node's runtime is.
    const events = rt.events().subscribe();
    const id = await rt.create(spec('gone', { command: ['sleep', '3600'] }));
    await rt.start(id);
    const destroyed = firstValueFrom(rt.events().pipe(filter((e) => e.containerId === id && e.action === 'destroy'), timeout(10_000)));
    await rt.remove(id);
    await destroyed;
    events.unsubscribe();
    expect(await rt.inspect(id)).to.equal(undefined);
    await rt.remove(id);
  });

  it('lists only containers whose labels match, with exit details from inspect', async () => {
    const a = await rt.create(spec('a', { labels: { 'okube.test/run': 'hollow', team: 'x' }, command: ['sleep', '3600'] }));
    await rt.create(spec('b', { labels: { 'okube.test/run': 'hollow', team: 'y' } }));
    await rt.start(a);
    const listed = await rt.list({ team: 'x' });
    expect(listed.map((c) => c.id)).to.deep.equal([a]);
    expect(listed[0]).to.include({ running: true, status: 'running' });
    expect((await rt.list({ 'okube.test/run': 'hollow' })).length).to.equal(2);
    expect(await rt.list({ team: 'z' })).to.deep.equal([]);
  });

  it('lists without an inspect per container when details are not wanted', async () => {
    const a = await rt.create(spec('s1', { command: ['sleep', '3600'] }));
    await rt.create(spec('s2'));
    await rt.start(a);
    const inspects = () => set.engines[0].calls.get('GET /containers/:id/json') ?? 0;
    const before = inspects();
    const listed = await rt.list({ 'okube.test/run': 'hollow' }, { details: false });
    expect(inspects()).to.equal(before);
    expect(listed.map((c) => [c.name, c.status, c.running, c.labels['okube.test/name']]).sort()).to.deep.equal([['s1', 'running', true, 's1'], ['s2', 'created', false, 's2']]);
    await rt.list({ 'okube.test/run': 'hollow' });
    expect(inspects()).to.equal(before + 2);
  });

  it('reports usage only for running containers that match', async () => {
    const a = await rt.create(spec('busy', { command: ['sleep', '3600'] }));
    await rt.create(spec('idle'));
    await rt.start(a);
    const usage = await rt.usage({ 'okube.test/run': 'hollow' });
    expect(usage.map((u) => u.id)).to.deep.equal([a]);
    expect(usage[0].memoryBytes).to.be.greaterThan(0);
  });

  it('refuses a second container of the same name with 409', async () => {
    await rt.create(spec('twin'));
    const err = await rt.create(spec('twin')).catch((e: unknown) => e);
    expect(isOkubeError(err) && err.details?.statusCode).to.equal(409);
  });

  it('answers an image it does not have with ImageNotFound, and has it after a pull', async () => {
    expect(await rt.imagePresent('nowhere/else:1')).to.equal(false);
    const err = await rt.create(spec('noimage', { image: 'nowhere/else:1' })).catch((e: unknown) => e);
    expect(isOkubeError(err) && err.code).to.equal('ImageNotFound');
    await rt.pullImage('nowhere/else:1');
    expect(await rt.imagePresent('nowhere/else:1')).to.equal(true);
  });

  it('keeps each socket a separate engine', async () => {
    const id = await rt.create(spec('mine'));
    expect(await other.inspect(id)).to.equal(undefined);
    expect(await other.list({ 'okube.test/run': 'hollow' })).to.deep.equal([]);
  });
});
