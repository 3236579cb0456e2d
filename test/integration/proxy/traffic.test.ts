import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS, type Condition, type Task, type TaskService, type TaskSet } from '../../../src/api/types.js';
import { loadKubeConfig } from '../../../src/client/kubeconfig.js';
import { Informer } from '../../../src/client/informer.js';
import { ResourceClient, TASKS, TASKSERVICES } from '../../../src/client/resource-client.js';
import { safeName } from '../../../src/proxy/plan.js';
import { backendName } from '../../../src/proxy/render.js';
import { runtimeCommand } from '../../../src/proxy/runtime-api.js';
import { parseServersState } from '../../../src/proxy/runtime-state.js';
import { runsConfig } from '../../../src/proxy/supervisor.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { freePort } from '../../../src/util/free-port.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { haveHaproxy } from '../../support/haproxy.js';
import { get, loadLoop, type Sample } from '../../support/http-load.js';
import { kubectl } from '../../support/kubectl.js';
import { okube, removeContainersOf, startUp, type UpOptions, type UpProcess } from '../../support/okube-cli.js';
import { requireEnv } from '../../support/require-env.js';
import { waitFor } from '../../support/wait.js';

// Issue 18's "Done when", end to end through `okube up`: its API server, controllers and
// supervised HAProxy, busybox httpd Tasks of a TaskSet on the real Docker engine, real kubectl,
// real HTTP traffic (keep-alive and non-keep-alive clients) through the TaskService's frontend
// for the whole of each test. Every backend answers with its container's hostname, which is its
// Task's name (as a Pod's hostname is its name). Times are compared on one clock: a sample's start
// (performance.now()) and a condition's lastTransitionTime (set by okube before it writes).

const env = testEnv();
const docker = new DockerRuntime({ dockerHost: env.dockerHost });
// busybox httpd serving its own hostname at /, and /ready for the readiness probe (the test
// removes and recreates it with docker exec to flap readiness).
const HTTPD = 'mkdir -p /w && hostname > /w/index.html && echo ok > /w/ready && exec httpd -f -p 8080 -h /w';

const epoch = (perfMs: number) => performance.timeOrigin + perfMs;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const readyCond = (t: Task): Condition | undefined => t.status?.conditions?.find((c) => c.type === 'Ready');

describe('TaskService traffic through okube up (API server, controllers, HAProxy, Docker)', function () {
  this.timeout(300_000);
  let up: UpProcess;
  let upArgs: UpOptions;
  let dataDir: string;
  let kubecache: string;
  let tasks: ResourceClient<Task>;
  let services: ResourceClient<TaskService>;
  let informer: Informer<Task>;
  const namespaces: string[] = [];
  const rangeStart = 20_000 + Math.floor(Math.random() * 240) * 40;

  const run = (args: string[], input?: string) => kubectl(args, { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: kubecache }, input);
  const ok = async (args: string[], input?: string) => {
    const r = await run(args, input);
    expect(r.code, `kubectl ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r.stdout;
  };
  const taskOf = (answer: string | undefined) => answer?.trim();

  function taskSet(ns: string, name: string, version = '1', replicas = 3): TaskSet {
    return {
      apiVersion: 'okube.dev/v1alpha1',
      kind: 'TaskSet',
      metadata: { name, namespace: ns },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            image: env.image,
            imagePullPolicy: 'Never',
            command: ['sh', '-c', HTTPD],
            env: [{ name: 'VERSION', value: version }],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
            terminationGracePeriodSeconds: 5,
          },
        },
      },
    };
  }
  function taskService(ns: string, name: string, selector: Record<string, string>, port: { port?: number; targetPort?: number | string } = {}): TaskService {
    return {
      apiVersion: 'okube.dev/v1alpha1',
      kind: 'TaskService',
      metadata: { name, namespace: ns },
      spec: { selector, ports: [{ name: 'http', port: port.port ?? 0, targetPort: port.targetPort ?? 'http' }] },
    };
  }
  const condition = (s: TaskService | undefined, type: string) => s?.status?.conditions?.find((c) => c.type === type);

  async function newNamespace(): Promise<string> {
    const ns = uniqueName('traffic');
    namespaces.push(ns);
    await ok(['create', 'namespace', ns]);
    return ns;
  }

  /** Waits until the service reports `n` ready endpoints and is Routed; returns its frontend port. */
  async function routed(ns: string, name: string, n: number): Promise<number> {
    let last: TaskService | undefined;
    return waitFor(`TaskService ${ns}/${name} routed with ${n} ready endpoints`, async () => {
      last = await services.get(name, ns);
      const port = last.status?.ports?.[0]?.port;
      return condition(last, 'Routed')?.status === 'True' && last.status?.readyEndpoints === n && port ? port : undefined;
    }, 120_000, 200).catch((err: Error) => {
      throw new Error(`${err.message}\nstatus: ${JSON.stringify(last?.status)}`);
    });
  }

  /** A TaskSet of 3 httpd replicas behind one TaskService, all three answering through its port. */
  async function deploy(ns: string, name = 'web', replicas = 3): Promise<number> {
    await ok(['apply', '-f', '-'], JSON.stringify(taskSet(ns, name, '1', replicas)));
    await ok(['apply', '-f', '-'], JSON.stringify(taskService(ns, name, { app: name })));
    const port = await routed(ns, name, replicas);
    const seen = new Set<string>();
    await waitFor('all three replicas answering through the frontend', async () => {
      seen.add(taskOf(await get(port, false).catch(() => undefined)) ?? '');
      return [...seen].filter((t) => t && !t.startsWith('?')).length >= replicas || undefined;
    }, 30_000, 20);
    return port;
  }

  async function liveTasks(ns: string): Promise<Task[]> {
    return (await tasks.list({ namespace: ns })).items.filter((t) => !t.metadata.deletionTimestamp);
  }

  /** The data plane's view of one server: polled from HAProxy's admin socket until stop(). */
  function watchServer(ns: string, service: string, task: string) {
    const be = backendName({ id: safeName(`${ns}.${service}.http`) });
    const changes: Array<{ at: number; state: string }> = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const state = await runtimeCommand(join(dataDir, 'haproxy', 'admin.sock'), `show servers state ${be}`, 1000)
          .then((t) => parseServersState(t).find((s) => s.name === safeName(task))?.state ?? 'absent')
          .catch(() => 'unknown');
        if (changes.at(-1)?.state !== state) changes.push({ at: performance.now(), state });
        await sleep(5);
      }
    })();
    return {
      changes,
      stop: async () => {
        running = false;
        await loop;
        return changes;
      },
    };
  }

  before(async function () {
    requireEnv(this, haveHaproxy(), 'no haproxy binary (apt-get install haproxy; hack/dev-env.sh installs it)');
    // Short: HAProxy's admin socket path must fit a unix socket address.
    dataDir = mkdtempSync('/tmp/okt-');
    kubecache = mkdtempSync(join(tmpdir(), 'okube-kubecache-'));
    upArgs = { dataDir, port: await freePort(), nodeName: uniqueName('traffic'), extraArgs: ['--proxy-port-range', `${rangeStart}-${rangeStart + 39}`] };
    up = await startUp(upArgs);
    const kc = loadKubeConfig({ kubeconfig: up.kubeconfig });
    tasks = new ResourceClient<Task>(kc, TASKS);
    services = new ResourceClient<TaskService>(kc, TASKSERVICES);
    informer = new Informer<Task>({ kc, name: 'test-tasks', path: tasks.collectionPath(), list: (o) => tasks.list(o) });
    informer.start();
    await informer.waitForSync();
  });

  after(async () => {
    informer?.stop();
    if (up) {
      for (const ns of namespaces) await run(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
      await up.stop();
    }
    await removeContainersOf(namespaces).catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (kubecache) rmSync(kubecache, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && up) {
      process.stderr.write(`okube up stderr (tail):\n${up.stderr().slice(-4000)}\n`);
    }
  });

  it('readiness flap: from the Ready=False write until the Ready=True write the replica answers no request, none fails, and it takes traffic again after Ready=True', async () => {
    const ns = await newNamespace();
    const port = await deploy(ns);
    const victim = (await liveTasks(ns))[0]!;
    const name = victim.metadata.name!;
    const server = watchServer(ns, 'web', name);
    const load = loadLoop(port);
    await sleep(1000);

    await docker.exec(victim.status!.containerID!, ['rm', '/w/ready'], 5000);
    // From the test's watch (no polling of the API server, which the load already keeps busy).
    const cached = () => informer.get(`${ns}/${name}`)!;
    const down = await waitFor('Ready=False', async () => {
      const c = readyCond(cached());
      return c?.status === 'False' ? { c, seenAt: Date.now() } : undefined;
    }, 30_000, 5);
    await sleep(10_000);
    await docker.exec(victim.status!.containerID!, ['sh', '-c', 'echo ok > /w/ready'], 5000);
    const back = await waitFor('Ready=True again', async () => {
      const c = readyCond(cached());
      return c?.status === 'True' && c.lastTransitionTime !== down.c.lastTransitionTime ? c : undefined;
    }, 30_000, 50);
    await sleep(2000);
    const samples = await load.stop();
    const states = await server.stop();

    // The window okube's Ready=False write → its Ready=True write. Its start is the earlier of the
    // condition's lastTransitionTime (stamped when the traffic gate let the write through, just
    // before it) and the moment the test's watch saw the write; its end is the Ready=True
    // lastTransitionTime (stamped before that write).
    const falseAt = Math.min(Date.parse(down.c.lastTransitionTime!), down.seenAt);
    const trueAt = Date.parse(back.lastTransitionTime!);
    const drained = states.find((s) => s.state !== 'ready' && epoch(s.at) >= falseAt - 2000);
    const reenabled = states.find((s) => s.state === 'ready' && drained && s.at > drained.at);
    expect(drained, `data plane states: ${JSON.stringify(states)}`).to.not.equal(undefined);
    expect(reenabled, `data plane states: ${JSON.stringify(states)}`).to.not.equal(undefined);

    expect(samples.filter((s) => s.error), 'failed requests').to.deep.equal([]);
    const byVictim = (s: Sample) => taskOf(s.answer) === name;
    // Every answer by the victim that reached the client after the Ready=False write, of a request
    // sent before the Ready=True write.
    const inWindow = samples.filter((s) => byVictim(s) && epoch(s.endedAt!) > falseAt && epoch(s.startedAt) < trueAt);
    console.log(
      `      Ready=False→True ${(trueAt - falseAt).toFixed(0)} ms; data plane seen drained ${(epoch(drained!.at) - falseAt).toFixed(0)} ms after Ready=False was set, ` +
        `re-enabled ${(epoch(reenabled!.at) - trueAt).toFixed(0)} ms after Ready=True; ${samples.length} requests, ` +
        `${inWindow.length} answered by ${name} in between`,
    );
    expect(inWindow.map((s) => ({ startedAt: epoch(s.startedAt) - falseAt, endedAt: epoch(s.endedAt!) - falseAt })), 'requests answered by the replica between Ready=False and Ready=True (ms from Ready=False)').to.deep.equal([]);
    const during = samples.filter((s) => epoch(s.startedAt) > falseAt && epoch(s.startedAt) < trueAt);
    expect(during.length, 'traffic went on while the replica was unready').to.be.greaterThan(50);
    expect(epoch(reenabled!.at), 'HAProxy re-enabled the server only after okube set Ready=True').to.be.greaterThan(trueAt);
    expect(samples.filter((s) => byVictim(s) && s.startedAt > reenabled!.at).length, 'answers by the replica once ready again').to.be.greaterThan(0);
    const names = new Set(samples.map((s) => taskOf(s.answer)));
    expect([...names].filter((n) => n?.startsWith('?')), 'answers from unknown backends').to.deep.equal([]);
  });

  it('rolling update of the TaskSet behind the service: no request fails, and new replicas take traffic only after they are Ready', async () => {
    const ns = await newNamespace();
    const port = await deploy(ns);
    const oldNames = new Set((await liveTasks(ns)).map((t) => t.metadata.name!));
    const load = loadLoop(port);
    await sleep(500);
    await ok(['apply', '-f', '-'], JSON.stringify(taskSet(ns, 'web', '2')));
    const fresh = await waitFor('3 new Ready replicas, the old ones gone', async () => {
      const all = (await tasks.list({ namespace: ns })).items;
      const ready = all.filter((t) => !oldNames.has(t.metadata.name!) && readyCond(t)?.status === 'True' && !t.metadata.deletionTimestamp);
      return ready.length === 3 && all.every((t) => !oldNames.has(t.metadata.name!)) ? ready : undefined;
    }, 180_000, 200);
    await routed(ns, 'web', 3);
    await sleep(1000);
    const samples = await load.stop();

    expect(samples.filter((s) => s.error), 'failed requests').to.deep.equal([]);
    for (const t of fresh) {
      const readyAt = Date.parse(readyCond(t)!.lastTransitionTime!);
      const first = samples.find((s) => taskOf(s.answer) === t.metadata.name);
      expect(first, `${t.metadata.name} took traffic`).to.not.equal(undefined);
      expect(epoch(first!.startedAt), `${t.metadata.name}'s first request vs its Ready=True`).to.be.greaterThan(readyAt);
    }
    const names = new Set(samples.map((s) => taskOf(s.answer)));
    expect([...names].filter((n) => n?.startsWith('?')), 'answers from unknown backends').to.deep.equal([]);
    console.log(`      rolling update: ${samples.length} requests, 0 failed, answered by ${names.size} replicas (3 old, 3 new)`);
  });

  it('kill -9 of HAProxy: okube restarts it with the current endpoints, requests fail only while it is down', async () => {
    const ns = await newNamespace();
    const port = await deploy(ns);
    // One replica unready: the restarted HAProxy must come back with it out of rotation.
    const victim = (await liveTasks(ns))[0]!;
    await docker.exec(victim.status!.containerID!, ['rm', '/w/ready'], 5000);
    await routed(ns, 'web', 2);
    await waitFor('the unready replica out of rotation', async () => {
      for (let i = 0; i < 6; i++) if (taskOf(await get(port, false)) === victim.metadata.name) return undefined;
      return true;
    }, 30_000, 100);

    const config = join(dataDir, 'haproxy', 'haproxy.cfg');
    const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
      try {
        return runsConfig(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'), config);
      } catch {
        return false;
      }
    });
    expect(pids.length, 'haproxy master and worker').to.be.greaterThan(0);
    const load = loadLoop(port);
    await sleep(500);
    const killedAt = performance.now();
    // An old worker still draining after a reload may end by itself between the listing and here.
    const killed = pids.filter((pid) => {
      try {
        process.kill(pid, 'SIGKILL');
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
        throw err;
      }
    });
    expect(killed.length, 'haproxy processes killed').to.be.greaterThan(0);
    const answeringAt = await waitFor('HAProxy answering again', async () => ((await get(port, false).then(() => true, () => false)) ? performance.now() : undefined), 60_000, 20);
    await sleep(1000);
    const samples = await load.stop();

    const failed = samples.filter((s) => s.error);
    const downtime = answeringAt - killedAt;
    console.log(`      haproxy kill -9 (pids ${killed.join(', ')}) → answering again after ${downtime.toFixed(0)} ms; ${failed.length} of ${samples.length} requests failed, all in flight at the kill or sent while it was down`);
    // A failure is a request in flight at the kill or sent while HAProxy was down; none ended
    // before the kill, none was sent once it answered again.
    expect(failed.filter((s) => s.endedAt! < killedAt || s.startedAt > answeringAt + 50), 'failures outside the downtime').to.deep.equal([]);
    const after = samples.filter((s) => s.startedAt > answeringAt);
    expect(after.length).to.be.greaterThan(20);
    expect(after.filter((s) => taskOf(s.answer) === victim.metadata.name), 'the unready replica after the restart').to.deep.equal([]);
    expect(new Set(after.map((s) => taskOf(s.answer))).size, 'both ready replicas after the restart').to.equal(2);
  });

  it('kill -9 of okube up: its HAProxy serves on, the next okube up on the data dir adopts it, and no request fails throughout', async () => {
    const ns = await newNamespace();
    const port = await deploy(ns);
    const config = join(dataDir, 'haproxy', 'haproxy.cfg');
    const haproxyPids = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
      try {
        return runsConfig(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'), config);
      } catch {
        return false;
      }
    });
    const before = haproxyPids();
    expect(before.length, 'haproxy master and worker').to.be.greaterThan(0);
    const load = loadLoop(port);
    await sleep(500);

    up.child.kill('SIGKILL');
    await up.exited;
    const killedAt = performance.now();
    await sleep(2000);
    const whileDown = haproxyPids();
    up = await startUp(upArgs);
    const backAt = performance.now();
    expect(haproxyPids(), 'the same HAProxy processes: adopted, not restarted or reloaded').to.deep.equal(before);
    expect(whileDown).to.deep.equal(before);
    expect(up.stderr()).not.to.contain('ending a haproxy left running');

    // The new okube up drives the adopted HAProxy: an unready replica leaves the rotation.
    const victim = (await liveTasks(ns))[0]!;
    await docker.exec(victim.status!.containerID!, ['rm', '/w/ready'], 5000);
    await routed(ns, 'web', 2);
    const drainedAt = await waitFor('the unready replica out of rotation', async () => {
      for (let i = 0; i < 6; i++) if (taskOf(await get(port, false)) === victim.metadata.name) return undefined;
      return performance.now();
    }, 30_000, 100);
    await sleep(500);
    const samples = await load.stop();
    const down = samples.filter((s) => s.startedAt > killedAt && s.startedAt < backAt);
    console.log(`      okube up killed, restarted ${(backAt - killedAt).toFixed(0)} ms later; ${down.length} requests answered while it was down, ${samples.length} in all`);
    // None failed: not while okube up was down (HAProxy served on), not when the new one started
    // (it adopted HAProxy, and its controllers kept the replicas Ready until their probes reported).
    expect(samples.filter((s) => s.error).map((s) => `${(s.startedAt - backAt).toFixed(0)} ms after the restart: ${s.error}`), 'failed requests').to.deep.equal([]);
    expect(down.length, 'requests while okube up was down').to.be.greaterThan(50);
    expect(samples.filter((s) => s.startedAt > drainedAt && taskOf(s.answer) === victim.metadata.name), 'the unready replica after it left the rotation').to.deep.equal([]);
  });

  it('bad input (a selector matching nothing, a targetPort no Task publishes, a frontend port already taken) gives clear conditions while the good service keeps routing', async () => {
    const ns = await newNamespace();
    const port = await deploy(ns);
    const load = loadLoop(port);
    await ok(['apply', '-f', '-'], JSON.stringify(taskService(ns, 'nothing', { app: 'no-such-app' })));
    await ok(['apply', '-f', '-'], JSON.stringify(taskService(ns, 'badport', { app: 'web' }, { targetPort: 'nope' })));
    await ok(['apply', '-f', '-'], JSON.stringify(taskService(ns, 'dup', { app: 'web' }, { port })));
    const want = async (name: string, type: string, status: string, reason: string): Promise<Condition> => {
      let last: TaskService | undefined;
      return waitFor(`${name}: ${type}=${status} ${reason}`, async () => {
        last = await services.get(name, ns);
        const c = condition(last, type);
        return c?.status === status && c.reason === reason ? c : undefined;
      }, 60_000, 200).catch((err: Error) => {
        throw new Error(`${err.message}\nconditions: ${JSON.stringify(last?.status?.conditions)}`);
      });
    };
    const nothing = await want('nothing', 'EndpointsReady', 'False', 'NoMatchingTasks');
    const badport = await want('badport', 'EndpointsReady', 'False', 'TargetPortNotPublished');
    const dup = await want('dup', 'Routed', 'False', 'PortConflict');
    expect(nothing.message).to.match(/selector app=no-such-app matches no Task/);
    expect(badport.message).to.match(/targetPort "nope"/);
    expect(dup.message).to.include(`port ${port} is already the frontend of TaskService ${ns}/web`);
    // Each writer's condition survives the other's writes (merge patches of their own fields).
    await want('dup', 'EndpointsReady', 'True', 'EndpointsAvailable');
    await want('nothing', 'Routed', 'True', 'Routed');
    await want('web', 'Routed', 'True', 'Routed');
    await want('web', 'EndpointsReady', 'True', 'EndpointsAvailable');
    const web = await services.get('web', ns);
    const fields = (web.metadata.managedFields ?? []) as Array<{ manager?: string; subresource?: string; fieldsV1?: unknown }>;
    const managers = new Map(fields.filter((m) => m.subresource === 'status').map((m) => [m.manager, JSON.stringify(m.fieldsV1)]));
    expect(managers.get('okube-proxy'), 'okube-proxy owns status.address').to.include('f:address');
    expect(managers.get('okube-endpointslice-controller'), 'the endpoints controller owns status.readyEndpoints').to.include('f:readyEndpoints');
    // kubectl shows the reason of each.
    const table = await ok(['get', 'tsvc', '-n', ns]);
    expect(table.split('\n')[0]).to.match(/^NAME\s+TYPE\s+ADDRESS\s+PORTS\s+ENDPOINTS\s+AGE$/);
    expect(table).to.match(/\nweb\s+Proxy\s+127\.0\.0\.1\s+\d+\/TCP\s+3\/3\s+/);
    await sleep(1000);
    const samples = await load.stop();
    expect(samples.filter((s) => s.error), 'failed requests on the good service').to.deep.equal([]);
    expect(samples.length).to.be.greaterThan(50);
  });

  it('kubectl wait --for=condition=Routed returns after a spec change, and a switch to type None says the service is no longer routed', async () => {
    const ns = await newNamespace();
    await ok(['apply', '-f', '-'], JSON.stringify(taskService(ns, 'waited', { app: 'a' })));
    await ok(['wait', '--for=condition=Routed', 'tsvc/waited', '-n', ns, '--timeout=60s']);
    await ok(['patch', 'tsvc', 'waited', '-n', ns, '--type=merge', '-p', '{"spec":{"selector":{"app":"b"}}}']);
    // kubectl wait ignores a condition older than the object's generation: it returns once Routed says the new one.
    await ok(['wait', '--for=condition=Routed', 'tsvc/waited', '-n', ns, '--timeout=60s']);
    await ok(['patch', 'tsvc', 'waited', '-n', ns, '--type=merge', '-p', '{"spec":{"type":"None"}}']);
    await ok(['wait', '--for=condition=Routed=False', 'tsvc/waited', '-n', ns, '--timeout=60s']);
    const svc = await services.get('waited', ns);
    expect(condition(svc, 'Routed')).to.include({ reason: 'NotProxied' });
    expect(svc.status?.address).to.equal(undefined);
    expect(svc.status?.ports).to.deep.equal([]);
  });

  it('okube get tsvc and kubectl get tsvc show TYPE, ADDRESS, PORTS and ENDPOINTS; okube up prints where the service answers', async () => {
    const ns = await newNamespace();
    const port = await deploy(ns, 'shown', 1);
    const row = new RegExp(`\\nshown\\s+Proxy\\s+127\\.0\\.0\\.1\\s+${port}/TCP\\s+1/1\\s+\\S+`);
    const header = /^NAME\s+TYPE\s+ADDRESS\s+PORTS\s+ENDPOINTS\s+AGE$/;
    let last = '';
    await waitFor('kubectl get tsvc showing the allocated port', async () => {
      last = await ok(['get', 'tsvc', '-n', ns]);
      return row.test(last) || undefined;
    }, 30_000, 200).catch((err: Error) => {
      throw new Error(`${err.message}; kubectl printed:\n${last}`);
    });
    expect(last.split('\n')[0]).to.match(header);
    const mine = await okube(['get', 'tsvc', '-n', ns], { kubeconfig: up.kubeconfig });
    expect(mine.code, mine.stderr).to.equal(0);
    expect(mine.stdout.split('\n')[0]).to.match(header);
    expect(mine.stdout).to.match(row);
    await waitFor('okube up printing the service line', async () => up.stdout().includes(`service ${ns}/shown: 127.0.0.1:${port} (http)\n`) || undefined, 10_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}; okube up printed:\n${up.stdout()}`);
    });
  });

  // Last in the file: it adds a second Node, which the tests before must not see.
  it('okube drain of the Node under a TaskSet behind the service: no request fails, each replica leaves the service before its container stops', async function () {
    requireEnv(this, env.extraDockerHosts.length > 0, 'a second Docker engine needed (hack/dev-env.sh hosts 1)');
    // The drain moves every Task of the Node: only this test's, so no other TaskSet's budget holds it.
    for (const other of namespaces.splice(0)) await ok(['delete', 'namespace', other, '--wait=true', '--timeout=120s']);
    const ns = await newNamespace();
    const port = await deploy(ns, 'moved');
    const second = uniqueName('second');
    const other = new DockerRuntime({ dockerHost: env.extraDockerHosts[0] });
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: second }, spec: { dockerHost: env.extraDockerHosts[0], address: env.extraAddresses[0] } }));
    try {
      await ok(['wait', '--for=condition=Ready', `nodes.okube.dev/${second}`, '--timeout=60s']);
      const load = loadLoop(port);
      await sleep(500);
      // busybox httpd is PID 1 and ignores SIGTERM: each stop ends in a SIGKILL after the 5 s grace.
      const drained = await okube(['drain', upArgs.nodeName, '--timeout', '150s'], { kubeconfig: up.kubeconfig, timeoutMs: 170_000 });
      expect(drained.code, `${drained.stdout}\n${drained.stderr}`).to.equal(0);
      await waitFor('3 replicas Ready on the second Node', async () => {
        const ts = await liveTasks(ns);
        return ts.length === 3 && ts.every((t) => t.spec.nodeName === second && readyCond(t)?.status === 'True') || undefined;
      }, 120_000, 200);
      await routed(ns, 'moved', 3);
      await sleep(1000);
      const samples = await load.stop();
      expect(samples.filter((s) => s.error), 'failed requests').to.deep.equal([]);
      console.log(`      drain: ${samples.length} requests, 0 failed; drain output:\n${drained.stdout.trimEnd().split('\n').map((l) => `        ${l}`).join('\n')}`);
    } finally {
      await ok(['delete', 'taskset', 'moved', '-n', ns, '--wait=true']).catch(() => undefined);
      await waitFor('the moved Tasks gone', async () => (await tasks.list({ namespace: ns })).items.length === 0 || undefined, 120_000, 200).catch(() => undefined);
      await run(['delete', 'nodes.okube.dev', second]);
      await okube(['uncordon', upArgs.nodeName], { kubeconfig: up.kubeconfig });
      for (const c of await other.list({ [LABELS.managed]: 'true', [LABELS.namespace]: ns })) await other.remove(c.id);
    }
  });
});
