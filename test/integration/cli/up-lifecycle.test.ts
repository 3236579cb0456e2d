import { expect } from 'chai';
import { request as httpsRequest } from 'node:https';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { LABELS, type KubeList, type Task } from '../../../src/api/types.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { okube, removeContainersOf, startUp, type UpProcess } from '../../support/okube-cli.js';
import { waitFor } from '../../support/wait.js';
import { freePort } from '../../../src/util/free-port.js';
import { okubeBin } from '../../support/okube-bin.js';

// `okube up` owns its etcd and its data dir: a kill -9 (an OOM kill) leaves nothing that blocks
// the next start, two of them cannot share a data dir, and a Ctrl-C stops everything quietly.

/** Live (not zombie) processes whose command line names this directory: etcd children of okube up. */
function processesOn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv.some((a) => a.startsWith(dir))) continue;
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '')[0];
      if (state !== 'Z' && Number(entry) !== process.pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const etcdPidsOf = (dataDir: string) => processesOn(join(dataDir, 'etcd'));

/** Every pino line okube logged at warn (40) or above. */
function warnings(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .filter((l) => (JSON.parse(l) as { level: number }).level >= 40);
}

const taskYaml = (name: string, ns: string) => `apiVersion: okube.dev/v1alpha1
kind: Task
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  image: ${testEnv().image}
  command: ["sh", "-c", "sleep 3600"]
`;

describe('okube up: owns its etcd and its data dir', function () {
  this.timeout(300_000);
  let dir: string;
  const ups: UpProcess[] = [];
  const namespaces: string[] = [];

  before(() => (dir = mkdtempSync(join(tmpdir(), 'okube-up-life-'))));
  after(async () => {
    for (const up of ups) await up.stop('SIGKILL');
    // Whatever the outcome, no etcd of these tests outlives them.
    for (const pid of processesOn(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await removeContainersOf(namespaces);
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (dataDir: string, port: number, nodeName: string) => {
    const up = await startUp({ dataDir, port, nodeName, env: { OKUBE_LOG_LEVEL: 'info' }, processGroup: true });
    ups.push(up);
    return up;
  };

  it('after a kill -9 the next okube up on the data dir starts, ends the old etcd and keeps the Task and its one container', async () => {
    const dataDir = join(dir, 'kill9');
    const port = await freePort();
    const nodeName = uniqueName('k9');
    const ns = uniqueName('k9-ns');
    namespaces.push(ns);
    let up = await start(dataDir, port, nodeName);
    const firstEtcd = etcdPidsOf(dataDir);
    expect(firstEtcd, 'the etcd of the first okube up').to.have.length(1);
    await okube(['apply', '-f', '-'], { kubeconfig: up.kubeconfig, input: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n` });
    const applied = await okube(['apply', '-f', '-'], { kubeconfig: up.kubeconfig, input: taskYaml('sleeper', ns) });
    expect(applied.code, applied.stderr).to.equal(0);
    const getTask = async (): Promise<Task | undefined> => {
      const r = await okube(['get', 'tasks', '-n', ns, '-o', 'json'], { kubeconfig: up.kubeconfig });
      expect(r.code, r.stderr).to.equal(0);
      return (JSON.parse(r.stdout) as KubeList<Task>).items.find((t) => t.metadata.name === 'sleeper');
    };
    const before = await waitFor('sleeper Running', async () => {
      const t = await getTask();
      return t?.status?.phase === 'Running' && t.status.containerID ? t : undefined;
    }, 90_000, 500);

    up.child.kill('SIGKILL');
    await up.exited;

    up = await start(dataDir, port, nodeName);
    for (const pid of firstEtcd) expect(processesOn(dir), `etcd ${pid} of the killed okube up`).not.to.include(pid);
    expect(etcdPidsOf(dataDir), 'one etcd: the new one').to.have.length(1);
    const after = await waitFor('sleeper Running again', async () => {
      const t = await getTask();
      return t?.status?.phase === 'Running' && t.status.containerID ? t : undefined;
    }, 90_000, 500);
    expect(after.metadata.uid).to.equal(before.metadata.uid);
    expect(after.status?.containerID, 'the container was adopted').to.equal(before.status?.containerID);
    const docker = new DockerRuntime({ dockerHost: testEnv().dockerHost });
    const containers = await docker.list({ [LABELS.taskUid]: after.metadata.uid! });
    expect(containers.map((c) => c.id)).to.deep.equal([before.status!.containerID]);
    expect(warnings(up.stderr()).filter((l) => /Unhandled|uncaught/i.test(l))).to.deep.equal([]);
    expect(await up.stop('SIGINT')).to.equal(0);
  });

  it('after a kill -9 its HAProxy serves on; the next okube up adopts it, or with --no-proxy ends it', async () => {
    const dataDir = join(dir, 'kill9-proxy');
    const port = await freePort();
    const nodeName = uniqueName('k9p');
    const haproxyPids = () => processesOn(join(dataDir, 'haproxy'));
    let up = await start(dataDir, port, nodeName);
    const first = haproxyPids();
    expect(first.length, 'haproxy master and worker').to.be.greaterThan(0);
    up.child.kill('SIGKILL');
    await up.exited;
    expect(haproxyPids(), 'serving on after the kill').to.deep.equal(first);
    up = await start(dataDir, port, nodeName);
    expect(haproxyPids(), 'adopted').to.deep.equal(first);
    up.child.kill('SIGKILL');
    await up.exited;
    ups.push(await startUp({ dataDir, port, nodeName, extraArgs: ['--no-proxy'], processGroup: true }));
    expect(haproxyPids(), 'ended by okube up --no-proxy').to.deep.equal([]);
    expect(await ups.at(-1)!.stop('SIGINT')).to.equal(0);
  });

  it('Ctrl-C while a Task that ignores SIGTERM is being deleted exits 0 at once, and the engine finishes the stop when the grace ends', async () => {
    const dataDir = join(dir, 'slow-stop');
    const ns = uniqueName('slow-ns');
    namespaces.push(ns);
    const up = await start(dataDir, await freePort(), uniqueName('slow'));
    await okube(['apply', '-f', '-'], { kubeconfig: up.kubeconfig, input: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n` });
    const applied = await okube(['apply', '-f', '-'], { kubeconfig: up.kubeconfig, input: `${taskYaml('stubborn', ns).replace('sleep 3600', "trap '' TERM; sleep 3600")}  terminationGracePeriodSeconds: 20\n` });
    expect(applied.code, applied.stderr).to.equal(0);
    const containerID = await waitFor('stubborn Running', async () => {
      const r = await okube(['get', 'tasks', '-n', ns, '-o', 'json'], { kubeconfig: up.kubeconfig });
      const t = (JSON.parse(r.stdout) as KubeList<Task>).items[0];
      return t?.status?.phase === 'Running' ? t.status.containerID : undefined;
    }, 90_000, 500);
    const deleted = await okube(['delete', 'task', 'stubborn', '-n', ns, '--wait=false'], { kubeconfig: up.kubeconfig });
    expect(deleted.code, deleted.stderr).to.equal(0);
    // The controller asked the engine to stop it (its Killing Event): that request stays open for the grace.
    await waitFor('the stop under way', async () => {
      const r = await okube(['get', 'events', '-n', ns, '-o', 'json'], { kubeconfig: up.kubeconfig });
      return (JSON.parse(r.stdout) as { items: Array<{ reason?: string }> }).items.some((e) => e.reason === 'Killing');
    }, 60_000, 250);
    expect(await up.stop('SIGINT')).to.equal(0);
    const docker = new DockerRuntime({ dockerHost: testEnv().dockerHost });
    expect((await docker.inspect(containerID!))?.running, 'okube up exited before the grace ended').to.equal(true);
    await waitFor('the engine ends the stop without okube', async () => (await docker.inspect(containerID!))?.running === false, 60_000, 500);
  });

  it('when Docker does not answer, the etcd started beside the Docker check is stopped: one line, exit 1, no etcd left, the data dir free', async () => {
    const dataDir = join(dir, 'no-docker');
    const port = await freePort();
    const r = await okube(['up', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--docker-host', `unix://${join(dir, 'no-docker.sock')}`, '--node-name', uniqueName('nodock')], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr.trimEnd().split('\n'), r.stderr).to.have.length(1);
    expect(r.stderr).to.match(/^error: Docker is not reachable at unix:\/\/.*no-docker\.sock/);
    // etcd's start does not wait for the Docker check (they run side by side), so it was started.
    expect(existsSync(join(dataDir, 'etcd', 'etcd.log')), 'etcd was started').to.equal(true);
    expect(etcdPidsOf(dataDir)).to.deep.equal([]);
    const up = await start(dataDir, port, uniqueName('nodock2'));
    expect(await up.stop('SIGINT')).to.equal(0);
  });

  it('a second okube up on a data dir in use says so in one line naming the pid; the first keeps running', async () => {
    const dataDir = join(dir, 'twice');
    const up = await start(dataDir, await freePort(), uniqueName('twice'));
    const second = await okube(['up', '--data-dir', dataDir, '--listen', `127.0.0.1:${await freePort()}`, '--docker-host', testEnv().dockerHost, '--node-name', uniqueName('twice2')], {
      timeoutMs: 60_000,
    });
    expect(second.code, second.stderr).to.equal(1);
    expect(second.stderr.trimEnd().split('\n'), second.stderr).to.have.length(1);
    expect(second.stderr).to.match(new RegExp(`^error: data dir ${dataDir} is in use by another okube up \\(pid ${up.child.pid}\\)`));
    expect(up.child.exitCode, 'the first okube up').to.equal(null);
    const nodes = await okube(['get', 'nodes'], { kubeconfig: up.kubeconfig });
    expect(nodes.code, nodes.stderr).to.equal(0);
    expect(etcdPidsOf(dataDir)).to.have.length(1);
    expect(await up.stop('SIGINT')).to.equal(0);
  });

  it('Ctrl-C exits 0 without logging a warning or an error, and leaves no etcd and no HAProxy', async () => {
    const dataDir = join(dir, 'sigint');
    const up = await start(dataDir, await freePort(), uniqueName('int'));
    expect(etcdPidsOf(dataDir)).to.have.length(1);
    expect(processesOn(join(dataDir, 'haproxy')).length, 'haproxy master and worker').to.be.greaterThan(0);
    // A terminal's Ctrl-C signals the whole foreground process group, not just okube.
    process.kill(-up.child.pid!, 'SIGINT');
    const code = await up.exited;
    expect(code, up.stderr().slice(-3000)).to.equal(0);
    expect(warnings(up.stderr())).to.deep.equal([]);
    expect(etcdPidsOf(dataDir)).to.deep.equal([]);
    expect(processesOn(join(dataDir, 'haproxy')), 'a clean stop ends HAProxy').to.deep.equal([]);
  });

  it('SIGTERM exits 0 without logging a warning or an error, and leaves no etcd', async () => {
    const dataDir = join(dir, 'sigterm');
    const up = await start(dataDir, await freePort(), uniqueName('term'));
    const code = await up.stop('SIGTERM');
    expect(code, up.stderr().slice(-3000)).to.equal(0);
    expect(warnings(up.stderr())).to.deep.equal([]);
    expect(etcdPidsOf(dataDir)).to.deep.equal([]);
  });

  it('Ctrl-C during start-up stops what was started: exit 130, one line, no etcd left, the data dir free', async () => {
    const dataDir = join(dir, 'early-int');
    const port = await freePort();
    const nodeName = uniqueName('eint');
    const args = [okubeBin(), 'up', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--docker-host', testEnv().dockerHost, '--node-name', nodeName];
    const first = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    first.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => first.once('exit', r));
    try {
      await waitFor('etcd spawned', async () => etcdPidsOf(dataDir).length > 0, 60_000, 10);
      process.kill(-first.pid!, 'SIGINT');
      expect(await exited, stderr).to.equal(130);
    } finally {
      first.kill('SIGKILL');
    }
    expect(stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{')), stderr).to.deep.equal(['received SIGINT, shutting down…', 'error: start-up interrupted by SIGINT']);
    expect(etcdPidsOf(dataDir)).to.deep.equal([]);
    const up = await start(dataDir, port, nodeName);
    expect(await up.stop('SIGINT')).to.equal(0);
  });

  it('after a kill -9 while etcd is still starting, the next okube up starts', async () => {
    const dataDir = join(dir, 'early');
    const port = await freePort();
    const nodeName = uniqueName('early');
    const args = [okubeBin(), 'up', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--docker-host', testEnv().dockerHost, '--node-name', nodeName];
    const first = spawn(process.execPath, args, { stdio: 'ignore' });
    const exited = new Promise((r) => first.once('exit', r));
    try {
      // The moment etcd answers, before okube has seen it: the API server is not up yet.
      await waitFor('etcd healthy', async () => {
        if (etcdPidsOf(dataDir).length === 0) return false;
        const { clientPort } = JSON.parse(readFileSync(join(dataDir, 'etcd', 'okube-etcd.json'), 'utf8')) as { clientPort: number };
        // okube up's etcd speaks TLS and wants okube's client certificate.
        const pki = join(dataDir, 'etcd', 'pki');
        let tls;
        try {
          tls = { ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'client.crt')), key: readFileSync(join(pki, 'client.key')) };
        } catch {
          return false;
        }
        return etcdHealthy(`https://127.0.0.1:${clientPort}/health`, tls);
      }, 60_000, 10);
    } finally {
      first.kill('SIGKILL');
      await exited;
    }
    const stray = etcdPidsOf(dataDir);
    const up = await start(dataDir, port, nodeName);
    const now = etcdPidsOf(dataDir);
    expect(now, 'one etcd').to.have.length(1);
    for (const pid of stray) expect(now, `etcd ${pid} of the killed okube up`).not.to.include(pid);
    expect(await up.stop('SIGINT')).to.equal(0);
    expect(etcdPidsOf(dataDir)).to.deep.equal([]);
  });
});

/** Whether etcd's /health answers 200 over HTTPS with the given client certificate. */
function etcdHealthy(url: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { ...tls, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
