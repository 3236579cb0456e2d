import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataPlane } from '../../../src/proxy/data-plane.js';
import { freePort } from '../../../src/util/free-port.js';
import { slice, svc } from '../../unit/proxy/fixtures.js';
import { testEnv } from '../../support/env.js';
import { haveHaproxy } from '../../support/haproxy.js';
import { get, loadLoop } from '../../support/http-load.js';
import { requireEnv } from '../../support/require-env.js';

// Real HAProxy under okube's supervisor in front of real busybox httpd containers (the test
// image) that answer their own names, fed EndpointSlice-shaped data directly: a readiness flip
// gates traffic with zero failed requests; kill -9 of HAProxy is survived with the current
// endpoints.

const execFileP = promisify(execFile);
const env = testEnv();
const docker = (...args: string[]) => execFileP('docker', args, { env: { ...process.env, DOCKER_HOST: env.dockerHost } }).then((r) => r.stdout.trim());

describe('proxy data plane (real HAProxy, busybox httpd containers)', function () {
  this.timeout(120_000);
  const run = `okube-proxy-test-${randomBytes(3).toString('hex')}`;
  const names = ['web-a', 'web-b', 'web-c'];
  const ports = new Map<string, number>();
  let dir: string;
  let plane: DataPlane | undefined;

  before(async function () {
    requireEnv(this, haveHaproxy(), 'no haproxy binary (apt-get install haproxy; hack/dev-env.sh installs it)');
    for (const name of names) {
      await docker('run', '-d', '--name', `${run}-${name}`, '--label', `okube-test=${run}`, '-p', '127.0.0.1::80', env.image,
        'sh', '-c', `mkdir -p /w && echo -n ${name} > /w/index.html && exec httpd -f -p 80 -h /w`);
      const mapped = await docker('port', `${run}-${name}`, '80/tcp');
      ports.set(name, Number(mapped.split('\n')[0]!.split(':').pop()));
    }
  });

  after(async () => {
    await docker('rm', '-f', ...names.map((n) => `${run}-${n}`)).catch(() => undefined);
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'okube-proxy-docker-'));
  });

  afterEach(async () => {
    await plane?.stop();
    plane = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const services = [svc('web', [{ name: 'http', targetPort: 80 }])];
  const slices = (readyB: boolean) => names.map((n) => slice('web', ports.get(n)!, [[n, '127.0.0.1', n === 'web-b' ? readyB : true]], 'http'));

  async function start(): Promise<number> {
    const port = await freePort();
    plane = new DataPlane({ dir, bindAddress: '127.0.0.1', portRange: { start: port, end: port } });
    await plane.start();
    await plane.apply(services, slices(true));
    return port;
  }

  it('each replica answers through the service port with its own name', async () => {
    const port = await start();
    const answers = new Set<string>();
    for (let i = 0; i < 12; i++) answers.add(await get(port, false));
    expect([...answers].sort()).to.deep.equal(names);
  });

  it('a readiness flip: zero requests reach the unready replica, zero fail, and it takes traffic again when ready', async () => {
    const port = await start();
    const load = loadLoop(port);
    await new Promise((r) => setTimeout(r, 500));
    await plane!.apply(services, slices(false));
    const drainedAt = performance.now();
    await new Promise((r) => setTimeout(r, 1500));
    // The unready window ends when the update is asked for: HAProxy may route to web-b before apply() returns.
    const readyAt = performance.now();
    await plane!.apply(services, slices(true));
    await new Promise((r) => setTimeout(r, 1000));
    const samples = await load.stop();
    expect(samples.filter((s) => s.error)).to.deep.equal([]);
    const during = samples.filter((s) => s.startedAt > drainedAt && s.startedAt < readyAt);
    expect(during.length).to.be.greaterThan(20);
    expect(during.filter((s) => s.answer === 'web-b')).to.deep.equal([]);
    expect(samples.filter((s) => s.startedAt > readyAt && s.answer === 'web-b').length).to.be.greaterThan(0);
  });

  it('kill -9 of HAProxy: restarted with the current endpoints; requests fail only while it is down', async () => {
    const port = await start();
    await plane!.apply(services, slices(false));
    const pid = plane!.supervisor.pid!;
    const load = loadLoop(port);
    await new Promise((r) => setTimeout(r, 300));
    const killedAt = performance.now();
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 15_000;
    while (!(plane!.supervisor.running && plane!.supervisor.pid !== pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Answering again (a slow machine may need more than one restart attempt), then some more.
    while (Date.now() < deadline && !(await get(port, false).then(() => true, () => false))) await new Promise((r) => setTimeout(r, 20));
    const answeringAt = performance.now();
    await new Promise((r) => setTimeout(r, 500));
    const samples = await load.stop();
    const failed = samples.filter((s) => s.error);
    // Failures are requests in flight at the kill or sent while it was down, none after.
    expect(failed.filter((s) => s.startedAt > answeringAt + 100)).to.deep.equal([]);
    expect(killedAt).to.be.lessThan(answeringAt);
    const downtimeMs = failed.length ? failed[failed.length - 1]!.startedAt - failed[0]!.startedAt : 0;
    console.log(`      haproxy kill -9 → answering again: ${failed.length} failed requests over ${downtimeMs.toFixed(0)} ms`);
    expect(samples.filter((s) => s.answer === 'web-b')).to.deep.equal([]);
  });
});
