// Every benchmark in one run, side by side on one machine, written as Markdown (a summary table,
// then each benchmark's own table) to docs/benchmarks.md. The file is rewritten after each
// benchmark, so a run cut short still leaves what it measured.
//
//   npm run bench                      # full sizes → docs/benchmarks.md
//   npm run bench -- --quick           # small sizes → /tmp/okube-benchmarks-quick.md
//   npm run bench -- --only apply,tasks,scale --out FILE --scale-tasks 2000 --scale-nodes 20 --apply-reps 5
//   npm run bench -- --include EARLIER.md   # appends an earlier run's file, marked as such
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, listOpt, markdownTable, mib, numberOpt, type BenchResult } from './lib.js';

// Loggers read the level as their modules load: set it before importing anything of okube's.
process.env.OKUBE_LOG_LEVEL ??= 'warn';
const { tasksBench } = await import('./tasks.js');
const { applyRunningBench } = await import('./apply-running.js');
const { storeBench } = await import('./store.js');
const { apiServerBench } = await import('./apiserver.js');
const { probesBench } = await import('./probes.js');
const { scaleBench } = await import('./scale.js');
const { stopsBench } = await import('./stops.js');
const { tasksetBench } = await import('./taskset.js');
const { gatingLatencyBench } = await import('./gating-latency.js');
const { testEnv } = await import('../../test/support/env.js');
const { DockerRuntime } = await import('../../src/runtime/docker-runtime.js');

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const strOpt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = strOpt('only')?.split(',');
const wanted = (name: string) => !only || only.includes(name);
const include = strOpt('include');
const out = strOpt('out') ?? (quick ? '/tmp/okube-benchmarks-quick.md' : join(REPO, 'docs/benchmarks.md'));

const sizes = {
  counts: listOpt(args, 'counts', quick ? [10] : [10, 100]),
  parallel: numberOpt(args, 'parallel', 8),
  crashes: numberOpt(args, 'crashes', quick ? 8 : 30),
  storeObjects: numberOpt(args, 'store-objects', quick ? 500 : 5000),
  apiObjects: numberOpt(args, 'api-objects', quick ? 300 : 2000),
  watchEvents: numberOpt(args, 'watch-events', quick ? 50 : 200),
  probeSeconds: numberOpt(args, 'probe-seconds', quick ? 5 : 60),
  probeTasks: numberOpt(args, 'probe-tasks', quick ? 20 : 200),
  scaleTasks: numberOpt(args, 'scale-tasks', quick ? 300 : 10_000),
  scaleNodes: numberOpt(args, 'scale-nodes', quick ? 10 : 100),
  idleSeconds: numberOpt(args, 'idle-seconds', quick ? 5 : 10),
  stopTasks: numberOpt(args, 'stop-tasks', quick ? 20 : 100),
  stopGrace: numberOpt(args, 'stop-grace', 10),
  livenessTasks: numberOpt(args, 'liveness-tasks', quick ? 3 : 10),
  replicas: numberOpt(args, 'replicas', quick ? 10 : 100),
  reps: numberOpt(args, 'reps', quick ? 1 : 3),
  applyReps: numberOpt(args, 'apply-reps', quick ? 1 : 5),
};

function cmd(file: string, argv: string[], env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync(file, argv, { env, encoding: 'utf8' }).trim();
  } catch (err) {
    return `unknown (${(err as Error).message.split('\n')[0]})`;
  }
}

async function machine(): Promise<string[]> {
  const env = testEnv();
  const docker = await new DockerRuntime({ dockerHost: env.dockerHost }).info().catch(() => undefined);
  const dirty = cmd('git', ['-C', REPO, 'status', '--porcelain', '--untracked-files=no']).split('\n').filter(Boolean).length;
  return [
    `- CPU: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'} (nproc ${cmd('nproc', [])}); memory ${fmt(totalmem() / 1024 ** 3, 1)} GiB; kernel ${release()}`,
    `- Node.js ${process.version}; Docker engine ${docker?.dockerVersion ?? 'unknown'} (CLI ${cmd('docker', ['version', '--format', '{{.Client.Version}}'], { ...process.env, DOCKER_HOST: env.dockerHost })}); ${cmd('etcd', ['--version']).split('\n')[0]}`,
    `- okube commit ${cmd('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'])}${dirty ? ` plus ${dirty} files with uncommitted changes in the shared working tree (other engineers' work in progress, which the run used)` : ''}`,
  ];
}

type Figures = Record<string, number | undefined>;
const sections: Array<BenchResult & { figures?: Figures }> = [];
const startedAt = new Date();
const load0 = loadavg();
const machineLines = await machine();
const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;

function fig(title: string, key: string): number | undefined {
  return sections.find((s) => s.title.startsWith(title))?.figures?.[key];
}

function summary(): string {
  const rows: string[][] = [];
  for (const n of sizes.counts) {
    const ok = fig('apply', `okube${n}`);
    const raw = fig('apply', `raw${n}`);
    const sw = fig('apply', `swarm${n}`);
    if (ok === undefined) continue;
    // Medians over the repetitions; the ratios are medians of the per-repetition ratios.
    rows.push([`1. apply → all Running, ${n} Tasks (kubectl apply to okube up; median of ${sizes.applyReps})`, `${fmt(ok, 2)} s`, `docker run -d ${fmt(raw ?? NaN, 2)} s; Swarm ${fmt(sw ?? NaN, 2)} s`, `${fmt(fig('apply', `ratio${n}`) ?? NaN, 2)}× raw; ${fmt(fig('apply', `swarmRatio${n}`) ?? NaN, 2)}× Swarm`]);
  }
  const exitP50 = fig('Exit', 'exitP50');
  if (exitP50 !== undefined) {
    const ms = (a: string, b: string) => `${fmt(fig('Exit', a) ?? NaN, 0)} / ${fmt(fig('Exit', b) ?? NaN, 0)} ms`;
    rows.push(['2. container exit → status through a watch, p50 / p99', `${ms('exitP50', 'exitP99')} (Docker)`, `${ms('hollowExitP50', 'hollowExitP99')} on a hollow Node`, '']);
    rows.push(['3. crash-loop restart − promised nextRestartAt, p50 / p99', `${ms('restartErrP50', 'restartErrP99')} late (Docker)`, `${ms('hollowRestartErrP50', 'hollowRestartErrP99')} on a hollow Node`, '']);
  }
  const api = fig('API', 'apiCreatesPerSec');
  if (api !== undefined) {
    const etcd = fig('API', 'rawEtcdPutsPerSec');
    rows.push(['4. API creates/s (HTTPS, etcd)', fmt(api, 0), `raw etcd puts/s ${fmt(etcd ?? NaN, 0)}`, `${fmt(api / (etcd ?? NaN), 2)}×`]);
    rows.push(['4. watch fan-out: events/s; write→watcher p50 / p99', `${fmt(fig('API', 'eventsPerSec') ?? NaN, 0)}/s; ${fmt(fig('API', 'watchP50Ms') ?? NaN)} / ${fmt(fig('API', 'watchP99Ms') ?? NaN)} ms`, `Store.watch p50 / p99 ${fmt(fig('Store', 'watchP50Ms') ?? NaN, 2)} / ${fmt(fig('Store', 'watchP99Ms') ?? NaN, 2)} ms`, '']);
  }
  const probed = fig('Probe CPU: ', 'probedCpuS');
  if (probed !== undefined) {
    const plain = fig('Probe CPU: ', 'plainCpuS') ?? NaN;
    rows.push([`4b. controllers CPU, ${sizes.probeTasks} idle Tasks probed (liveness + readiness, 1 s) for ${sizes.probeSeconds} s`, `${fmt(probed, 2)} s (${fmt(fig('Probe CPU: ', 'probes') ?? NaN, 0)} probes)`, `same Tasks unprobed ${fmt(plain, 2)} s`, `${fmt(probed / plain, 2)}×`]);
  }
  const del = fig('Slow stops', 'deleteS');
  if (del !== undefined) {
    const grace = fig('Slow stops', 'graceSeconds') ?? NaN;
    const ref = fig('Slow stops', 'dockerStopS') ?? NaN;
    rows.push([`6. delete namespace, ${sizes.stopTasks} Tasks ignoring SIGTERM (grace ${fmt(grace, 0)} s)`, `${fmt(del, 1)} s (${fmt(del / grace, 2)}× grace)`, `docker stop of as many at once ${fmt(ref, 1)} s`, `${fmt(del / ref, 2)}×`]);
    rows.push(['6. a Task created during that deletion → Running', `${fmt(fig('Slow stops', 'lateRunningS') ?? NaN, 2)} s`, '', '']);
    rows.push([`6. liveness: first failing probe → kill, p50 / max (${sizes.livenessTasks} Tasks)`, `${fmt(fig('Slow stops', 'killP50') ?? NaN, 2)} / ${fmt(fig('Slow stops', 'killMax') ?? NaN, 2)} s`, 'earliest verdict 2 s (period 1 s × (threshold 3 − 1))', '']);
  }
  const tss = sections.find((x) => x.title.startsWith('TaskSet'));
  if (tss) {
    const cell = (prefix: string) => tss.rows.find(([k]) => k.startsWith(prefix) && k.includes('started'))?.[1] ?? 'not run';
    rows.push([`7. ${sizes.replicas} replicas: command → all containers started, median`, `TaskSet ${cell('TaskSet of')}; single Tasks ${cell(`${sizes.replicas} single`)}`, `Swarm ${cell('Swarm')}`, '']);
  }
  const conv = fig('Scale', 'runningSecs');
  if (conv !== undefined) {
    const s = sections.find((x) => x.title.startsWith('Scale'))!;
    rows.push([`5. ${s.title.replace(/^Scale: /, '')}: time to converge`, `${fmt(conv, 1)} s`, '', '']);
    rows.push(['5. controllers: CPU / peak RSS / idle CPU', `${fmt(fig('Scale', 'controllersCpu') ?? NaN, 1)} s / ${mib(fig('Scale', 'controllersPeakRss') ?? NaN)} / ${fmt(fig('Scale', 'controllersIdlePct') ?? NaN, 1)}%`, '', '']);
    rows.push(['5. API server: CPU / peak RSS / idle CPU', `${fmt(fig('Scale', 'apiCpu') ?? NaN, 1)} s / ${mib(fig('Scale', 'apiPeakRss') ?? NaN)} / ${fmt(fig('Scale', 'apiIdlePct') ?? NaN, 1)}%`, '', '']);
  }
  return ['| benchmark | okube | reference, same run | okube ÷ reference |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Another run's file (e.g. a longer benchmark run separately), headings pushed one level down. */
function earlierRun(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/^# Benchmarks\n/, '').replace(/^(#+) /gm, '#$1 ');
  return ['## Earlier, separate run (included verbatim from its own output)', '', text];
}

function write(done: boolean, failures: string[]): void {
  const doc = [
    '# Benchmarks',
    '',
    `Written by \`hack/bench/all.ts\` (\`${command}\`), run ${startedAt.toISOString()}${done ? ` – ${new Date().toISOString()}` : ' (in progress)'}.`,
    'Every figure below comes from that one run on one machine; the section tables say what each measured.',
    '',
    '## Machine',
    '',
    ...machineLines,
    `- load average (1/5/15 min) at start ${load0.map((x) => fmt(x, 2)).join(' / ')}${done ? `, at end ${loadavg().map((x) => fmt(x, 2)).join(' / ')}` : ''}`,
    '',
    '**Notes.** The machine may be shared (the load averages above say how busy it was), and every process of a row — okube, etcd, Docker, the benchmark client — runs on the same cores, so figures vary between runs; compare within a row (same run, same load), not across runs. Ratios matter more than absolute numbers.',
    ...(failures.length ? ['', `**Failed in this run:** ${failures.join('; ')}`] : []),
    '',
    '## Summary',
    '',
    summary(),
    '',
    '## Details',
    '',
    ...sections.map(markdownTable),
    ...(include ? earlierRun(include) : []),
  ].join('\n');
  writeFileSync(out, doc);
}

const plan: Array<[string, () => Promise<BenchResult | BenchResult[]>]> = [
  ['apply', () => applyRunningBench({ counts: sizes.counts, reps: sizes.applyReps, settleSeconds: 3, swarm: !args.includes('--no-swarm') })],
  ['tasks', () => tasksBench({ counts: sizes.counts, parallel: sizes.parallel, crashes: sizes.crashes, swarm: !args.includes('--no-swarm'), startup: false })],
  ['store', () => storeBench({ objects: sizes.storeObjects, concurrency: 64, watchEvents: quick ? 200 : 1000 })],
  ['api', () => apiServerBench({ objects: sizes.apiObjects, concurrency: 16, watchers: 20, watchEvents: sizes.watchEvents, etcd: true })],
  ['probes', () => probesBench({ seconds: sizes.probeSeconds, tasks: sizes.probeTasks })],
  ['stops', () => stopsBench({ tasks: sizes.stopTasks, graceSeconds: sizes.stopGrace, livenessTasks: sizes.livenessTasks })],
  ['taskset', () => tasksetBench({ replicas: sizes.replicas, reps: sizes.reps, swarm: !args.includes('--no-swarm') })],
  ['gating', () => gatingLatencyBench({ flips: quick ? 20 : 100 })],
  ['scale', () => scaleBench({ tasks: sizes.scaleTasks, nodes: sizes.scaleNodes, concurrency: 16, workers: 8, idleSeconds: sizes.idleSeconds })],
];

const failures: string[] = [];
for (const [name, run] of plan) {
  if (!wanted(name)) continue;
  process.stderr.write(`bench: ${name} …\n`);
  const t0 = performance.now();
  try {
    const r = await run();
    sections.push(...(Array.isArray(r) ? r : [r]));
  } catch (err) {
    failures.push(`${name}: ${(err as Error).message}`);
    process.stderr.write(`bench: ${name} failed: ${(err as Error).stack}\n`);
  }
  process.stderr.write(`bench: ${name} took ${fmt((performance.now() - t0) / 1000, 0)} s\n`);
  write(false, failures);
}
write(true, failures);
process.stdout.write(`${summary()}\n\n${sections.map(markdownTable).join('\n')}\nwritten to ${out}\n`);
process.exit(failures.length ? 1 : 0);
