import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { freePort } from '../../../src/util/free-port.js';
import { tempDir } from '../apiserver/helpers.js';
import { okubeBin } from '../../support/okube-bin.js';
import { okube, removeNodeLeftovers, startUp, type UpProcess } from '../../support/okube-cli.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { waitFor } from '../../support/wait.js';

// A followed stream whose API server goes away (kill -9 of a real `okube apiserver`, or of
// `okube up`): `okube get -w` and `okube logs -f` end with one line that says what happened and
// where, and a non-zero exit — not Node's bare `aborted`.

/** Spawns an okube command that follows a stream; its output so far and its exit code once it ends (or 'hung'). */
function follower(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [okubeBin(), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    out: () => out,
    err: () => err,
    ended: () => Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]),
    kill: () => child.kill('SIGKILL'),
  };
}

describe('okube get -w when the API server goes away', function () {
  this.timeout(120_000);
  const dir = tempDir('okube-lost-');
  const ns = uniqueName('lost');
  let server: ChildProcess;
  let port: number;
  let kubeconfig: string;
  let token = '';
  let ca = '';

  const fetchText = (method: string, path: string, body?: unknown) =>
    new Promise<{ code: number; text: string }>((resolve, reject) => {
      const req = request(`https://127.0.0.1:${port}${path}`, { method, ca, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const call = async (method: string, path: string, body?: unknown) => (await fetchText(method, path, body)).code;

  before(async () => {
    port = await freePort();
    const data = join(dir, 'data');
    server = spawn(process.execPath, [okubeBin(), 'apiserver', '--etcd-endpoints', testEnv().etcdEndpoints.join(','), '--listen', `127.0.0.1:${port}`, '--data-dir', data, '--log-level', 'warn'], { stdio: 'ignore' });
    await waitFor('okube apiserver ready', async () => {
      try {
        token = readFileSync(join(data, 'token'), 'utf8').trim();
        ca = readFileSync(join(data, 'pki', 'ca.crt'), 'utf8');
        return (await call('GET', '/readyz')) === 200;
      } catch {
        return false;
      }
    }, 60_000, 200);
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
      users: [{ name: 'u', user: { token } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: ns } }],
    }));
    expect(await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).to.equal(201);
    expect(await call('POST', `/apis/okube.dev/v1alpha1/namespaces/${ns}/tasks`, { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 'seen' }, spec: { image: 'busybox' } })).to.equal(201);
  });

  after(async () => {
    if (server.exitCode === null && server.signalCode === null) {
      await call('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
      server.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends with "the watch ended: lost the connection to the server HOST:PORT" and exit code 1 after kill -9 of the server', async () => {
    const cache = tempDir('okube-lost-cache-');
    const f = follower(['get', 'tasks', '-w'], { KUBECONFIG: kubeconfig, KUBECACHEDIR: cache });
    try {
      await waitFor('the listed Task printed', async () => /^seen\s/m.test(f.out()), 30_000, 50);
      // The list is printed before the watch is opened: the server counts it once it is.
      await waitFor('the watch open on the server', async () => /^apiserver_longrunning_requests\{[^}]*verb="WATCH"[^}]*resource="tasks"[^}]*\} 1$/m.test((await fetchText('GET', '/metrics')).text), 30_000, 100);
      server.kill('SIGKILL');
      expect(await f.ended(), `stderr: ${f.err()}`).to.equal(1);
      expect(f.err()).to.equal(`error: the watch ended: lost the connection to the server 127.0.0.1:${port}\n`);
    } finally {
      f.kill();
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

describe('okube logs -f when okube up goes away', function () {
  this.timeout(180_000);
  const dir = tempDir('okube-lost-up-');
  const nodeName = uniqueName('lostlogs');
  const cache = tempDir('okube-lost-up-cache-');
  let up: UpProcess;
  let port: number;

  before(async () => {
    port = await freePort();
    up = await startUp({ dataDir: join(dir, 'data'), port, nodeName, extraArgs: ['--no-proxy'] });
  });
  after(async () => {
    await up?.stop('SIGKILL');
    await removeNodeLeftovers(nodeName);
    rmSync(dir, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  });

  it('ends with "the log of task/NAME ended: lost the connection to the server HOST:PORT" and exit code 1 after kill -9 of okube up', async () => {
    const manifest = `apiVersion: okube.dev/v1alpha1
kind: Task
metadata: { name: talker }
spec:
  image: ${testEnv().image}
  command: [sh, -c, "trap 'exit 0' TERM; while true; do echo tick; sleep 0.2; done"]
`;
    const applied = await okube(['apply', '-f', '-'], { kubeconfig: up.kubeconfig, input: manifest });
    expect(applied.code, applied.stderr).to.equal(0);
    await waitFor('talker Running', async () => (await okube(['get', 'task', 'talker', '-o', 'jsonpath={.status.phase}'], { kubeconfig: up.kubeconfig })).stdout === 'Running', 60_000, 200);
    const f = follower(['logs', '-f', 'talker'], { KUBECONFIG: up.kubeconfig, KUBECACHEDIR: cache });
    try {
      await waitFor('the followed log prints', async () => /tick\n/.test(f.out()) || (f.err() ? Promise.reject(new Error(f.err())) : false), 30_000, 100);
      await up.stop('SIGKILL');
      expect(await f.ended(), `stderr: ${f.err()}`).to.equal(1);
      expect(f.err()).to.equal(`error: the log of task/talker ended: lost the connection to the server 127.0.0.1:${port}\n`);
    } finally {
      f.kill();
    }
  });
});
