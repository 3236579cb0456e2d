import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { firstValueFrom, filter, timeout } from 'rxjs';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { RECONNECTED, type ContainerSpec } from '../../../src/runtime/runtime.js';
import { freePort } from '../../../src/util/free-port.js';
import { eventually } from '../../support/wait.js';
import { isOkubeError } from '../../../src/util/errors.js';
import { socketPath, testEnv, uniqueName } from '../../support/env.js';

async function freeLoopbackPort(): Promise<number> {
  return freePort('127.0.0.1');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}


describe('DockerRuntime against a real Docker engine', function () {
  this.timeout(60_000);
  const env = testEnv();
  const rt = new DockerRuntime({ dockerHost: env.dockerHost });
  let run: string; // label value marking this test's containers

  const spec = (overrides: Partial<ContainerSpec>): ContainerSpec => ({
    name: uniqueName('okube-rt'),
    image: env.image,
    labels: { 'okube.test/run': run },
    ...overrides,
  });

  beforeEach(() => {
    run = uniqueName('run');
  });
  afterEach(async () => {
    for (const c of await rt.list({ 'okube.test/run': run })) await rt.remove(c.id);
  });

  it('runs a labelled container with a published loopback port that answers HTTP', async () => {
    const port = await freeLoopbackPort();
    const id = await rt.create(spec({ command: ['httpd', '-f', '-p', '8080', '-h', '/www'], ports: [{ containerPort: 8080, hostPort: port, protocol: 'TCP', hostIP: '127.0.0.1' }] }));
    await rt.start(id);
    const body = await eventually(async () => (await fetch(`http://127.0.0.1:${port}/`)).text());
    expect(body.trim()).to.equal('ok');
    const [listed] = await rt.list({ 'okube.test/run': run });
    expect(listed).to.include({ id, running: true, status: 'running' });
    expect(listed.ports).to.deep.include({ containerPort: 8080, hostPort: port, protocol: 'TCP', hostIP: '127.0.0.1' });
  });

  it('reports the exit code and times of an exited container', async () => {
    const id = await rt.create(spec({ command: ['sh', '-c', 'exit 3'] }));
    await rt.start(id);
    const info = await eventually(async () => {
      const i = (await rt.inspect(id))!;
      if (i.running) throw new Error('still running');
      return i;
    });
    expect(info).to.include({ status: 'exited', exitCode: 3, running: false });
    // Docker stamps StartedAt after the process starts, so an instant exit can report FinishedAt a
    // hair before it: both must be there and close together.
    expect(Math.abs(Date.parse(info.finishedAt!) - Date.parse(info.startedAt!))).to.be.below(5000);
  });

  it('stops gracefully: the app sees SIGTERM before it is gone', async () => {
    const id = await rt.create(spec({ command: ['sh', '-c', "trap 'echo got-TERM; exit 0' TERM; echo ready; while true; do sleep 0.1; done"] }));
    await rt.start(id);
    await eventually(async () => {
      if (!(await readAll(await rt.logs(id, {}))).includes('ready')) throw new Error('not ready');
    });
    await rt.stop(id, 10);
    const info = (await rt.inspect(id))!;
    expect(info.exitCode).to.equal(0);
    expect(await readAll(await rt.logs(id, {}))).to.contain('got-TERM');
  });

  it('kills a container that ignores SIGTERM once the grace period ends', async () => {
    const id = await rt.create(spec({ command: ['sh', '-c', "trap '' TERM; while true; do sleep 0.1; done"] }));
    await rt.start(id);
    await rt.stop(id, 1);
    expect((await rt.inspect(id))!.exitCode).to.equal(137);
  });

  it('follows a log through a silence longer than the client idle timeout, to the container\'s end', async () => {
    const impatient = new DockerRuntime({ dockerHost: env.dockerHost, timeoutMs: 1000 });
    try {
      const id = await rt.create(spec({ command: ['sh', '-c', 'echo hi; sleep 3; echo bye'] }));
      await rt.start(id);
      expect(await readAll(await impatient.logs(id, { follow: true }))).to.equal('hi\nbye\n');
    } finally {
      await impatient.close();
    }
  });

  it('waits out a grace period longer than the client idle timeout (the engine is silent until the kill)', async () => {
    // The default grace period (30 s) equals the default idle timeout: a stop of a container
    // that ignores SIGTERM used to fail with "socket hang up" right as Docker killed it.
    const quick = new DockerRuntime({ dockerHost: env.dockerHost, timeoutMs: 1000 });
    const id = await rt.create(spec({ command: ['sh', '-c', "trap '' TERM; while true; do sleep 0.1; done"] }));
    await rt.start(id);
    await quick.stop(id, 3);
    expect((await rt.inspect(id))!).to.include({ running: false, exitCode: 137 });
  });

  it('delivers a die event with the exit code when a container is killed', async () => {
    // Subscribed before the first call, as a Node's runtime is.
    const events = rt.events().subscribe();
    const id = await rt.create(spec({ command: ['sleep', '300'] }));
    await rt.start(id);
    const died = firstValueFrom(rt.events().pipe(filter((e) => e.containerId === id && e.action === 'die'), timeout(15_000)));
    const t0 = Date.now();
    await rt.remove(id);
    const ev = await died;
    events.unsubscribe();
    console.log(`      die event latency after kill: ${Date.now() - t0} ms`);
    expect(ev.exitCode).to.equal(137);
    expect(ev.labels['okube.test/run']).to.equal(run);
  });

  it('delivers events that happen while the events stream is broken', async () => {
    const sub = rt.events().subscribe();
    try {
      await new Promise((r) => setTimeout(r, 300));
      const id = await rt.create(spec({ command: ['sh', '-c', 'exit 7'] }));
      const died = firstValueFrom(rt.events().pipe(filter((e) => e.containerId === id && e.action === 'die'), timeout(20_000)));
      rt.breakEventStream();
      await rt.start(id);
      expect((await died).exitCode).to.equal(7);
    } finally {
      sub.unsubscribe();
    }
  });

  it('says RECONNECTED once a lost events stream is back, so the controllers relist the engine', async () => {
    const sub = rt.events().subscribe();
    try {
      await new Promise((r) => setTimeout(r, 300));
      const back = firstValueFrom(rt.events().pipe(filter((e) => e.action === RECONNECTED), timeout(15_000)));
      rt.breakEventStream();
      expect(await back).to.include({ action: RECONNECTED, containerId: '' });
    } finally {
      sub.unsubscribe();
    }
  });

  it('reconnects an events stream ended by the client idle timeout quietly, and keeps delivering events', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
    const quick = new DockerRuntime({ dockerHost: env.dockerHost, timeoutMs: 1000, eventsIdleTimeoutMs: 1000, logger: pino({ level: 'debug' }, sink) });
    const actions: string[] = [];
    const sub = quick.events().subscribe((e) => actions.push(e.action));
    try {
      await new Promise((r) => setTimeout(r, 3500)); // several idle timeouts on a quiet engine
      const id = await rt.create(spec({ command: ['sh', '-c', 'exit 3'] }));
      const died = firstValueFrom(quick.events().pipe(filter((e) => e.containerId === id && e.action === 'die'), timeout(15_000)));
      await rt.start(id);
      expect((await died).exitCode).to.equal(3);
      expect(lines.filter((l) => l.level >= 40).map((l) => l.msg), 'warnings').to.deep.equal([]);
      expect(lines.filter((l) => l.msg === 'docker events stream idle; reconnecting').length, 'idle reconnects').to.be.at.least(1);
      expect(actions, 'an idle reconnect loses nothing: no relist asked for').to.not.include(RECONNECTED);
    } finally {
      sub.unsubscribe();
    }
  });

  it('exec returns the exit code and output', async () => {
    const id = await rt.create(spec({ command: ['sleep', '300'] }));
    await rt.start(id);
    const ok = await rt.exec(id, ['sh', '-c', 'echo hello; exit 0'], 5000);
    expect(ok).to.deep.equal({ exitCode: 0, output: 'hello\n', timedOut: false });
    const bad = await rt.exec(id, ['sh', '-c', 'test -f /nope'], 5000);
    expect(bad.exitCode).to.equal(1);
  });

  it('exec gives up after its timeout', async () => {
    const id = await rt.create(spec({ command: ['sleep', '300'] }));
    await rt.start(id);
    const res = await rt.exec(id, ['sleep', '30'], 300);
    expect(res.timedOut).to.equal(true);
  });

  it('passes a memory limit to Docker', async () => {
    const id = await rt.create(spec({ command: ['sleep', '300'], memoryBytes: 64 * 1024 * 1024 }));
    const Docker = (await import('dockerode')).default;
    const raw = await new Docker({ socketPath: env.dockerHost.replace('unix://', '') }).getContainer(id).inspect();
    expect(raw.HostConfig.Memory).to.equal(64 * 1024 * 1024);
    expect(raw.HostConfig.RestartPolicy?.Name).to.equal('no');
  });

  it('tells a missing image apart and fails its pull fast with ImageNotFound', async () => {
    // A registry on loopback that refuses at once: a bare name would make the engine resolve
    // Docker Hub's name through the machine's DNS, traffic that tests never send off the machine.
    const missing = '127.0.0.1:1/okube-test/no-such-image:v0';
    expect(await rt.imagePresent(missing)).to.equal(false);
    try {
      await rt.pullImage(missing);
      expect.fail('expected ImageNotFound');
    } catch (err) {
      expect(isOkubeError(err, 'ImageNotFound'), String(err)).to.equal(true);
    }
  });

  it('ping of an engine that is not there fails with Unavailable', async () => {
    const gone = new DockerRuntime({ dockerHost: 'unix:///tmp/okube-no-such-docker.sock' });
    try {
      await gone.ping();
      expect.fail('expected Unavailable');
    } catch (err) {
      expect(isOkubeError(err, 'Unavailable')).to.equal(true);
      expect((err as Error).message).to.contain('okube-no-such-docker.sock');
    }
  });
});

describe("DockerRuntime's connections to a real Docker engine", function () {
  this.timeout(60_000);
  const env = testEnv();
  let dir: string;
  let proxy: Server;
  let accepted: Socket[];
  let rt: DockerRuntime;
  /** How long the relay holds back a request for the events stream before passing it on. */
  let eventsDelayMs: number;

  // A byte-for-byte relay in front of the engine's socket that counts the connections it accepts.
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'okube-conn-'));
    accepted = [];
    eventsDelayMs = 0;
    proxy = createServer((client) => {
      accepted.push(client);
      const engine = connect(socketPath(env.dockerHost));
      client.once('data', (first: Buffer) => {
        client.pause();
        setTimeout(() => {
          engine.write(first);
          client.pipe(engine);
          client.resume();
        }, /^GET \S*\/events[?\s]/.test(first.toString('latin1')) ? eventsDelayMs : 0);
      });
      engine.pipe(client);
      client.on('error', () => engine.destroy());
      engine.on('error', () => client.destroy());
      client.on('close', () => engine.destroy());
      engine.on('close', () => client.destroy());
    });
    const path = join(dir, 'docker.sock');
    await new Promise<void>((resolve) => proxy.listen(path, resolve));
    rt = new DockerRuntime({ dockerHost: `unix://${path}` });
  });
  afterEach(async () => {
    await rt.close();
    for (const s of accepted) s.destroy();
    await new Promise((resolve) => proxy.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes calls one after another over one kept connection', async () => {
    await rt.ping();
    await rt.info();
    await rt.list({ 'okube.test/run': uniqueName('none') });
    expect(accepted.length).to.equal(1);
  });

  it("keeps the connection through a pause longer than Node's default keep-alive (5 s), as between two heartbeats", async () => {
    await rt.ping();
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    await rt.ping();
    expect(accepted.length).to.equal(1);
  });

  it('delivers what a call set off before the events stream it was subscribed to had connected', async () => {
    eventsDelayMs = 1500;
    const name = uniqueName('okube-early');
    const destroyed = firstValueFrom(rt.events().pipe(filter((e) => e.action === 'destroy' && e.labels['okube.test/name'] === name), timeout(15_000)));
    const id = await rt.create({ name, image: env.image, labels: { 'okube.test/name': name }, command: ['true'] });
    await rt.remove(id);
    expect((await destroyed).containerId).to.equal(id);
  });

  it('connects again when the engine closed the kept connection', async () => {
    await rt.ping();
    for (const s of accepted) s.destroy();
    await eventually(async () => expect(accepted.every((s) => s.destroyed)).to.equal(true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await rt.ping();
    expect(accepted.length).to.equal(2);
  });
});
