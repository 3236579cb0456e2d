import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LABELS, type Node, type Task } from '../../../src/api/types.js';
import { parseQuantity } from '../../../src/api/quantity.js';
import { metricsRegistry } from '../../../src/metrics/registry.js';
import { cpuMillicores } from '../../../src/controllers/node/usage.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { testEnv } from '../../support/env.js';
import { okube } from '../../support/okube-cli.js';
import { taskObject, waitFor, waitForTask } from '../../support/tasks.js';

// Usage figures: the Node controller reads its engine's one-shot stats of okube's running
// containers every period (1 s here), writes them into Node status.usage, serves them as
// Prometheus series, and `okube top` prints them. The busy loop's CPU figure is compared with
// what `docker stats` says for the same container in the same second.

const run = promisify(execFile);
/** How far okube's CPU figure may be from docker stats' (millicores): both average about one second of a loop that competes with everything else on this machine. */
const TOLERANCE_MILLI = 300;


describe('usage figures: Node status, okube top, Prometheus', function () {
  this.timeout(180_000);
  const env = testEnv();
  let rig: ControllerRig;
  let ns: string;
  const engine = new DockerRuntime({ dockerHost: env.dockerHost });

  before(async () => {
    rig = await startControllers({ nodeUsagePeriodMs: 1000 });
    ns = await newNamespace(rig.cluster);
  });
  after(async () => {
    if (rig) await rig.manager.tasks.delete('busy', ns).catch(() => undefined);
    await stopControllers(rig);
  });

  it('reports a busy loop\'s CPU as docker stats does in the same second, and memory, per Task and per Node', async () => {
    await rig.manager.tasks.create(taskObject(ns, 'busy', { image: env.image, command: ['sh', '-c', 'while :; do :; done'], nodeName: rig.nodeName }));
    const task: Task = await waitForTask(rig.manager.tasks, ns, 'busy', 'busy Running', (t) => t.status?.phase === 'Running', 60_000);
    const [container] = (await engine.list({ [LABELS.taskUid]: task.metadata.uid! })).filter((c) => c.running);
    const figureOf = (n: Node) => n.status?.usage?.tasks.find((t) => t.namespace === ns && t.name === 'busy');
    const first = await waitFor('a CPU figure for the busy Task', async () => {
      const n = await rig.manager.nodes.get(rig.nodeName);
      return figureOf(n)?.cpu ? n : undefined;
    }, 30_000, 100);

    const statusMilli = parseQuantity(figureOf(first)!.cpu!, 'cpu')! * 1000;
    expect(statusMilli, 'the loop uses CPU, as Node status says').to.be.greaterThan(100);

    // The same second: okube's readings (the controller's own code path, one-shot stats and the
    // counter growth) bracket one `docker stats --no-stream`, which samples about a second.
    const before = await engine.usage({ [LABELS.taskUid]: task.metadata.uid! });
    const { stdout } = await run('docker', ['-H', env.dockerHost, 'stats', '--no-stream', '--format', '{{.CPUPerc}}', container.id]);
    const after = await engine.usage({ [LABELS.taskUid]: task.metadata.uid! });
    const dockerMilli = Number(stdout.trim().replace('%', '')) * 10;
    const okubeMilli = cpuMillicores(before[0], after[0])!;
    console.log(`      busy loop: okube ${Math.round(okubeMilli)}m over ${((after[0].readAt - before[0].readAt) / 1000).toFixed(1)}s, docker stats ${Math.round(dockerMilli)}m; Node status ${Math.round(statusMilli)}m`);
    expect(Math.abs(okubeMilli - dockerMilli), `okube ${okubeMilli}m vs docker stats ${dockerMilli}m`).to.be.at.most(TOLERANCE_MILLI);

    const fresh = await waitFor('the next reading in Node status', async () => {
      const n = await rig.manager.nodes.get(rig.nodeName);
      return n.status!.usage!.sampledAt !== first.status!.usage!.sampledAt ? n : undefined;
    }, 30_000, 50);
    const usage = fresh.status!.usage!;
    expect(usage.runningContainers).to.equal(1);
    expect(parseQuantity(usage.memory, 'memory')).to.be.greaterThan(0);
    expect(fresh.status!.nodeInfo).to.include.keys('dockerVersion', 'operatingSystem', 'architecture');

    const text = await metricsRegistry.metrics();
    expect(text).to.match(new RegExp(`okube_task_cpu_usage_cores\\{namespace="${ns}",task="busy",node="${rig.nodeName}"\\} 0\\.\\d+|okube_task_cpu_usage_cores\\{namespace="${ns}",task="busy",node="${rig.nodeName}"\\} 1(\\.\\d+)?`));
    expect(text).to.match(new RegExp(`okube_node_running_containers\\{node="${rig.nodeName}"\\} 1`));
  });

  it('okube top nodes and okube top tasks print the figures', async () => {
    const nodes = await okube(['top', 'nodes', rig.nodeName], { kubeconfig: rig.cluster.kubeconfigPath });
    expect(nodes.code, nodes.stderr).to.equal(0);
    const [head, row] = nodes.stdout.trim().split('\n');
    expect(head.split(/\s{2,}/)).to.deep.equal(['NAME', 'CPU(cores)', 'CPU%', 'MEMORY(bytes)', 'MEMORY%', 'RUNNING']);
    expect(row).to.match(new RegExp(`^${rig.nodeName}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%\\s+1$`));

    const tasks = await okube(['top', 'tasks', '-n', ns], { kubeconfig: rig.cluster.kubeconfigPath });
    expect(tasks.code, tasks.stderr).to.equal(0);
    expect(tasks.stdout.trim().split('\n')[1]).to.match(new RegExp(`^busy\\s+\\d+m\\s+\\d+Mi\\s+${rig.nodeName}$`));

    const none = await okube(['top', 'tasks', '-n', 'nowhere'], { kubeconfig: rig.cluster.kubeconfigPath });
    // As kubectl top pod: nothing to show is said on stderr, and is not an error.
    expect([none.code, none.stdout, none.stderr]).to.deep.equal([0, '', 'No resources found in nowhere namespace.\n']);
  });
});
