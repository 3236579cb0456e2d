import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS, type Task } from '../../../src/api/types.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { okube, removeContainersOf, startUp, type CliResult, type UpProcess } from '../../support/okube-cli.js';
import { kubectl as runKubectl } from '../../support/kubectl.js';
import { eventually, waitFor } from '../../support/wait.js';
import { freePort } from '../../../src/util/free-port.js';
import { okubeBin } from '../../support/okube-bin.js';

// The okube client commands as a user runs them — `node bin/okube.js …` subprocesses (the compiled CLI) — against
// one real `okube up` (its own etcd, API server, controllers, and a Node on the main test engine).

describe('okube CLI against okube up', function () {
  this.timeout(180_000);
  const image = testEnv().image;
  let dir: string;
  let up: UpProcess;
  let ns: string;
  let nodeName: string;
  /** Namespaces single tests made for themselves. */
  const owned: string[] = [];
  const run = (args: string[], input?: string): Promise<CliResult> => okube([...args], { kubeconfig: up.kubeconfig, input });
  const inNs = (args: string[], input?: string) => run([...args, '-n', ns], input);
  const task = async (name: string): Promise<Task> => {
    const r = await inNs(['get', 'task', name, '-o', 'json']);
    expect(r.code, r.stderr).to.equal(0);
    return JSON.parse(r.stdout) as Task;
  };
  const kubectl = async (args: string[]) => (await runKubectl(args, { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') })).stdout;
  const taskYaml = (name: string, spec: string) => `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  name: ${name}\nspec:\n  image: ${image}\n${spec}`;
  const noStack = (r: CliResult) => expect(r.stderr).to.not.match(/\n\s+at /);
  const dockerContainersOf = async (uid: string) => {
    const docker = new DockerRuntime({ dockerHost: testEnv().dockerHost });
    try {
      return await docker.list({ [LABELS.taskUid]: uid });
    } finally {
      await docker.close();
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'okube-cli-'));
    nodeName = uniqueName('cli');
    up = await startUp({ dataDir: join(dir, 'data'), port: await freePort(), nodeName });
    ns = uniqueName('cli-ns');
    const created = await run(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`);
    expect(created.stdout).to.equal(`namespace/${ns} created\n`);
    // The examples are every test's fixtures here (web, crashloop, batch, probed); no test deletes them.
    const applied = await inNs(['apply', '-f', 'manifests/']);
    expect(applied.code, applied.stderr).to.equal(0);
  });

  after(async () => {
    await up?.stop('SIGINT');
    if (ns) await removeContainersOf([ns, ...owned]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('okube up says the Node is Ready and prints the export line', () => {
    expect(up.stdout()).to.match(new RegExp(`node: +${nodeName} Ready`));
    expect(up.stdout()).to.include(`export KUBECONFIG=${up.kubeconfig}`);
  });

  it('apply -f manifests/ creates every example and get tasks shows them with kubectl\'s columns', async () => {
    const own = uniqueName('cli-apply');
    owned.push(own);
    await run(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${own}\n`);
    const applied = await run(['apply', '-f', 'manifests/', '-n', own]);
    expect(applied.code, applied.stderr).to.equal(0);
    expect(applied.stdout.split('\n').filter(Boolean)).to.deep.equal(['batch', 'crashloop', 'probed', 'web'].map((n) => `task.okube.dev/${n} created`));
    // Column widths follow the cells, which the controllers change between two reads (a phase
    // appears): compare okube's header with kubectl's read right after it, until a pair agrees.
    let got = await run(['get', 'tasks', '-n', own]);
    let lines: string[] = [];
    let fromKubectl = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) got = await run(['get', 'tasks', '-n', own]);
      expect(got.code, got.stderr).to.equal(0);
      lines = got.stdout.trimEnd().split('\n');
      expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).to.deep.equal(['batch', 'crashloop', 'probed', 'web']);
      fromKubectl = (await kubectl(['get', 'tasks', '-n', own])).split('\n')[0];
      if (lines[0] === fromKubectl) break;
    }
    expect(lines[0]).to.equal(fromKubectl);
    console.log(`      okube get tasks:\n${got.stdout.replace(/^/gm, '        ')}`);
  });

  it('get -w prints the crash loop as it happens', async () => {
    const child = spawn(process.execPath, [okubeBin(), 'get', 'tasks', 'crashloop', '-w', '-n', ns], { env: { ...process.env, KUBECONFIG: up.kubeconfig } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const rows = () => out.split('\n').filter((l) => l.startsWith('crashloop'));
      const restarts = () => rows().map((l) => Number(l.split(/\s+/)[4])).filter((n) => Number.isFinite(n));
      await waitFor('a watched restart', async () => rows().length >= 3 && new Set(restarts()).size >= 2, 90_000, 200);
      expect(out.split('\n')[0]).to.match(/^NAME\s+PHASE\s+STATUS\s+READY\s+RESTARTS\s+NEXT RETRY\s+NODE\s+AGE$/);
      expect(out).to.include('CrashLoopBackOff');
      console.log(`      okube get tasks crashloop -w:\n${out.replace(/^/gm, '        ')}`);
    } finally {
      child.kill('SIGINT');
    }
  });

  it('get --watch-only prints the changes from now on, without the object as it is first', async () => {
    const env = { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') };
    const made = await inNs(['apply', '-f', '-'], taskYaml('watched', '  command: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 1\n').replace('  name: watched\n', '  name: watched\n  labels: { touch: before }\n'));
    expect(made.code, made.stderr).to.equal(0);
    // Running and Ready first: the controllers' status writes would be changes too.
    await waitFor('watched Ready', async () => (await task('watched')).status?.ready === true, 60_000, 250);
    const child = spawn(process.execPath, [okubeBin(), 'get', 'task', 'watched', '--watch-only', '-o', 'jsonpath={.metadata.labels.touch}{"\\n"}', '-n', ns], { env: { ...process.env, KUBECONFIG: up.kubeconfig } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      // Changes until one is seen: the watch may start after the first ones.
      for (let i = 1; !out.includes('\n'); i++) {
        if (i > 60) throw new Error(`no change printed: ${JSON.stringify(out)}`);
        await runKubectl(['label', 'task', 'watched', `touch=change-${i}`, '--overwrite', '-n', ns], env);
        await new Promise((r) => setTimeout(r, 500));
      }
      const lines = out.trim().split('\n');
      expect(lines.every((l) => /^change-\d+$/.test(l)), out).to.equal(true);
    } finally {
      child.kill('SIGINT');
      await inNs(['delete', 'task', 'watched', '--wait=false']);
    }
  });

  it('get -w piped into a reader that goes away (| head -1) ends quietly, as kubectl does, not as a crash', async () => {
    // The pipeline's status is okube's own (bash's PIPESTATUS), not head's.
    const child = spawn('bash', ['-c', `"${process.execPath}" "${okubeBin()}" get tasks crashloop -w -n ${ns} | head -1; exit \${PIPESTATUS[0]}`], { env: { ...process.env, KUBECONFIG: up.kubeconfig } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // head exits after its line; okube finds out at its next write (a crash-loop row comes within seconds).
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(out).to.match(/^NAME\s+PHASE/);
    expect(err, 'nothing on stderr').to.equal('');
    expect(code, "okube's exit status: 128 + SIGPIPE, as a shell reports kubectl's").to.equal(141);
  });

  it('apply again reports unchanged, and configured after a change', async () => {
    const again = await inNs(['apply', '-f', 'manifests/web.yaml']);
    expect(again.stdout).to.equal('task.okube.dev/web unchanged\n');
    const changed = await inNs(['apply', '-f', '-'], taskYaml('pinger', '  command: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 1\n'));
    expect(changed.stdout).to.equal('task.okube.dev/pinger created\n');
    const relabelled = await inNs(['apply', '-f', '-'], taskYaml('pinger', '  command: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 1\n').replace('  name: pinger\n', '  name: pinger\n  labels: { tier: x }\n'));
    expect(relabelled.stdout).to.equal('task.okube.dev/pinger configured\n');
  });

  it('create makes a new Task from generateName each time, refuses one that exists with kubectl\'s line, and goes on with the rest', async () => {
    const generated = `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  generateName: once-\nspec:\n  image: ${image}\n  command: ["true"]\n  restartPolicy: Never\n`;
    const [first, second] = [await inNs(['create', '-f', '-'], generated), await inNs(['create', '-f', '-'], generated)];
    for (const r of [first, second]) expect([r.code, r.stderr], r.stderr).to.deep.equal([0, '']);
    const names = [first, second].map((r) => /^task\.okube\.dev\/(once-[a-z0-9]{5}) created\n$/.exec(r.stdout)?.[1]);
    expect(names[0]).to.be.a('string');
    expect(names[1]).to.be.a('string').and.not.equal(names[0]);

    const named = taskYaml('made-once', '  command: ["true"]\n  restartPolicy: Never\n');
    expect((await inNs(['create', '-f', '-'], named)).stdout).to.equal('task.okube.dev/made-once created\n');
    const again = await inNs(['create', '-f', '-'], `${named}---\n${generated}`);
    expect(again.code).to.equal(1);
    expect(again.stdout).to.match(/^task\.okube\.dev\/once-[a-z0-9]{5} created\n$/);
    const theirs = await runKubectl(['create', '-f', '-', '-n', ns], { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') }, named);
    expect([theirs.code, again.stderr]).to.deep.equal([1, theirs.stderr]);
    expect(again.stderr).to.equal('Error from server (AlreadyExists): error when creating "STDIN": tasks.okube.dev "made-once" already exists\n');
    const invalid = taskYaml('bad-once', '  restartPolicy: Sometimes\n');
    const [mineBad, theirsBad] = [await inNs(['create', '-f', '-'], invalid), await runKubectl(['create', '-f', '-', '-n', ns], { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') }, invalid)];
    expect([mineBad.code, mineBad.stderr]).to.deep.equal([theirsBad.code, theirsBad.stderr]);
    expect(mineBad.stderr).to.match(/^The Task "bad-once" is invalid: spec\.restartPolicy: /);
  });

  it('apply and create --dry-run=server check the object and store nothing, and -o name|json|yaml print what the server answered', async () => {
    const manifest = (command: string) => taskYaml('dry-one', `  command: ["sh", "-c", "${command}"]\n  restartPolicy: Never\n`);
    const missing = async () => (await inNs(['get', 'task', 'dry-one'])).code === 1;
    const dryApply = await inNs(['apply', '--dry-run=server', '-f', '-'], manifest('true'));
    expect([dryApply.code, dryApply.stdout, dryApply.stderr]).to.deep.equal([0, 'task.okube.dev/dry-one created (server dry run)\n', '']);
    const dryCreate = await inNs(['create', '--dry-run=server', '-o', 'name', '-f', '-'], manifest('true'));
    expect([dryCreate.code, dryCreate.stdout]).to.deep.equal([0, 'task.okube.dev/dry-one\n']);
    expect(await missing(), 'nothing stored').to.equal(true);
    const bad = await inNs(['apply', '--dry-run=server', '-f', '-'], manifest('true').replace('restartPolicy: Never', 'restartPolicy: Sometimes'));
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include('spec.restartPolicy');
    expect((await inNs(['apply', '--dry-run=client', '-f', '-'], manifest('true'))).stderr).to.equal('error: okube has no client-side dry run: use --dry-run=server (the server checks the object fully and stores nothing)\n');

    // Made by apply (a create would own the fields as okube-create, and an apply that changes them would conflict, as kubectl apply --server-side after kubectl create does).
    const created = await inNs(['apply', '-o', 'json', '-f', '-'], manifest('true'));
    expect(created.code, created.stderr).to.equal(0);
    const obj = JSON.parse(created.stdout) as Task;
    expect([obj.kind, obj.metadata.name, obj.metadata.namespace, typeof obj.metadata.uid]).to.deep.equal(['Task', 'dry-one', ns, 'string']);
    const changed = manifest('exit 0');
    const theirs = await runKubectl(['apply', '--dry-run=server', '-n', ns, '-f', '-'], { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') }, changed);
    const mine = await inNs(['apply', '--dry-run=server', '-f', '-'], changed);
    expect([mine.code, mine.stdout]).to.deep.equal([0, 'task.okube.dev/dry-one configured (server dry run)\n']);
    expect(theirs.stdout).to.equal(mine.stdout);
    const asYaml = await inNs(['apply', '-o', 'yaml', '-f', '-'], changed);
    expect(asYaml.code, asYaml.stderr).to.equal(0);
    expect(asYaml.stdout).to.match(/^apiVersion: okube\.dev\/v1alpha1\n/).and.include('  - exit 0\n').and.include(`uid: ${obj.metadata.uid}\n`);
    await inNs(['delete', 'task', 'dry-one', '--now']);
  });

  it('apply refuses a misspelt field as kubectl does, and --validate=warn creates the object with a warning', async () => {
    // `comand` for `command`: dropped silently, the Task would run the image's own command.
    const typo = taskYaml('typo', '  comand: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 1\n');
    const refused = await inNs(['apply', '-f', '-'], typo);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.equal('The Task "typo" is invalid: spec.comand: unknown field "spec.comand"\n');
    expect((await inNs(['get', 'task', 'typo'])).code, 'nothing created').to.equal(1);
    const warned = await inNs(['apply', '--validate=warn', '-f', '-'], typo);
    expect(warned.code, warned.stderr).to.equal(0);
    expect(warned.stdout).to.equal('task.okube.dev/typo created\n');
    expect(warned.stderr).to.equal('Warning: unknown field "spec.comand"\n');
    expect((await task('typo')).spec.command).to.equal(undefined);
    const bad = await inNs(['apply', '--validate=sometimes', '-f', '-'], typo);
    expect([bad.code, bad.stderr]).to.deep.equal([1, 'error: invalid - validate option "sometimes"; must be one of: strict (or true), warn, ignore (or false)\n']);
  });

  it('resolves resource names through discovery: short name, kind, group-qualified, TYPE/NAME', async () => {
    const [short, kind, qualified, slash, node] = await Promise.all([
      inNs(['get', 'tk', 'web', '-o', 'name']),
      inNs(['get', 'Task', 'web', '-o', 'name']),
      inNs(['get', 'tasks.okube.dev', 'web', '-o', 'name']),
      inNs(['get', 'task.v1alpha1.okube.dev/web', '-o', 'name']),
      run(['get', 'onode', nodeName, '-o', 'wide']),
    ]);
    for (const r of [short, kind, qualified, slash]) expect(r.stdout, r.stderr).to.equal('task.okube.dev/web\n');
    expect(node.stdout.split('\n')[0]).to.match(/^NAME\s+READY\s/);
    expect(node.stdout).to.match(new RegExp(`^${nodeName}\\s+True`, 'm'));
  });

  it('get all expands the category as kubectl does: the same objects as kubectl get all, one table per type', async () => {
    const [mine, table] = await Promise.all([inNs(['get', 'all', '-o', 'name']), inNs(['get', 'all'])]);
    expect(mine.code, mine.stderr).to.equal(0);
    const theirs = await kubectl(['get', 'all', '-n', ns, '-o', 'name']);
    expect(mine.stdout.split('\n').sort()).to.deep.equal(theirs.split('\n').sort());
    expect(mine.stdout).to.include('task.okube.dev/web\n');
    expect(table.stdout).to.match(/^NAME\s+PHASE\s+STATUS/);
    const unknown = await inNs(['get', 'everything']);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.equal('error: the server doesn\'t have a resource type "everything"\n');
  });

  it('get -o json|yaml, -l and -A', async () => {
    const [json, yaml, all] = await Promise.all([inNs(['get', 'task', 'web', '-o', 'json']), inNs(['get', 'tasks', '-l', 'app=web', '-o', 'yaml']), run(['get', 'tasks', '-A', '-o', 'wide'])]);
    expect(JSON.parse(json.stdout)).to.nested.include({ 'spec.image': image, 'metadata.name': 'web' });
    expect(yaml.stdout).to.match(/^apiVersion: v1\nitems:\n/);
    expect(yaml.stdout.match(/^ {2}kind: Task$/gm)).to.have.length(1);
    expect(all.stdout.split('\n')[0]).to.match(/^NAMESPACE\s+NAME\s+PHASE.*IMAGE\s+CONTAINER ID\s+PORTS$/);
    expect(all.stdout).to.match(new RegExp(`^${ns}\\s+web\\s+`, 'm'));
  });

  it('get -o yaml|json leave metadata.managedFields out as kubectl does, and --show-managed-fields keeps them', async () => {
    const [json, yaml, shown] = await Promise.all([inNs(['get', 'task', 'web', '-o', 'json']), inNs(['get', 'tasks', '-o', 'yaml']), inNs(['get', 'task', 'web', '-o', 'json', '--show-managed-fields'])]);
    expect(JSON.parse(json.stdout).metadata).to.not.have.property('managedFields');
    expect(yaml.stdout).to.not.include('managedFields');
    const managers = (JSON.parse(shown.stdout) as { metadata: { managedFields: Array<{ manager: string }> } }).metadata.managedFields.map((m) => m.manager);
    expect(managers).to.include('okube-scheduler');
    const applied = await inNs(['apply', '-f', '-', '-o', 'yaml'], taskYaml('mf-apply', '  command: ["sleep", "3600"]\n'));
    expect(applied.stdout, applied.stderr).to.match(/^apiVersion: okube\.dev\/v1alpha1\n/).and.not.include('managedFields');
  });

  it('get -o jsonpath and -o custom-columns print exactly what kubectl prints', async () => {
    // Spec fields and labels only: the controllers do not change them between the two reads.
    const outputs = [
      'jsonpath={.items[*].metadata.name}',
      'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.command}{"\\n"}{end}',
      "jsonpath={.items[?(@.metadata.name=='web')].spec.ports}",
      'custom-columns=NAME:.metadata.name,IMAGE:spec.image,CMD:{.spec.command},LABELS:.metadata.labels,NONE:.spec.nope',
    ];
    for (const output of outputs) {
      const [ours, theirs] = await Promise.all([inNs(['get', 'tasks', '-l', 'app in (web,batch,crashloop)', '-o', output]), kubectl(['get', 'tasks', '-n', ns, '-l', 'app in (web,batch,crashloop)', '-o', output])]);
      expect(ours.code, ours.stderr).to.equal(0);
      expect(ours.stdout, output).to.equal(theirs).and.not.equal('');
    }
    const one = await inNs(['get', 'task', 'web', '-o', 'jsonpath={.metadata.name}:{.spec.image}']);
    expect(one.stdout).to.equal(`web:${image}`);
  });

  it('get --no-headers, --show-labels, -L and --sort-by print what kubectl prints', async () => {
    const same = async (args: string[]) => {
      // A table's AGE may tick between the two reads: compare until a pair agrees.
      let ours = '';
      let theirs = '';
      for (let attempt = 0; attempt < 5 && (attempt === 0 || ours !== theirs); attempt++) {
        const r = await inNs(args);
        expect(r.code, r.stderr).to.equal(0);
        ours = r.stdout;
        theirs = await kubectl([...args, '-n', ns]);
      }
      expect(ours, args.join(' ')).to.equal(theirs).and.not.equal('');
    };
    await same(['get', 'tasks', '-l', 'app in (web,batch,crashloop)', '--sort-by=.metadata.name', '-o', 'custom-columns=N:.metadata.name,I:.spec.image', '--no-headers']);
    await same(['get', 'tasks', '-l', 'app', '--sort-by={.metadata.labels.app}', '-o', 'name']);
    await same(['get', 'ns', ns, '--show-labels', '-L', 'kubernetes.io/metadata.name', '--no-headers']);
    await same(['get', 'ns', ns, '--show-labels', '-L', 'kubernetes.io/metadata.name,nope']);
    const typo = await inNs(['get', 'tasks', '--sort-by=.nope']);
    expect([typo.code, typo.stderr]).to.deep.equal([1, 'error: couldn\'t find any field with path "{.nope}" in the list of objects\n']);
  });

  it('get --ignore-not-found prints what exists and nothing for what does not, exit 0, as kubectl', async () => {
    const env = { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') };
    for (const c of [['task', 'never-there'], ['task', 'never-there', '-o', 'json'], ['task', 'web', 'never-there', '-o', 'name'], ['tasks', '-l', 'app=nothing-here'], ['tasks', '-l', 'app=nothing-here', '-o', 'json'], ['tasks,tasksets', '-l', 'app=nothing-here', '-o', 'yaml']]) {
      const args = ['get', ...c, '--ignore-not-found', '-n', ns];
      const [mine, theirs] = await Promise.all([run(args), runKubectl(args, env)]);
      expect([mine.code, mine.stdout, mine.stderr], c.join(' ')).to.deep.equal([theirs.code, theirs.stdout, theirs.stderr]);
      expect(mine.code, c.join(' ')).to.equal(0);
    }
  });

  it('describe prints what kubectl describe prints', async () => {
    await waitFor('batch Succeeded', async () => (await task('batch')).status?.phase === 'Succeeded', 60_000, 500);
    // Only the event ages may differ (a second apart).
    const ageless = (s: string) => s.replace(/^( {2}\w+\s+\w+\s+)\S+(\s+)/gm, '$1AGE$2');
    // The two run side by side while the controllers may still be writing (an Event, a status
    // field): compare again until both saw the same object, and fail with the last difference.
    const mine = await eventually(async () => {
      const [m, theirs] = await Promise.all([inNs(['describe', 'task', 'batch']), kubectl(['describe', 'task', 'batch', '-n', ns])]);
      expect(ageless(m.stdout)).to.equal(ageless(theirs));
      return m;
    }, 20_000, 1000);
    expect(mine.stdout).to.match(/^Events:\n {2}Type\s+Reason\s+Age\s+From\s+Message$/m);
  });

  it('describe of a type with nothing selected says so on stderr and exits 0, as kubectl does', async () => {
    const args = ['describe', 'tasks', '-l', 'app=nothing-here', '-n', ns];
    const [mine, theirs] = await Promise.all([run(args), runKubectl(args, { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') })]);
    expect([mine.code, mine.stdout, mine.stderr]).to.deep.equal([theirs.code, theirs.stdout, theirs.stderr]);
    expect([mine.code, mine.stderr]).to.deep.equal([0, `No resources found in ${ns} namespace.\n`]);
  });

  it('logs prints the container output, --tail the last lines, --previous the crashed container before', async () => {
    await waitFor('batch Succeeded', async () => (await task('batch')).status?.phase === 'Succeeded', 60_000, 500);
    const [all, tail] = await Promise.all([inNs(['logs', 'batch']), inNs(['logs', 'task/batch', '--tail', '1'])]);
    expect(all.stdout).to.equal('step 1\nstep 2\nstep 3\n');
    expect(tail.stdout).to.equal('step 3\n');
    await waitFor('crashloop restarted twice', async () => ((await task('crashloop')).status?.restartCount ?? 0) >= 2, 90_000, 1000);
    const previous = await inNs(['logs', 'crashloop', '--previous']);
    expect(previous.code, previous.stderr).to.equal(0);
    expect(previous.stdout).to.equal('starting\ngiving up\n');
  });

  it('logs go through the API server (tasks/log): a ServiceAccount with the view role reads them with no access to the Node', async () => {
    await waitFor('batch Succeeded', async () => (await task('batch')).status?.phase === 'Succeeded', 60_000, 500);
    await kubectl(['create', 'serviceaccount', 'logreader', '-n', ns]);
    const token = (await kubectl(['create', 'token', 'logreader', '-n', ns])).trim();
    const denied = await inNs(['logs', 'batch', '--token', token]);
    expect(denied.code).to.equal(1);
    expect(denied.stderr).to.match(new RegExp(`Forbidden.*"system:serviceaccount:${ns}:logreader" cannot get resource "tasks" in API group "okube.dev"`));
    await kubectl(['create', 'rolebinding', 'logreader-view', '--clusterrole=view', `--serviceaccount=${ns}:logreader`, '-n', ns]);
    expect(await kubectl(['auth', 'can-i', 'get', 'nodes.okube.dev', `--as=system:serviceaccount:${ns}:logreader`])).to.equal('no\n');
    const read = await waitFor('the role binding in effect', async () => {
      const r = await inNs(['logs', 'batch', '--token', token]);
      return r.code === 0 ? r : undefined;
    }, 30_000, 300);
    expect(read.stdout).to.equal('step 1\nstep 2\nstep 3\n');
    // The subresource itself, as any client calls it.
    const path = `/apis/okube.dev/v1alpha1/namespaces/${ns}/tasks/batch/log`;
    expect(await kubectl(['get', '--raw', `${path}?tailLines=1`])).to.equal('step 3\n');
    const both = await runKubectl(['get', '--raw', `${path}?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z`], { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') });
    expect(both.stderr).to.include('at most one of sinceTime or sinceSeconds may be specified');
    const previous = await inNs(['logs', 'batch', '--previous', '--token', token]);
    expect(previous.stderr).to.equal('Error from server (BadRequest): previous terminated container of task "batch" not found\n');
    // -f through the server streams while the container runs and ends when it does.
    await inNs(['apply', '-f', '-'], taskYaml('countdown', '  restartPolicy: Never\n  command: ["sh", "-c", "sleep 2; for i in 1 2 3; do echo $i; sleep 0.5; done"]\n'));
    await waitFor('countdown running', async () => (await task('countdown')).status?.phase === 'Running', 60_000, 200);
    const followed = await inNs(['logs', '-f', 'countdown', '--token', token]);
    expect(followed.code, followed.stderr).to.equal(0);
    expect(followed.stdout).to.equal('1\n2\n3\n');
  });

  it('logs -l reads every Task the selector picks, --prefix names each line, and the hostname is the Task name', async () => {
    const set = `apiVersion: okube.dev/v1alpha1\nkind: TaskSet\nmetadata:\n  name: echoes\nspec:\n  replicas: 2\n  selector: { matchLabels: { app: echoes } }\n  template:\n    metadata: { labels: { app: echoes } }\n    spec:\n      image: ${image}\n      command: ["sh", "-c", "echo \\"$(hostname) one\\"; echo \\"$(hostname) two\\"; exec sleep 3600"]\n      terminationGracePeriodSeconds: 1\n`;
    expect((await inNs(['apply', '-f', '-'], set)).code).to.equal(0);
    const names = await waitFor('both echoes running', async () => {
      const r = await inNs(['get', 'tasks', '-l', 'app=echoes', '-o', 'name']);
      const running = await inNs(['get', 'tasks', '-l', 'app=echoes', '-o', 'jsonpath={range .items[?(@.status.phase=="Running")]}{.metadata.name}{"\\n"}{end}']);
      const all = running.stdout.split('\n').filter(Boolean).sort();
      return r.stdout.split('\n').filter(Boolean).length === 2 && all.length === 2 ? all : undefined;
    }, 60_000, 500);
    const lines = await waitFor('both echoes printed', async () => {
      const r = await inNs(['logs', '-l', 'app=echoes', '--prefix', '--tail', '1']);
      expect(r.code, r.stderr).to.equal(0);
      const l = r.stdout.split('\n').filter(Boolean);
      return l.length === 2 ? l : undefined;
    }, 30_000, 500);
    expect(lines).to.deep.equal(names.map((n) => `[task/${n}] ${n} two`));

    const one = await inNs(['logs', 'taskset/echoes']);
    expect(one.code, one.stderr).to.equal(0);
    const chosen = /^Found 2 tasks, using task\/(\S+)\n$/.exec(one.stderr)?.[1];
    expect(names).to.include(chosen);
    expect(one.stdout).to.equal(`${chosen} one\n${chosen} two\n`);

    // As kubectl exec deploy/NAME: one of its Tasks, the one logs would read, and nothing said about it.
    const ran = await run(['exec', '-n', ns, 'taskset/echoes', '--', 'hostname']);
    expect([ran.code, ran.stdout, ran.stderr]).to.deep.equal([0, `${chosen}\n`, '']);

    const [future, past] = await Promise.all([
      inNs(['logs', '-l', 'app=echoes', '--since-time', '2999-01-01T00:00:00Z']),
      inNs(['logs', names[0], '--since-time', '2000-01-01T00:00:00Z']),
    ]);
    expect(future.stdout).to.equal('');
    expect(past.stdout).to.equal(`${names[0]} one\n${names[0]} two\n`);

    const tooMany = await inNs(['logs', '-f', '-l', 'app=echoes', '--max-log-requests', '1']);
    expect(tooMany.code).to.equal(1);
    expect(tooMany.stderr).to.equal('error: you are attempting to follow 2 log streams, but maximum allowed concurrency is 1, use --max-log-requests to increase the limit\n');
    const none = await inNs(['logs', '-l', 'app=nothing-here']);
    expect([none.code, none.stdout, none.stderr]).to.deep.equal([0, '', `No resources found in ${ns} namespace.\n`]);
    await inNs(['delete', 'taskset', 'echoes', '--now']);
  });

  it('logs -f -l ends with exit 1 when one Task cannot be read, instead of following the others on', async () => {
    const labels = '  labels: { app: follow-broken }\n';
    const running = taskYaml('follow-ok', '  command: ["sh", "-c", "echo up; exec sleep 3600"]\n  terminationGracePeriodSeconds: 1\n').replace('metadata:\n', `metadata:\n${labels}`);
    const unplaced = taskYaml('follow-unplaced', '  nodeSelector: { okube.dev/nowhere: "true" }\n').replace('metadata:\n', `metadata:\n${labels}`);
    const applied = await inNs(['apply', '-f', '-'], `${running}---\n${unplaced}`);
    expect(applied.code, applied.stderr).to.equal(0);
    await waitFor('follow-ok printed', async () => (await inNs(['logs', 'follow-ok'])).stdout === 'up\n' || undefined, 60_000, 500);
    // Killed after 20 s, a hang shows as code null.
    const r = await okube(['logs', '-f', '-l', 'app=follow-broken', '-n', ns], { kubeconfig: up.kubeconfig, timeoutMs: 20_000 });
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr).to.match(/^Error from server \(BadRequest\): task "follow-unplaced" is not scheduled to a Node yet/);
    noStack(r);
    await inNs(['delete', 'task', 'follow-ok', 'follow-unplaced', '--now']);
  });

  it('exec runs a command in the running container: its output, its exit code, and stdin with -i', async () => {
    // Flags after `--` are the command's, so -n goes before it.
    await waitFor('web running', async () => (await task('web')).status?.phase === 'Running', 60_000, 500);
    const ran = await run(['exec', '-n', ns, 'web', '--', 'sh', '-c', 'echo "out $(hostname)"; echo err >&2; exit 3']);
    expect([ran.code, ran.stdout, ran.stderr]).to.deep.equal([3, 'out web\n', 'err\ncommand terminated with exit code 3\n']);
    const piped = await run(['exec', '-n', ns, '-i', 'task/web', '--', 'sh', '-c', 'tr a-z A-Z'], 'hello\nworld\n');
    expect([piped.code, piped.stdout]).to.deep.equal([0, 'HELLO\nWORLD\n']);
    const oldForm = await inNs(['exec', 'web', 'ls']);
    expect([oldForm.code, oldForm.stderr]).to.deep.equal([1, 'error: exec TASK COMMAND is not supported: use okube exec TASK -- COMMAND\n']);
    await waitFor('batch Succeeded', async () => (await task('batch')).status?.phase === 'Succeeded', 60_000, 500);
    const done = await run(['exec', '-n', ns, 'batch', '--', 'true']);
    expect([done.code, done.stderr]).to.deep.equal([1, 'error: cannot exec into a container in a completed task; current phase is Succeeded\n']);
  });

  it('exec -t without -i runs without a terminal and says nothing about it; -it on piped input warns as kubectl does', async () => {
    await waitFor('web running', async () => (await task('web')).status?.phase === 'Running', 60_000, 500);
    const quiet = await run(['exec', '-n', ns, '-t', 'web', '--', 'echo', 'hi']);
    expect([quiet.code, quiet.stdout, quiet.stderr]).to.deep.equal([0, 'hi\n', '']);
    const piped = await run(['exec', '-n', ns, '-it', 'web', '--', 'cat'], 'typed\n');
    expect([piped.code, piped.stdout, piped.stderr]).to.deep.equal([0, 'typed\n', 'Unable to use a TTY - input is not a terminal or the right kind of file\n']);
  });

  it('wait --for=condition=Ready returns once Ready, and times out with an error otherwise', async () => {
    // batch has ended (never Ready again) whichever tests ran before this one.
    await waitFor('batch Succeeded', async () => (await task('batch')).status?.phase === 'Succeeded', 60_000, 500);
    const [ready, timedOut] = await Promise.all([
      inNs(['wait', '--for=condition=Ready', 'task/web', '--timeout', '90s']),
      inNs(['wait', '--for=condition=Ready', 'task', 'batch', '--timeout', '2s']),
    ]);
    expect(ready.stdout, ready.stderr).to.equal('task.okube.dev/web condition met\n');
    expect(timedOut.code).to.equal(1);
    expect(timedOut.stderr).to.equal('error: timed out waiting for the condition on tasks/batch\n');
  });

  it('wait -f waits for the objects of a manifest, in its namespace, and prints what kubectl prints', async () => {
    const file = join(dir, 'wait-f.yaml');
    const doc = (name: string) => taskYaml(name, '  command: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 1\n').replace('metadata:\n', `metadata:\n  namespace: ${ns}\n`);
    writeFileSync(file, `${doc('wait-a')}---\n${doc('wait-b')}`);
    await inNs(['apply', '-f', file]);
    const args = ['wait', '--for=condition=Ready', '-f', file, '--timeout', '90s'];
    const mine = await run(args);
    expect(mine.stdout, mine.stderr).to.equal('task.okube.dev/wait-a condition met\ntask.okube.dev/wait-b condition met\n');
    const theirs = await runKubectl(args, { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') });
    expect([mine.code, mine.stdout]).to.deep.equal([theirs.code, theirs.stdout]);
    const elsewhere = await run([...args, '-n', 'default']);
    expect([elsewhere.code, elsewhere.stderr]).to.deep.equal([1, `error: the namespace from the provided object "${ns}" does not match the namespace "default". You must pass '--namespace=${ns}' to perform this operation.\n`]);
    const nothing = await inNs(['wait', '--for=delete']);
    expect([nothing.code, nothing.stderr]).to.deep.equal([1, 'error: You must provide one or more resources by argument or filename (TYPE NAME, TYPE/NAME, or -f FILE)\n']);
  });

  it('wait -l / --all wait for every matching object, and refuse and report as kubectl wait does', async () => {
    await waitFor('web Ready', async () => (await task('web')).status?.ready === true, 90_000, 500);
    const cases = [
      ['task', '-l', 'app=web'],
      ['task', '--all', '-l', 'app=web'],
      ['task', '-l', 'app=nothing-here'],
      ['task'],
      ['task', 'web', '-l', 'app=web'],
      ['task/web', '-l', 'app=web'],
    ];
    const kubectlEnv = { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') };
    for (const c of cases) {
      const args = ['wait', '--for=condition=Ready', ...c, '-n', ns, '--timeout=20s'];
      const [mine, theirs] = await Promise.all([run(args), runKubectl(args, kubectlEnv)]);
      expect([mine.code, mine.stdout, mine.stderr], c.join(' ')).to.deep.equal([theirs.code, theirs.stdout, theirs.stderr]);
    }
    const all = await inNs(['wait', '--for=jsonpath={.metadata.name}', 'task', '--all', '--timeout=20s']);
    const names = (await inNs(['get', 'tasks', '-o', 'name'])).stdout.trim().split('\n');
    expect(all.stdout.trim().split('\n').map((l) => l.replace(/ condition met$/, '')).sort(), all.stderr).to.deep.equal(names.sort());
    // An object that was never there is already deleted: nothing to report, as kubectl.
    const gone = await inNs(['wait', '--for=delete', 'task/never-there', '--timeout=5s']);
    expect([gone.code, gone.stdout, gone.stderr]).to.deep.equal([0, '', '']);
  });

  it('retry ends a long crash-loop wait now and the backoff starts over', async () => {
    // 1 s, then 100 s: without the retry (and its reset) there would be no third restart in this test.
    await inNs(['apply', '-f', '-'], taskYaml('slowloop', '  command: ["sh", "-c", "echo try; exit 3"]\n  backoff: { initialDelaySeconds: 1, factor: 100, maxDelaySeconds: 600 }\n'));
    await waitFor('slowloop in its 100 s wait', async () => (await task('slowloop')).status?.backoff?.delaySeconds === 100, 60_000, 500);
    const before = (await task('slowloop')).status!.restartCount!;
    const retried = await inNs(['retry', 'slowloop']);
    expect(retried.stdout, retried.stderr).to.equal('task.okube.dev/slowloop retried\n');
    const after = await waitFor('two more restarts', async () => {
      const t = await task('slowloop');
      return (t.status?.restartCount ?? 0) >= before + 2 ? t : undefined;
    }, 60_000, 500);
    expect(after.status?.backoff?.delaySeconds).to.be.at.most(100);
    const described = await inNs(['describe', 'task', 'slowloop']);
    expect(described.stdout).to.match(/Normal\s+RetryRequested\s+.*backoff reset/);
    const running = await inNs(['retry', 'web']);
    expect(running.code).to.equal(1);
    expect(running.stderr).to.match(/^error: task "web" is not waiting to restart \(Running\): nothing to retry/);
  });

  it('--token and --server override the kubeconfig, before or after the command, as in kubectl', async () => {
    // A ServiceAccount that may read Tasks in this namespace only.
    for (const args of [
      ['create', 'serviceaccount', 'reader', '-n', ns],
      ['create', 'role', 'task-reader', '--verb=get,list', '--resource=tasks.okube.dev', '-n', ns],
      ['create', 'rolebinding', 'reader', '--role=task-reader', `--serviceaccount=${ns}:reader`, '-n', ns],
    ]) await kubectl(args);
    const token = (await kubectl(['create', 'token', 'reader', '-n', ns])).trim();
    expect(token).to.match(/^ey/);
    const listed = await inNs(['get', 'tasks', '--token', token]);
    expect(listed.code, listed.stderr).to.equal(0);
    const elsewhere = await run(['--token', token, 'get', 'tasks', '-n', 'default']);
    expect(elsewhere.code).to.equal(1);
    expect(elsewhere.stderr).to.match(new RegExp(`Forbidden.*"system:serviceaccount:${ns}:reader" cannot list resource "tasks" in API group "okube.dev" in the namespace "default"`));
    const write = await inNs(['scale', 'taskset', 'nothing', '--replicas', '1', '--token', token]);
    expect(write.code).to.equal(1);
    expect(write.stderr).to.match(/Forbidden/);
    const wrong = await inNs(['get', 'tasks', '--token', 'not-a-token']);
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.match(/Unauthorized/);
    const port = await freePort();
    const refused = await inNs(['-s', `127.0.0.1:${port}`, 'get', 'tasks']);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include(`The connection to the server 127.0.0.1:${port} was refused`);
    const notUrl = await inNs(['get', 'tasks', '--server', 'ht tp://x']);
    expect(notUrl.stderr).to.match(/^error: --server: "ht tp:\/\/x" is not a URL/);
    noStack(notUrl);
  });

  it('restart and retry take task/NAME and refuse a TaskSet or another type before changing anything', async () => {
    await inNs(['apply', '-f', '-'], taskYaml('typed', '  command: ["sleep", "3600"]\n'));
    await waitFor('typed running', async () => (await task('typed')).status?.phase === 'Running', 60_000, 500);
    const typed = await inNs(['restart', 'tasks.okube.dev/typed']);
    expect(typed.stdout, typed.stderr).to.equal('task.okube.dev/typed restarted\n');
    const requested = (await task('typed')).metadata.annotations?.['okube.dev/restartedAt'];
    expect(requested).to.be.a('string');
    await new Promise((r) => setTimeout(r, 5)); // a second request would carry a later timestamp
    const set = await inNs(['restart', 'typed', 'taskset/typed']);
    expect(set.code).to.equal(1);
    expect(set.stderr).to.equal('error: restart works on Tasks only: to restart every Task of a TaskSet, use okube rollout restart taskset/typed\n');
    const node = await inNs(['retry', 'node/typed']);
    expect(node.code).to.equal(1);
    expect(node.stderr).to.equal('error: retry works on Tasks only, not node\n');
    // The refused command named a valid Task first: it was not restarted a second time.
    expect((await task('typed')).metadata.annotations?.['okube.dev/restartedAt']).to.equal(requested);
    await waitFor('one restart counted', async () => (await task('typed')).status?.restartCount === 1, 60_000, 500);
  });

  it('restart replaces a running container, counts it, and logs -f / --previous read the new and the old one', async () => {
    await inNs(['apply', '-f', '-'], taskYaml('talker', '  command: ["sh", "-c", "trap \'exit 0\' TERM; echo hello; while true; do echo tick; sleep 0.3; done"]\n  terminationGracePeriodSeconds: 5\n'));
    const first = await waitFor('talker running', async () => {
      const t = await task('talker');
      return t.status?.phase === 'Running' && t.status.containerID ? t : undefined;
    }, 60_000, 500);
    const restarted = await inNs(['restart', 'talker']);
    expect(restarted.stdout, restarted.stderr).to.equal('task.okube.dev/talker restarted\n');
    const second = await waitFor('a new talker container', async () => {
      const t = await task('talker');
      return t.status?.phase === 'Running' && t.status.containerID !== first.status!.containerID && t.status.lastState ? t : undefined;
    }, 60_000, 500);
    expect(second.status?.restartCount).to.equal(1);
    expect(second.status?.lastState?.terminated).to.include({ containerID: first.status!.containerID, reason: 'Restarted', exitCode: 0 });
    const previous = await inNs(['logs', 'talker', '--previous', '--tail', '1']);
    expect(previous.stdout).to.match(/^(hello|tick)\n$/);

    const follower = spawn(process.execPath, [okubeBin(), 'logs', '-f', 'talker', '-n', ns], { env: { ...process.env, KUBECONFIG: up.kubeconfig } });
    let followed = '';
    follower.stdout.on('data', (d: Buffer) => (followed += d.toString()));
    try {
      await waitFor('logs -f to keep streaming', async () => followed.startsWith('hello\n') && (followed.match(/tick/g) ?? []).length >= 5, 60_000, 200);
    } finally {
      follower.kill('SIGINT');
    }
  });

  it('a spec change applied again keeps the replaced container: logs --previous reads it and lastState says SpecChanged, two containers at most', async () => {
    const manifest = (word: string) => taskYaml('changer', `  command: ["sh", "-c", "trap 'echo bye; exit 0' TERM; echo ${word}; while true; do sleep 1; done"]\n  terminationGracePeriodSeconds: 5\n`);
    const runningWith = async (what: string, previousId?: string) => waitFor(what, async () => {
      const t = await task('changer');
      return t.status?.phase === 'Running' && t.status.containerID && t.status.containerID !== previousId && t.status.lastState?.terminated?.containerID === previousId ? t : undefined;
    }, 60_000, 200);
    await inNs(['apply', '-f', '-'], manifest('v1'));
    let before = await waitFor('changer running', async () => {
      const t = await task('changer');
      return t.status?.phase === 'Running' && t.status.containerID ? t : undefined;
    }, 60_000, 200);
    for (const [i, word] of ['v2', 'v3'].entries()) {
      const applied = await inNs(['apply', '-f', '-'], manifest(word));
      expect(applied.stdout, applied.stderr).to.equal('task.okube.dev/changer configured\n');
      const now = await runningWith(`changer running ${word}`, before.status!.containerID);
      expect(now.status!.lastState!.terminated).to.include({ reason: 'SpecChanged', exitCode: 0, containerID: before.status!.containerID });
      expect(now.status!.restartCount, 'a replacement, not a restart').to.equal(0);
      expect((await inNs(['logs', 'changer'])).stdout).to.equal(`${word}\n`);
      expect((await inNs(['logs', 'changer', '--previous'])).stdout).to.equal(`${i === 0 ? 'v1' : 'v2'}\nbye\n`);
      expect((await kubectl(['get', 'task', 'changer', '-n', ns, '-o', 'jsonpath={.status.lastState.terminated.reason}']))).to.equal('SpecChanged');
      const containers = await dockerContainersOf(now.metadata.uid!);
      expect(containers.length, 'the running one and the one it replaced').to.equal(2);
      before = now;
    }
  });

  it('delete waits until the Task and its containers are gone', async () => {
    await inNs(['apply', '-f', '-'], taskYaml('doomed', '  command: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 1\n'));
    const t = await waitFor('doomed running', async () => {
      const x = await task('doomed');
      return x.status?.phase === 'Running' ? x : undefined;
    }, 60_000, 500);
    const deleted = await inNs(['delete', 'task', 'doomed']);
    expect(deleted.stdout, deleted.stderr).to.equal('task.okube.dev "doomed" deleted\n');
    const docker = new DockerRuntime({ dockerHost: testEnv().dockerHost });
    expect(await docker.list({ [LABELS.taskUid]: t.metadata.uid! })).to.deep.equal([]);
    const again = await inNs(['delete', 'task', 'doomed']);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.equal('Error from server (NotFound): tasks.okube.dev "doomed" not found\n');
    const file = join(dir, 'byfile.yaml');
    writeFileSync(file, taskYaml('byfile', '  command: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 1\n'));
    await inNs(['apply', '-f', file]);
    const byFile = await inNs(['delete', '-f', file, '--wait=false']);
    expect(byFile.stdout).to.equal('task.okube.dev "byfile" deleted\n');
    // An object of a manifest that is not there is reported with its file, as kubectl reports it.
    await waitFor('byfile gone', async () => (await inNs(['get', 'task', 'byfile'])).code === 1, 60_000, 250);
    const args = ['delete', '-f', file, '-n', ns];
    const [mine, theirs] = await Promise.all([run(args), runKubectl(args, { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') })]);
    expect([mine.code, mine.stdout, mine.stderr]).to.deep.equal([1, '', `Error from server (NotFound): error when deleting "${file}": tasks.okube.dev "byfile" not found\n`]);
    expect([mine.code, mine.stdout, mine.stderr]).to.deep.equal([theirs.code, theirs.stdout, theirs.stderr]);
  });

  it('delete -f of a manifest of another namespace than -n deletes nothing and says what kubectl says', async () => {
    await inNs(['apply', '-f', '-'], taskYaml('elsewhere', '  command: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 1\n'));
    const file = join(dir, 'elsewhere.yaml');
    writeFileSync(file, taskYaml('elsewhere', '').replace('metadata:\n', `metadata:\n  namespace: ${ns}\n`));
    const args = ['delete', '-f', file, '-n', 'default', '--wait=false'];
    const [mine, theirs] = await Promise.all([run(args), runKubectl(args, { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') })]);
    expect([mine.code, mine.stdout, mine.stderr]).to.deep.equal([1, '', `error: the namespace from the provided object "${ns}" does not match the namespace "default". You must pass '--namespace=${ns}' to perform this operation.\n`]);
    expect([mine.code, mine.stdout, mine.stderr]).to.deep.equal([theirs.code, theirs.stdout, theirs.stderr]);
    expect((await task('elsewhere')).metadata.deletionTimestamp).to.equal(undefined);
  });

  it('delete --dry-run=server prints what kubectl prints and deletes nothing; --dry-run=client is refused in one line', async () => {
    await inNs(['apply', '-f', '-'], taskYaml('dryrun', '  command: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 1\n'));
    const args = ['delete', 'task', 'dryrun', '--dry-run=server', '-n', ns];
    const [mine, theirs] = await Promise.all([run(args), runKubectl(args, { ...process.env, KUBECONFIG: up.kubeconfig, KUBECACHEDIR: join(dir, 'kubecache') })]);
    expect([mine.code, mine.stdout, mine.stderr]).to.deep.equal([0, 'task.okube.dev "dryrun" deleted (server dry run)\n', '']);
    expect([mine.code, mine.stdout, mine.stderr]).to.deep.equal([theirs.code, theirs.stdout, theirs.stderr]);
    expect((await task('dryrun')).metadata.deletionTimestamp).to.equal(undefined);
    const client = await inNs(['delete', 'task', 'dryrun', '--dry-run=client']);
    expect([client.code, client.stderr]).to.deep.equal([1, 'error: okube has no client-side dry run: use --dry-run=server (the server checks the object fully and stores nothing)\n']);
    expect((await task('dryrun')).metadata.deletionTimestamp).to.equal(undefined);
  });

  it('delete --all --now removes every Task of its own namespace and waits for them; --all refuses names and -l, as kubectl does', async () => {
    const own = uniqueName('cli-all');
    owned.push(own);
    expect((await run(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${own}\n`)).code).to.equal(0);
    for (const n of ['a1', 'a2']) expect((await run(['apply', '-n', own, '-f', '-'], taskYaml(n, '  command: ["sleep", "3600"]\n'))).code).to.equal(0);
    const r = await run(['delete', 'tasks', '--all', '--now', '-n', own]);
    expect(r.stdout, r.stderr).to.equal('task.okube.dev "a1" deleted\ntask.okube.dev "a2" deleted\n');
    expect((await run(['get', 'tasks', '-n', own, '-o', 'name'])).stdout).to.equal('');
    expect((await task('web')).metadata.deletionTimestamp, 'other namespaces untouched').to.equal(undefined);
    for (const [args, message] of [
      [['delete', 'tasks', 'a1', '--all'], 'error: cannot set --all and name resources at the same time\n'],
      [['delete', 'tasks', '--all', '-l', 'app=x'], 'error: cannot set --all and --selector at the same time\n'],
      [['delete', 'tasks', 'a1', '--now', '--grace-period', '5'], 'error: --now and --grace-period cannot be specified together\n'],
    ] as const) {
      const bad = await run([...args, '-n', own]);
      expect([bad.code, bad.stderr], args.join(' ')).to.deep.equal([1, message]);
    }
  });

  it('delete --grace-period shortens a Task\'s stop as a Pod\'s: --grace-period=0 --force kills at once, and a later delete shortens a stop under way', async () => {
    // PID 1 ignores SIGTERM and the spec gives it 10 minutes: only a shorter period ends these within the test.
    const spec = '  command: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 600\n';
    await inNs(['apply', '-f', '-'], taskYaml('forced', spec) + '---\n' + taskYaml('shortened', spec));
    for (const name of ['forced', 'shortened']) await waitFor(`${name} running`, async () => (await task(name)).status?.phase === 'Running', 60_000, 500);
    const forced = await inNs(['delete', 'task', 'forced', '--grace-period=0', '--force']);
    expect(forced.stdout, forced.stderr).to.equal('task.okube.dev "forced" force deleted\n');
    expect(forced.stderr).to.include('Warning: Immediate deletion does not wait for confirmation');
    // kubectl: a delete without a period marks it with the spec's (as deletionGracePeriodSeconds, like a Pod's) ...
    await kubectl(['delete', 'task', 'shortened', '-n', ns, '--wait=false']);
    expect((await task('shortened')).metadata.deletionGracePeriodSeconds).to.equal(600);
    await waitFor('the 600 s stop under way', async () => (await task('shortened')).status?.conditions?.find((c) => c.type === 'Stopping')?.message.endsWith('SIGKILL after 600s'), 30_000, 250);
    // ... and a second one with a shorter period ends the stop under way.
    await kubectl(['delete', 'task', 'shortened', '-n', ns, '--grace-period=1']);
    const gone = await inNs(['get', 'task', 'shortened']);
    expect(gone.stderr).to.equal('Error from server (NotFound): tasks.okube.dev "shortened" not found\n');
    const events = await kubectl(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=shortened', '-o', 'jsonpath={.items[*].message}']);
    expect(events).to.include('(grace 600s)').and.include('(grace shortened to 1s)');
    const bad = await inNs(['delete', 'task', 'web', '--grace-period=soon']);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.equal('error: invalid argument "soon": must be a whole number\n');
  });

  it('a long apply shows progress on stderr', async () => {
    const docs = Array.from({ length: 24 }, (_, i) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}-p${i}\n`).join('---\n');
    const r = await run(['apply', '-f', '-'], docs);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.split('\n').filter(Boolean)).to.have.length(24);
    expect(r.stderr).to.match(/^applying 1\/24: Namespace\//m);
    expect(r.stderr).to.match(/^applying done: 24\/24 succeeded$/m);
  });

  it('get TYPE,TYPE prints one kind-prefixed table per type, like kubectl', async () => {
    const own = uniqueName('cli-multi');
    owned.push(own);
    await run(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${own}\n`);
    try {
      const applied = await run(['apply', '-n', own, '-f', '-'], taskYaml('solo', '  command: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 1\n'));
      expect(applied.code, applied.stderr).to.equal(0);
      // Settled first, so both clients print the same state.
      const settled = await run(['wait', '--for=condition=Ready', 'task/solo', '-n', own, '--timeout=60s']);
      expect(settled.code, settled.stderr).to.equal(0);
      // Same layout as kubectl's; AGE (the last column) may differ by a second. The shared Node's
      // TASKS count moves while other tests' Tasks come and go, so the two clients are compared on
      // reads that agree with a third one taken after them (a few tries), never on a moving target.
      const shape = (out: string) => out.split('\n').map((l) => l.replace(/\S+$/, 'AGE'));
      let ours = await run(['get', 'tasks,onodes', '-n', own]);
      let theirs = '';
      for (let attempt = 0; attempt < 5; attempt++) {
        theirs = await kubectl(['get', 'tasks,onodes', '-n', own]);
        const again = await run(['get', 'tasks,onodes', '-n', own]);
        if (JSON.stringify(shape(again.stdout)) === JSON.stringify(shape(ours.stdout))) break;
        ours = again;
      }
      const names = await run(['get', 'tk,onode', '-n', own, '-o', 'name']);
      expect(ours.code, ours.stderr).to.equal(0);
      expect(shape(ours.stdout)).to.deep.equal(shape(theirs));
      expect(ours.stdout).to.match(/^task\.okube\.dev\/solo\s/m);
      expect(ours.stdout).to.match(new RegExp(`^node\\.okube\\.dev/${nodeName}\\s`, 'm'));
      expect(names.stdout.split('\n')).to.include.members(['task.okube.dev/solo', `node.okube.dev/${nodeName}`]);
      const watch = await run(['get', 'tasks,onodes', '-w', '-n', own]);
      expect(watch.stderr).to.equal('error: you may only specify a single resource type and name with --watch\n');
    } finally {
      await run(['delete', 'namespace', own]);
    }
  });

  it('bad input and server errors are one clear line and a non-zero exit, never a stack', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, `${taskYaml('ok', '')}---\napiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata: {name: broken\nspec: {}\n`);
    const downPort = await freePort();
    const downKubeconfig = join(dir, 'down.kubeconfig');
    writeFileSync(downKubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${downPort}"}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`);
    const [notFound, unknownType, missingFile, badYaml, invalid, down] = await Promise.all([
      inNs(['get', 'task', 'nope']),
      inNs(['get', 'gadgets']),
      inNs(['apply', '-f', join(dir, 'missing.yaml')]),
      inNs(['apply', '-f', broken]),
      inNs(['apply', '-f', '-'], taskYaml('invalid', '  restartPolicy: Sometimes\n')),
      okube(['get', 'tasks'], { kubeconfig: downKubeconfig }),
    ]);
    expect(notFound.stderr).to.equal('Error from server (NotFound): tasks.okube.dev "nope" not found\n');
    expect(unknownType.stderr).to.equal('error: the server doesn\'t have a resource type "gadgets"\n');
    expect(missingFile.stderr).to.equal(`error: the path "${join(dir, 'missing.yaml')}" does not exist\n`);
    expect(badYaml.stderr).to.match(new RegExp(`^error: error parsing ${broken} \\(document 2, line \\d+\\): .+\\n$`));
    expect(invalid.stderr).to.match(/^The Task "invalid" is invalid: spec\.restartPolicy: Unsupported value: "Sometimes"/);
    expect(down.stderr).to.equal(`The connection to the server 127.0.0.1:${downPort} was refused - did you specify the right host or port?\n`);
    for (const r of [notFound, unknownType, missingFile, badYaml, invalid, down]) {
      expect(r.code).to.equal(1);
      expect(r.stderr.trimEnd().split('\n')).to.have.length(1);
      noStack(r);
    }
    // Nothing of the broken file was applied: it is rejected before any request.
    expect((await inNs(['get', 'task', 'ok'])).code).to.equal(1);
  });

  it('kubectl\'s global flags before the command: okube -n NS --kubeconfig F get, describe and top', async () => {
    const env = { KUBECONFIG: '/nonexistent' };
    const [got, described, top, usage] = await Promise.all([
      okube(['-n', ns, '--kubeconfig', up.kubeconfig, 'get', 'task', 'web', '-o', 'name'], { env }),
      okube([`--namespace=${ns}`, `--kubeconfig=${up.kubeconfig}`, 'describe', 'task', 'web'], { env }),
      okube(['--kubeconfig', up.kubeconfig, '-n', ns, 'top', 'nodes'], { env }),
      okube(['--kubeconfig', up.kubeconfig, 'get', 'tasks', '--no-such-flag'], { env }),
    ]);
    expect(got.stdout, got.stderr).to.equal('task.okube.dev/web\n');
    expect(described.stdout, described.stderr).to.match(new RegExp(`^Name:\\s+web\\nNamespace:\\s+${ns}\\n`));
    expect(top.stderr).to.not.match(/unknown option/);
    expect(usage.code).to.equal(1);
    expect(usage.stderr).to.equal("error: unknown option '--no-such-flag'\nSee 'okube <command> --help' for usage.\n");
  });
});
