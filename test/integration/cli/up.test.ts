import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS, type KubeList, type Task } from '../../../src/api/types.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { okube, removeContainersOf, startUp, type UpProcess } from '../../support/okube-cli.js';
import { waitFor } from '../../support/wait.js';
import { freePort } from '../../../src/util/free-port.js';

// `okube up` as a process: it refuses to start with one clear line when something it needs is
// missing, and a Ctrl-C followed by another `okube up` on the same data dir carries on with the
// same objects and the same containers.

/** Runs `okube up` expecting it to fail at once; returns its exit code and stderr. */
async function upFails(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const r = await okube(['up', '--node-name', uniqueName('fail'), ...args], { env, timeoutMs: 60_000 });
  return { code: r.code, stderr: r.stderr };
}

describe('okube up: fails fast with one line saying what to do', function () {
  this.timeout(120_000);
  let dir: string;
  let busy: Server | undefined;

  before(() => (dir = mkdtempSync(join(tmpdir(), 'okube-up-fail-'))));
  after(() => {
    busy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const oneLine = (r: { code: number | null; stderr: string }, pattern: RegExp) => {
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr.trimEnd().split('\n'), r.stderr).to.have.length(1);
    expect(r.stderr).to.match(pattern);
  };

  it('when Docker is not reachable', async () => {
    const port = await freePort();
    const r = await upFails(['--data-dir', join(dir, 'a'), '--listen', `127.0.0.1:${port}`, '--docker-host', `unix://${join(dir, 'no-docker.sock')}`]);
    oneLine(r, /^error: Docker is not reachable at unix:\/\/.*no-docker\.sock: start the Docker engine .* or pass --docker-host/);
  });

  it('when the port is taken', async () => {
    const port = await freePort();
    busy = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => busy!.once('listening', r));
    const r = await upFails(['--data-dir', join(dir, 'b'), '--listen', `127.0.0.1:${port}`, '--docker-host', testEnv().dockerHost]);
    oneLine(r, new RegExp(`^error: 127\\.0\\.0\\.1:${port} is already in use .*--listen`));
  });

  it('when the data dir is not writable', async () => {
    // A path under a regular file cannot be created, even by root.
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = await upFails(['--data-dir', join(file, 'data'), '--listen', `127.0.0.1:${await freePort()}`, '--docker-host', testEnv().dockerHost]);
    oneLine(r, /^error: data dir .*a-file\/data is not writable \(ENOTDIR\): pick another with --data-dir/);
  });

  it('when the data dir cannot be made (a path under /proc), instead of spinning forever', async () => {
    // Node 20's recursive mkdirSync loops for ever on it, in C++: okube up used a core and ignored SIGTERM.
    const data = `/proc/okube-up-test-${process.pid}/data`;
    const r = await upFails(['--data-dir', data, '--listen', `127.0.0.1:${await freePort()}`, '--docker-host', testEnv().dockerHost]);
    oneLine(r, new RegExp(`^error: data dir ${data} is not writable \\(ENOENT\\): pick another with --data-dir`));
  });

  it('when etcd is not installed', async () => {
    const emptyBin = join(dir, 'bin');
    mkdirSync(emptyBin, { recursive: true });
    const r = await upFails(['--data-dir', join(dir, 'c'), '--listen', `127.0.0.1:${await freePort()}`, '--docker-host', testEnv().dockerHost, '--no-proxy'], { PATH: emptyBin });
    oneLine(r, /^error: no etcd binary found .*apt-get install etcd-server.*--etcd-endpoints/);
  });

  it('when haproxy is not installed (and --no-proxy is not given)', async () => {
    const emptyBin = join(dir, 'bin-no-haproxy');
    mkdirSync(emptyBin, { recursive: true });
    const r = await upFails(['--data-dir', join(dir, 'd'), '--listen', `127.0.0.1:${await freePort()}`, '--docker-host', testEnv().dockerHost], { PATH: emptyBin });
    oneLine(r, /^error: no haproxy binary found .*apt-get install haproxy.*--no-proxy/);
  });

  it('when etcd exits during start-up, its stdout closing just before its last words on stderr', async () => {
    const fakeBin = join(dir, 'fake-etcd-bin');
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(join(fakeBin, 'etcd'), '#!/bin/sh\necho starting\necho starting >&2\nexec 1>&-\nfor i in 1 2 3 4 5 6 7 8; do echo "cannot access data directory $i" >&2; done\nexit 1\n');
    chmodSync(join(fakeBin, 'etcd'), 0o755);
    const r = await upFails(['--data-dir', join(dir, 'd'), '--listen', `127.0.0.1:${await freePort()}`, '--docker-host', testEnv().dockerHost], { PATH: `${fakeBin}:${process.env.PATH}` });
    oneLine(r, /^error: etcd exited during start-up; see .*\/d\/etcd\/etcd\.log\n?$/);
  });
});

describe('okube up: Ctrl-C and up again on the same data dir', function () {
  this.timeout(240_000);
  let dir: string;
  let up: UpProcess | undefined;
  const ns = uniqueName('up-ns');
  const nodeName = uniqueName('up');
  let port: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'okube-up-'));
    port = await freePort();
  });
  after(async () => {
    await up?.stop('SIGINT');
    await removeContainersOf([ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () => startUp({ dataDir: join(dir, 'data'), port, nodeName, env: { OKUBE_LOG_LEVEL: 'info' } });
  const tasks = async (): Promise<Task[]> => {
    const r = await okube(['get', 'tasks', '-n', ns, '-o', 'json'], { kubeconfig: up!.kubeconfig });
    expect(r.code, r.stderr).to.equal(0);
    return (JSON.parse(r.stdout) as KubeList<Task>).items;
  };

  it('keeps the objects and adopts the running containers: same ids, no duplicates', async () => {
    up = await start();
    expect(up.stdout()).to.match(new RegExp(`node: +${nodeName} Ready`));
    // Structured logs: JSON lines on stderr when it is not a terminal.
    const logLine = up.stderr().split('\n').find((l) => l.startsWith('{'));
    expect(JSON.parse(logLine!)).to.include.keys('level', 'time', 'msg', 'component');

    await okube(['apply', '-f', '-'], { kubeconfig: up.kubeconfig, input: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n` });
    const applied = await okube(['apply', '-f', 'manifests/', '-n', ns], { kubeconfig: up.kubeconfig });
    expect(applied.code, applied.stderr).to.equal(0);
    const running = await waitFor('web and probed running', async () => {
      const ts = await tasks();
      const r = ts.filter((t) => (t.metadata.name === 'web' || t.metadata.name === 'probed') && t.status?.phase === 'Running' && t.status.containerID);
      return r.length === 2 ? ts : undefined;
    }, 90_000, 1000);
    const before = new Map(running.map((t) => [t.metadata.name!, { uid: t.metadata.uid, containerID: t.status?.containerID }]));

    const code = await up.stop('SIGINT');
    expect(code, up.stderr().slice(-2000)).to.equal(0);
    expect(up.stderr()).to.include('received SIGINT, shutting down');
    const docker = new DockerRuntime({ dockerHost: testEnv().dockerHost });
    for (const name of ['web', 'probed']) {
      const c = await docker.inspect(before.get(name)!.containerID!);
      expect(c?.running, `${name} left running while okube is down`).to.equal(true);
    }

    up = await start();
    const after = await waitFor('tasks Running again', async () => {
      const ts = await tasks();
      const web = ts.find((t) => t.metadata.name === 'web');
      return web?.status?.phase === 'Running' && web.status.ready ? ts : undefined;
    }, 90_000, 1000);
    expect(after.map((t) => t.metadata.name).sort()).to.deep.equal([...before.keys()].sort());
    for (const t of after) expect(t.metadata.uid, t.metadata.name).to.equal(before.get(t.metadata.name!)!.uid);
    for (const name of ['web', 'probed']) {
      const t = after.find((x) => x.metadata.name === name)!;
      expect(t.status?.containerID, `${name} adopted`).to.equal(before.get(name)!.containerID);
      const containers = await docker.list({ [LABELS.taskUid]: t.metadata.uid! });
      expect(containers.filter((c) => c.running).map((c) => c.id)).to.deep.equal([t.status!.containerID]);
    }
    console.log(`      second okube up:\n${up.stdout().replace(/^/gm, '        ')}`);
  });
});
