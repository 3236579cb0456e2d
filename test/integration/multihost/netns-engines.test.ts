import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS, type Task } from '../../../src/api/types.js';
import type { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { testEnv, uniqueName, type NetnsEngine } from '../../support/env.js';
import { cutLink, NODE_LOST_SLACK_MS, netnsNode, netnsRuntime, nodeLostBoundMs, restoreNetnsEngines } from '../../support/netns.js';
import { requireEnv } from '../../support/require-env.js';
import { taskObject, waitFor, waitForTask } from '../../support/tasks.js';
import { NODE_WAIT_MS } from '../../../src/controllers/task/preflight.js';

// Nodes whose Docker engines are really elsewhere: each engine of `hack/dev-env.sh netns-hosts 3`
// runs in its own network namespace, reachable only at its address over TCP with TLS client
// certificates. Nothing here may bind a port on the engine's address from the controllers' side
// (they do not have it), so host ports are allocated from what the engine reports and what it
// refuses; Tasks answer HTTP through the Node's address from the root namespace.

const run = promisify(execFile);
const NODE_GRACE_MS = 6000;
/** startControllers' node period. */
const NODE_PERIOD_MS = 500;

const HTTPD = (name: string) => ['sh', '-c', `mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -p 8080 -h /www`];

async function curl(url: string): Promise<string> {
  const { stdout } = await run('curl', ['-s', '-m', '5', '--fail', url]);
  return stdout.trim();
}

/** A program (not a container) holding addr:port inside the engine's namespace. */
async function holdPort(e: NetnsEngine, port: number): Promise<ChildProcess> {
  const script = `import socket,sys,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("${e.address}",${port}))\ns.listen()\nprint("ok",flush=True)\ntime.sleep(600)`;
  const child = spawn('nsenter', [`--net=/run/netns/${e.netns}`, '/usr/bin/python3', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`port holder exited (${code})`)));
  });
  return child;
}

describe('Nodes on Docker engines in their own network namespaces, over TCP+TLS', function () {
  this.timeout(300_000);
  const env = testEnv();
  const engines = env.netns;
  const group = `netns-${randomBytes(3).toString('hex')}`;
  const nodeNames = engines.map((_, i) => `${group}-${i + 1}`);
  const runtimes: DockerRuntime[] = engines.map(netnsRuntime);
  let rig: ControllerRig;
  let ns: string;
  const extraNodes: string[] = [];

  const bound = (t: Task) => t.spec.nodeName;
  const running = (t: Task) => t.status?.phase === 'Running' && t.status.state?.running !== undefined;
  const tasksIn = async () => (await rig.manager.tasks.list({ namespace: ns })).items;
  const eventsOf = async (name: string) => (await rig.cluster.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns })).items.filter((e) => e.involvedObject.name === name);

  async function addNode(name: string, i: number, range: { start: number; end: number }, labels: Record<string, string> = {}): Promise<void> {
    const node = netnsNode(name, engines[i], range, labels);
    // The last engine's Node leaves spec.address out, as a user adding a remote engine would: its
    // address is the host of its tcp:// dockerHost.
    if (i === engines.length - 1) delete node.spec.address;
    await rig.manager.nodes.create(node);
    try {
      await waitFor(`Node ${name} Ready`, async () => rig.manager.registry.get(name)?.ready, 120_000, 200);
    } catch (err) {
      // Say why: the Node's own Ready condition carries the engine's error.
      const cond = (await rig.manager.nodes.get(name).catch(() => undefined))?.status?.conditions?.find((c) => c.type === 'Ready');
      throw new Error(`${(err as Error).message}; Ready=${cond?.status} ${cond?.reason}: ${cond?.message}`);
    }
  }

  async function deleteAll(): Promise<void> {
    for (const t of await tasksIn()) await rig.manager.tasks.delete(t.metadata.name!, ns).catch(() => undefined);
    await waitFor('Tasks gone', async () => (await tasksIn()).length === 0, 120_000, 250);
  }

  before(async function () {
    requireEnv(this, engines.length >= 3, 'no engines in network namespaces (OKUBE_TEST_NETNS_DOCKER_HOSTS; run hack/dev-env.sh netns-hosts 3)');
    // An engine may have died since the suite brought it up (the OOM killer on a busy machine):
    // this file tests okube against the engines, not whether they survived earlier files.
    await restoreNetnsEngines(3);
    rig = await startControllers({ orphanGraceMs: 1000, nodeGracePeriodMs: NODE_GRACE_MS, nodePeriodMs: NODE_PERIOD_MS, schedulerRetryMs: 2000 });
    ns = await newNamespace(rig.cluster);
    await Promise.all(nodeNames.map((n, i) => addNode(n, i, { start: 32000, end: 32767 }, { 'okube.dev/test-group': group })));
  });

  afterEach(async () => {
    if (rig && ns) await deleteAll();
    for (const n of extraNodes.splice(0)) await rig.manager.nodes.delete(n).catch(() => undefined);
  });

  after(async () => {
    if (!rig) return;
    await restoreNetnsEngines(3);
    for (const n of nodeNames) await rig.manager.nodes.delete(n).catch(() => undefined);
    await stopControllers(rig);
    for (const rt of runtimes) {
      for (const c of await rt.list({ [LABELS.managed]: 'true' }).catch(() => [])) if (c.labels[LABELS.node]?.startsWith(group)) await rt.remove(c.id).catch(() => undefined);
    }
  });

  it('30 Tasks with hostPort 0 spread over the three engines and each answers HTTP at its Node address and allocated port, from the root namespace', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `web-${i}`);
    for (const name of names) {
      await rig.manager.tasks.create(taskObject(ns, name, { image: env.image, command: HTTPD(name), ports: [{ containerPort: 8080, hostPort: 0 }], nodeSelector: { 'okube.dev/test-group': group } }));
    }
    const tasks = await waitFor('30 Tasks Running', async () => {
      const ts = await tasksIn();
      return ts.length === 30 && ts.every(running) ? ts : undefined;
    }, 240_000, 500);
    const perNode = new Map<string, number>();
    for (const t of tasks) perNode.set(bound(t)!, (perNode.get(bound(t)!) ?? 0) + 1);
    expect([...perNode.keys()].sort(), 'every engine runs some').to.deep.equal([...nodeNames].sort());
    const endpoints = tasks.map((t) => {
      const e = engines[nodeNames.indexOf(bound(t)!)];
      const port = t.status!.ports![0].hostPort;
      expect(port, `${t.metadata.name} port in the Node's range`).to.be.within(32000, 32767);
      return { name: t.metadata.name!, url: `http://${e.address}:${port}/` };
    });
    expect(new Set(endpoints.map((e) => e.url)).size, 'no two Tasks share an address and port').to.equal(30);
    for (const [i, n] of nodeNames.entries()) expect((await rig.manager.nodes.get(n)).status?.addresses, `${n} status.addresses`).to.deep.equal([{ type: 'InternalIP', address: engines[i].address }]);
    for (const e of endpoints) expect(await curl(e.url), e.url).to.equal(e.name);
    console.log(`      spread: ${[...perNode.entries()].map(([n, c]) => `${n}=${c}`).join(' ')}`);
  });

  it('never hands out a host port that a container okube does not manage publishes on the engine', async () => {
    const e = engines[0];
    const name = `${group}-held`;
    extraNodes.push(name);
    await addNode(name, 0, { start: 31800, end: 31801 });
    const holder = uniqueName('hosts-holder');
    await run('docker', ['--tlsverify', '--tlscacert', e.tls.caFile, '--tlscert', e.tls.certFile, '--tlskey', e.tls.keyFile, '-H', e.dockerHost, 'run', '-d', '--name', holder, '-p', `${e.address}:31800:8080`, env.image, 'sleep', '3600']);
    try {
      await rig.manager.tasks.create(taskObject(ns, 'first', { image: env.image, command: HTTPD('first'), nodeName: name, ports: [{ containerPort: 8080, hostPort: 0 }] }));
      const first = await waitForTask(rig.manager.tasks, ns, 'first', 'first Running', running, 60_000);
      expect(first.status!.ports![0].hostPort).to.equal(31801);
      expect(await curl(`http://${e.address}:31801/`)).to.equal('first');
      // The range is now full: the next Task says so instead of taking the held port.
      await rig.manager.tasks.create(taskObject(ns, 'second', { image: env.image, command: HTTPD('second'), nodeName: name, ports: [{ containerPort: 8080, hostPort: 0 }] }));
      const second = await waitForTask(rig.manager.tasks, ns, 'second', 'second refused', (t) => t.status?.state?.waiting?.reason === 'CreateContainerError', 60_000);
      expect(second.status!.state!.waiting!.message).to.equal(`no free host port in 31800-31801 on node ${name} (${e.address})`);
      expect(second.status!.backoff?.nextRestartAt).to.be.a('string');
      const holderState = (await runtimes[0].list({})).find((c) => c.name === holder);
      expect(holderState?.running, 'the holder still runs, untouched').to.equal(true);
    } finally {
      await runtimes[0].remove(holder).catch(() => undefined);
      const leftover = (await runtimes[0].list({})).find((c) => c.name === holder);
      if (leftover) await runtimes[0].remove(leftover.id);
    }
  });

  it('picks another host port, and says so in an Event, when a program on the engine host holds the one allocated', async () => {
    const e = engines[1];
    const name = `${group}-grab`;
    extraNodes.push(name);
    await addNode(name, 1, { start: 31900, end: 31902 });
    const holder = await holdPort(e, 31900);
    try {
      await rig.manager.tasks.create(taskObject(ns, 'moved', { image: env.image, command: HTTPD('moved'), nodeName: name, ports: [{ containerPort: 8080, hostPort: 0 }] }));
      const t = await waitForTask(rig.manager.tasks, ns, 'moved', 'Running on another port', running, 60_000);
      const port = t.status!.ports![0].hostPort;
      expect(port).to.be.oneOf([31901, 31902]);
      expect(await curl(`http://${e.address}:${port}/`)).to.equal('moved');
      const conflict = await waitFor('HostPortConflict Event', async () => (await eventsOf('moved')).find((ev) => ev.reason === 'HostPortConflict'), 30_000, 200);
      expect(conflict.type).to.equal('Warning');
      expect(conflict.message).to.match(new RegExp(`^host port 31900 on node ${name} is held by another program \\(.*address already in use.*\\); allocating another$`));
      expect(conflict.count ?? 1, 'the held port was tried once, not again').to.equal(1);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('a Task whose command does not exist shows RunContainerError with the engine message, on a growing backoff with nextRestartAt', async () => {
    await rig.manager.tasks.create(taskObject(ns, 'nocmd', { image: env.image, command: ['/no/such/program'], nodeName: nodeNames[2], backoff: { initialDelaySeconds: 1, factor: 2, maxDelaySeconds: 60 } }));
    const seen: Array<{ restarts: number; delaySeconds: number; nextRestartAt?: string }> = [];
    const t = await waitForTask(rig.manager.tasks, ns, 'nocmd', 'three failed starts', (x) => {
      const b = x.status?.backoff;
      if (b && x.status?.state?.waiting?.reason === 'RunContainerError' && !seen.some((s) => s.restarts === b.restarts)) seen.push({ restarts: b.restarts, delaySeconds: b.delaySeconds, nextRestartAt: b.nextRestartAt });
      return (b?.restarts ?? 0) >= 3;
    }, 90_000);
    expect(t.status!.state!.waiting!.message).to.match(/\/no\/such\/program.*no such file or directory/);
    expect(t.status!.backoff!.nextRestartAt).to.be.a('string');
    const delays = seen.sort((a, b) => a.restarts - b.restarts).map((s) => s.delaySeconds);
    expect(delays.length).to.be.greaterThan(1);
    for (let i = 1; i < delays.length; i++) expect(delays[i], `delays ${delays.join(', ')} grow`).to.be.greaterThan(delays[i - 1]);
    expect(t.status!.conditions!.find((c) => c.type === 'BackOff')).to.include({ status: 'True', reason: 'RunContainerError' });
  });

  /** Loses engine `lost` (`how`), checks the Node turns Unknown and its Tasks move, brings it back, checks the stale copies go. */
  async function loseEngine(lost: number, how: () => Promise<void>, prefix: string): Promise<void> {
    for (let i = 0; i < 6; i++) {
      await rig.manager.tasks.create(taskObject(ns, `${prefix}-${i}`, { image: env.image, command: HTTPD(`${prefix}-${i}`), ports: [{ containerPort: 8080, hostPort: 0 }], nodeSelector: { 'okube.dev/test-group': group }, evictionTimeoutSeconds: 2 }));
    }
    const before = await waitFor('6 Tasks Running', async () => {
      const ts = await tasksIn();
      return ts.length === 6 && ts.every(running) ? ts : undefined;
    }, 120_000, 500);
    const onLost = before.filter((t) => bound(t) === nodeNames[lost]);
    expect(onLost.length, 'the spread put some on the engine about to be lost').to.be.greaterThan(0);

    const lostAt = Date.now();
    await how();
    try {
      // Within what the grace logic explains (nodeLostBoundMs in test/support/netns.ts) plus its
      // stated slack; the Ready condition's message says how long the engine was silent.
      const limitMs = nodeLostBoundMs(NODE_GRACE_MS, NODE_PERIOD_MS);
      let last: unknown;
      const unknown = await waitFor(`Node Ready=Unknown within ${limitMs} ms (grace ${NODE_GRACE_MS} + period ${NODE_PERIOD_MS} + 1000 heartbeat + ${NODE_LOST_SLACK_MS} slack)`, async () => {
        const c = (await rig.manager.nodes.get(nodeNames[lost])).status?.conditions?.find((x) => x.type === 'Ready');
        last = c;
        return c?.status === 'Unknown' ? c : undefined;
      }, limitMs, 200).catch((err: Error) => {
        throw new Error(`${err.message}; Ready condition last read: ${JSON.stringify(last)}`);
      });
      console.log(`      ${prefix}: ${nodeNames[lost]} Ready=Unknown (${unknown.reason}) seen ${Date.now() - lostAt} ms after the loss, decided at ${Date.parse(unknown.lastTransitionTime!) - lostAt} ms (grace ${NODE_GRACE_MS} ms): ${unknown.message}`);
      expect(unknown.reason).to.equal('EngineUnreachable');
      const moved = await waitFor('lost Tasks Running elsewhere', async () => {
        const ts = await Promise.all(onLost.map((t) => rig.manager.tasks.get(t.metadata.name!, ns)));
        return ts.every((t) => running(t) && bound(t) !== nodeNames[lost]) ? ts : undefined;
      }, 120_000, 500);
      for (const t of moved) {
        const e = engines[nodeNames.indexOf(bound(t)!)];
        expect(await curl(`http://${e.address}:${t.status!.ports![0].hostPort}/`)).to.equal(t.metadata.name);
      }
    } finally {
      await restoreNetnsEngines(3);
    }
    await waitFor('Node Ready again', async () => rig.manager.registry.get(nodeNames[lost])?.ready, 60_000, 200);
    await waitFor('stale copies removed from the engine that came back', async () => {
      const left = await runtimes[lost].list({ [LABELS.node]: nodeNames[lost] });
      return onLost.every((t) => !left.some((c) => c.labels[LABELS.taskUid] === t.metadata.uid));
    }, 60_000, 500);
    // Exactly one running container per Task, over all engines.
    const all = (await Promise.all(runtimes.map((rt, i) => rt.list({ [LABELS.node]: nodeNames[i] })))).flat().filter((c) => c.running);
    for (const t of await tasksIn()) expect(all.filter((c) => c.labels[LABELS.taskUid] === t.metadata.uid), t.metadata.name).to.have.length(1);
  }

  it('a cut link makes the Node Ready=Unknown within the grace period, its Tasks move, and their stale copies go when the link returns', async () => {
    // The engine and its containers keep running behind the cut: the stale copies are real.
    await loseEngine(2, () => cutLink(engines[2]), 'cut');
  });

  it('a cut link turns the Tasks on that Node not Ready (NodeNotReady) without restarting them, and Ready again when it returns', async () => {
    // Probed from the controllers' side, through the link about to be cut: liveness fails there
    // as it would for a hung container, but the engine does not answer either, so no restart.
    const probe = { httpGet: { path: '/', port: 8080 }, periodSeconds: 1, failureThreshold: 2 };
    const names = [0, 1].map((i) => `cut-ready-${i}`);
    for (const name of names) {
      await rig.manager.tasks.create(taskObject(ns, name, { image: env.image, command: HTTPD(name), ports: [{ containerPort: 8080, hostPort: 0 }], nodeName: nodeNames[0], evictionTimeoutSeconds: 600, livenessProbe: probe, readinessProbe: probe }));
    }
    const ready = (t: Task) => t.status?.conditions?.find((c) => c.type === 'Ready');
    const before = await Promise.all(names.map((n) => waitForTask(rig.manager.tasks, ns, n, `${n} Running and Ready`, (t) => running(t) && ready(t)?.status === 'True', 120_000)));
    await cutLink(engines[0]);
    try {
      // Within the Node's own bound and the Task controller's next pass (NODE_WAIT_MS), also for a
      // Task whose reconcile was waiting on the engine when the link went (the Node's connections
      // are dropped when it turns Unknown; the engine client's idle timeout is 30 s).
      const unready = await Promise.all(names.map((n) => waitForTask(rig.manager.tasks, ns, n, `${n} Ready=False NodeNotReady`, (t) => ready(t)?.reason === 'NodeNotReady', nodeLostBoundMs(NODE_GRACE_MS, NODE_PERIOD_MS) + NODE_WAIT_MS + 3000)));
      for (const t of unready) {
        expect(t.status!.ready).to.equal(false);
        expect(ready(t)!.status).to.equal('False');
        expect(ready(t)!.message).to.include(`node ${nodeNames[0]} is not Ready`);
        expect(t.spec.nodeName, 'not moved: its eviction timeout is 10 minutes').to.equal(nodeNames[0]);
        expect(t.status!.phase).to.equal('Running');
      }
      // Events leave through the controllers' event queue, after the status write.
      await waitFor('a NodeNotReady Event', async () => (await eventsOf(names[0])).some((e) => e.reason === 'NodeNotReady'), 10_000, 200);
      // Long enough for the liveness probe (2 failures, 1 s apart) to have asked for restarts many times over.
      await new Promise((r) => setTimeout(r, 4000));
    } finally {
      await restoreNetnsEngines(3);
    }
    const after = await Promise.all(names.map((n) => waitForTask(rig.manager.tasks, ns, n, `${n} Ready again`, (t) => ready(t)?.status === 'True', 60_000)));
    for (const [i, t] of after.entries()) {
      expect(t.status!.containerID, `${t.metadata.name}: the same container`).to.equal(before[i].status!.containerID);
      expect(t.status!.restartCount ?? 0, `${t.metadata.name}: not restarted`).to.equal(0);
      expect(await curl(`http://${engines[0].address}:${t.status!.ports![0].hostPort}/`)).to.equal(t.metadata.name);
    }
  });

  it('a link cut for a few seconds (within the grace period) does not restart a Task whose liveness probe failed through it', async () => {
    const probe = { httpGet: { path: '/', port: 8080 }, periodSeconds: 1, failureThreshold: 2 };
    const name = 'blip-live';
    await rig.manager.tasks.create(taskObject(ns, name, { image: env.image, command: HTTPD(name), ports: [{ containerPort: 8080, hostPort: 0 }], nodeName: nodeNames[0], livenessProbe: probe }));
    const before = await waitForTask(rig.manager.tasks, ns, name, `${name} Running`, running, 120_000);
    await cutLink(engines[0]);
    try {
      // Two failed probes and more: a liveness verdict is due; a stop sent now would reach the engine when the link is back.
      await new Promise((r) => setTimeout(r, 4500));
    } finally {
      await restoreNetnsEngines(3);
    }
    await waitFor('the engine answers again', async () => runtimes[0].ping().then(() => true, () => false), 30_000, 200);
    // Time for a stop queued during the cut to arrive, and for the probes to pass again.
    await new Promise((r) => setTimeout(r, 6000));
    const t = await rig.manager.tasks.get(name, ns);
    expect(t.status!.restartCount ?? 0, 'not restarted').to.equal(0);
    expect(t.status!.containerID).to.equal(before.status!.containerID);
    expect((await eventsOf(name)).filter((e) => e.reason === 'Unhealthy' || e.reason === 'Killing').map((e) => e.message)).to.deep.equal([]);
    expect(await curl(`http://${engines[0].address}:${t.status!.ports![0].hostPort}/`)).to.equal(name);
  });

  it('kill -9 of an engine makes the Node Ready=Unknown, its Tasks move, and nothing of them is left when it is back', async () => {
    await loseEngine(1, async () => {
      process.kill(Number(readFileSync(engines[1].pidFile, 'utf8').trim()), 'SIGKILL');
    }, 'kill');
  });
});
