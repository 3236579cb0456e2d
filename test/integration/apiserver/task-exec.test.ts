import { expect } from 'chai';
import { request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import { PassThrough } from 'node:stream';
import type { Task } from '../../../src/api/types.js';
import { freePort } from '../../../src/util/free-port.js';
import { uniqueName, testEnv } from '../../support/env.js';
import { okube, removeContainersOf, startUp, type UpProcess } from '../../support/okube-cli.js';
import { waitFor } from '../../support/wait.js';

// tasks/exec as users reach it: okube exec as a namespace user who may not read Nodes (so not
// through the engine), client-node's WebSocket executor (another client library) on the Task's
// path, and what is refused before the upgrade — all against a real `okube up` and Docker engine.

describe('tasks/exec through the API server', function () {
  this.timeout(180_000);
  const image = testEnv().image;
  let dir: string;
  let up: UpProcess;
  let ns: string;
  let kc: KubeConfig;
  const configs = { editor: '', viewer: '' };

  const task = (name: string, spec: string) => `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  name: ${name}\nspec:\n  image: ${image}\n  terminationGracePeriodSeconds: 1\n${spec}`;
  const admin = (args: string[], input?: string) => okube(args, { kubeconfig: up.kubeconfig, input });
  const phase = async (name: string) => (JSON.parse((await admin(['get', 'task', name, '-n', ns, '-o', 'json'])).stdout) as Task).status;
  const execPath = (name: string, query: string) => `/apis/okube.dev/v1alpha1/namespaces/${ns}/tasks/${name}/exec?${query}`;

  /** A raw HTTPS request as the admin (a GET unless a body is given), with extra headers: the status code and the body. */
  const raw = (path: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ code: number; body: string }>((resolve, reject) => {
      const cluster = kc.getCurrentCluster()!;
      const url = new URL(cluster.server);
      const req = request({ host: url.hostname, port: url.port, path, method: body === undefined ? 'GET' : 'POST', ca: Buffer.from(cluster.caData!, 'base64'), headers: { Authorization: `Bearer ${kc.getCurrentUser()!.token}`, ...headers } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(body);
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'okube-exec-'));
    up = await startUp({ dataDir: join(dir, 'data'), port: await freePort(), nodeName: uniqueName('exec') });
    kc = new KubeConfig();
    kc.loadFromString(readFileSync(up.kubeconfig, 'utf8'));
    ns = uniqueName('exec-ns');
    const manifests = [
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`,
      task('shell', `  command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]\n`),
      task('crashing', `  command: ["sh", "-c", "exit 1"]\n  backoff: { initialDelaySeconds: 300, maxDelaySeconds: 300 }\n`),
      task('unplaced', `  nodeSelector: { okube.dev/nowhere: "true" }\n`),
    ].join('---\n');
    const applied = await admin(['apply', '-n', ns, '-f', '-'], manifests);
    expect(applied.code, applied.stderr).to.equal(0);
    for (const [who, role] of [['editor', 'edit'], ['viewer', 'view']] as const) {
      configs[who] = join(dir, `${who}.kubeconfig`);
      const made = await okube(['kubeconfig', 'user', '--name', `${who}-${ns}`, '--data-dir', join(dir, 'data'), '--out', configs[who]], { kubeconfig: up.kubeconfig });
      expect(made.code, made.stderr).to.equal(0);
      const bound = await admin(['create', '-f', '-'], `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: ${who}, namespace: ${ns} }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${role} }\nsubjects: [{ kind: User, name: ${who}-${ns} }]\n`);
      expect(bound.code, bound.stderr).to.equal(0);
    }
    await waitFor('shell running', async () => (await phase('shell'))?.phase === 'Running', 60_000, 300);
  });

  after(async () => {
    await up?.stop('SIGINT');
    if (ns) await removeContainersOf([ns]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a namespace editor who may not read Nodes runs okube exec: output, stdin and exit code come through the API server', async () => {
    const nodes = await okube(['get', 'onodes'], { kubeconfig: configs.editor });
    expect(nodes.stderr).to.match(/Forbidden/);
    const ran = await okube(['exec', '-n', ns, '-i', 'shell', '--', 'sh', '-c', 'tr a-z A-Z; echo err >&2; exit 4'], { kubeconfig: configs.editor, input: 'through the server\n' });
    expect([ran.code, ran.stdout, ran.stderr]).to.deep.equal([4, 'THROUGH THE SERVER\n', 'err\ncommand terminated with exit code 4\n']);
  });

  it('a namespace viewer is refused okube exec with the Forbidden that names create tasks/exec', async () => {
    const r = await okube(['exec', '-n', ns, 'shell', '--', 'true'], { kubeconfig: configs.viewer });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(`Error from server (Forbidden): tasks.okube.dev "shell" is forbidden: User "viewer-${ns}" cannot create resource "tasks/exec" in API group "okube.dev" in the namespace "${ns}"\n`);
  });

  it("client-node's Exec, pointed at the Task's path, gets stdout, stderr, its stdin through and the NonZeroExitCode Status", async () => {
    // Exec builds a Pod's path; its WebSocket handler is client-node's own, given the Task's path instead.
    const handler = new WebSocketHandler(kc);
    const toTask: ConstructorParameters<typeof Exec>[1] = { connect: (path, text, binary) => handler.connect(path.replace(`/api/v1/namespaces/${ns}/pods/shell/`, `/apis/okube.dev/v1alpha1/namespaces/${ns}/tasks/shell/`), text, binary) };
    const [stdout, stderr, stdin] = [new PassThrough(), new PassThrough(), new PassThrough()];
    const read = (s: PassThrough) => {
      let text = '';
      s.on('data', (c: Buffer) => (text += c.toString()));
      return () => text;
    };
    const [out, err] = [read(stdout), read(stderr)];
    const status = new Promise<V1Status>((resolve) => {
      void new Exec(kc, toTask).exec(ns, 'shell', 'shell', ['sh', '-c', 'read line; echo "got $line"; echo two >&2; exit 7'], stdout, stderr, stdin, false, resolve);
    });
    stdin.end('one\n');
    expect(await status).to.deep.include({
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c read line; echo "got $line"; echo two >&2; exit 7], exit code 7',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '7' }] },
    });
    expect([out(), err()]).to.deep.equal(['got one\n', 'two\n']);
  });

  it('what cannot become an exec is a 400 Status before any upgrade: no upgrade, SPDY, no command, no common subprotocol, a container not running or not placed', async () => {
    const ws = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' };
    const message = async (path: string, headers: Record<string, string>) => {
      const r = await raw(path, headers);
      expect(r.code, r.body).to.equal(400);
      return (JSON.parse(r.body) as { message: string }).message;
    };
    expect(await message(execPath('shell', 'command=true&stdout=true'), {})).to.equal('Upgrade request required');
    expect(await message(execPath('shell', 'command=true&stdout=true'), { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' })).to.equal('unable to upgrade connection: okube serves exec over WebSocket only, not SPDY/3.1');
    expect(await message(execPath('shell', 'stdout=true'), ws)).to.equal('you must specify at least 1 command');
    expect(await message(execPath('shell', 'command=true'), ws)).to.equal('you must specify at least one of stdin, stdout, stderr');
    expect(await message(execPath('shell', 'command=true&stdout=true'), { ...ws, 'Sec-WebSocket-Protocol': 'channel.k8s.io' })).to.match(/^unable to upgrade connection: the client offered no subprotocol okube speaks/);
    await waitFor('crashing in its backoff', async () => (await phase('crashing'))?.state?.waiting?.reason === 'CrashLoopBackOff', 60_000, 300);
    expect(await message(execPath('crashing', 'command=true&stdout=true'), ws)).to.equal('container of task "crashing" is not running (phase Running, CrashLoopBackOff)');
    expect(await message(execPath('unplaced', 'command=true&stdout=true'), ws)).to.equal('container of task "unplaced" is not running (phase Pending)');
  });

  it('an ordinary request that asks for an upgrade gets its ordinary answer; one with a body is refused, not run without it', async () => {
    const r = await raw(`/apis/okube.dev/v1alpha1/namespaces/${ns}/tasks/shell`, { Connection: 'Upgrade', Upgrade: 'websocket' });
    expect(r.code).to.equal(200);
    expect((JSON.parse(r.body) as Task).metadata.name).to.equal('shell');
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'upgraded' }, data: { a: 'b' } });
    const posted = await raw(`/api/v1/namespaces/${ns}/configmaps`, { Connection: 'Upgrade', Upgrade: 'h2c', 'Content-Type': 'application/json' }, cm);
    expect([posted.code, (JSON.parse(posted.body) as { message: string }).message]).to.deep.equal([400, 'only tasks/exec upgrades a connection (Upgrade: h2c); send a request with a body without the Upgrade header']);
    expect((await raw(`/api/v1/namespaces/${ns}/configmaps/upgraded`, {})).code).to.equal(404);
  });
});
