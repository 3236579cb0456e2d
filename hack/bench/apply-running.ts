// apply → all Running, measured as a user would (issue 21 item 6), on the test Docker engine
// ($OKUBE_TEST_DOCKER_HOST, `bash hack/dev-env.sh up`), three sides in one run:
//  okube:  a shipped `okube up` (bin/okube.js → dist/, `--no-proxy`, a temp data dir) started once
//          and left running, as a user's okube is; each repetition `kubectl apply -f` of one file of
//          N Tasks in a namespace of its own (created before the clock starts), timed from spawning
//          kubectl.
//  raw:    N × `docker run -d --label …`, as many at a time as `okube up` runs Task workers (8:
//          ControllerManager's default, which okube up does not change), timed from the first spawn.
//  swarm:  `docker swarm init` for that side only, `docker service create --replicas N
//          --no-resolve-image --container-label …`, timed from spawning it; the swarm is left after.
// Every side stops its clock at the engine's own start event of its Nth container (`GET /events`
// filtered by the engine to that repetition's label, engine timestamps), so all three are detected
// the same way. The sides take turns, the order rotated each repetition; between sides everything is
// deleted and the engine is waited on until it holds none of them, then a settle pause.
//
// Usage: npx tsx hack/bench/apply-running.ts [--counts 10,100] [--reps 5] [--settle 3] [--no-swarm]
//   (run `npm run build` first: okube runs from dist/)
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { API_VERSION, LABELS } from '../../src/api/types.js';
import { freePort } from '../../src/util/free-port.js';
import { testEnv } from '../../test/support/env.js';
import { staleReason } from '../dist-stamp.mjs';
import { fmt, inParallel, isMain, listOpt, median, numberOpt, procSample, runAsScript, sleep, spread, type BenchResult } from './lib.js';
import { startEvents } from './start-events.js';
import { stopChild } from './stack.js';

const execFileP = promisify(execFile);
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const TIMEOUT_MS = 600_000;
/** Task workers of `okube up` (ControllerManager's default; standalone passes none). */
export const OKUBE_UP_TASK_WORKERS = 8;
const BENCH_LABEL = 'okube.bench.rep';
/** On every raw and Swarm container of one run, so a clean-up after a failure finds them all. */
const RUN_LABEL = 'okube.bench.run';

export interface ApplyRunningOptions {
  counts: number[];
  reps: number;
  /** Seconds of quiet after a side's clean-up before the next side starts. */
  settleSeconds: number;
  swarm: boolean;
}

type Side = 'okube' | 'raw' | 'swarm';

interface Sample {
  /** Seconds from the command's spawn to the engine's start event of the Nth container. */
  started: number;
  /** Seconds from the spawn to the first start event. */
  first: number;
  /** Seconds until the command (kubectl apply, the last docker run, docker service create) returned. */
  command: number;
  /** CPU seconds the okube up process used during the side (okube side only). */
  okubeCpu?: number;
  load1: number;
}

interface OkubeUp {
  pid: number;
  kubeconfigPath: string;
  stop(): Promise<void>;
}

/** Starts the shipped `okube up` and resolves once it printed "okube is up". */
async function startOkubeUp(dir: string, dockerHost: string, nodeName: string): Promise<OkubeUp> {
  const stale = staleReason(REPO);
  if (stale) throw new Error(`okube CLI: ${stale}`);
  const port = await freePort();
  const logPath = join(dir, 'up.log');
  // Output to a file, not a pipe into this process: the bench must not slow okube's logging down.
  const out = openSync(logPath, 'w');
  const child: ChildProcess = spawn(process.execPath, [join(REPO, 'bin/okube.js'), 'up', '--data-dir', join(dir, 'data'), '--listen', `127.0.0.1:${port}`, '--no-proxy', '--docker-host', dockerHost, '--node-name', nodeName], {
    stdio: ['ignore', out, out],
    env: { ...process.env, OKUBE_LOG_LEVEL: process.env.OKUBE_LOG_LEVEL ?? 'warn' },
  });
  closeSync(out);
  const stop = () => stopChild(child);
  const until = Date.now() + 120_000;
  while (!/^okube is up/m.test(readFileSync(logPath, 'utf8'))) {
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`okube up did not come up: ${readFileSync(logPath, 'utf8').slice(-2000)}`);
    }
    await sleep(50);
  }
  return { pid: child.pid!, kubeconfigPath: join(dir, 'data', 'kubeconfig'), stop };
}

export async function applyRunningBench(o: ApplyRunningOptions): Promise<BenchResult & { figures: Record<string, number> }> {
  const env = testEnv();
  const dockerHost = env.dockerHost;
  const dir = mkdtempSync(join(tmpdir(), 'okube-bench-apply-'));
  const kubecache = join(dir, 'kubecache');
  const nodeName = `bench-apply-${process.pid}`;
  const runId = `${process.pid}-${Date.now().toString(36)}`;
  let up: OkubeUp | undefined;
  let inSwarm = false;
  const docker = async (args: string[]) => (await execFileP('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost }, maxBuffer: 16 * 1024 * 1024, timeout: TIMEOUT_MS })).stdout.trim();
  const kubectl = async (args: string[]) => (await execFileP('kubectl', args, { env: { ...process.env, KUBECONFIG: up!.kubeconfigPath, KUBECACHEDIR: kubecache }, maxBuffer: 16 * 1024 * 1024, timeout: TIMEOUT_MS })).stdout.trim();
  /** Waits until the engine holds no container with the label (KEY=VALUE). */
  const engineEmpty = async (label: string) => {
    for (let i = 0; i < 3000; i++) {
      if (!(await docker(['ps', '-aq', '--filter', `label=${label}`]))) return;
      await sleep(200);
    }
    throw new Error(`containers labelled ${label} still on the engine after 600 s`);
  };
  const removeLabelled = async (label: string) => {
    const ids = (await docker(['ps', '-aq', '--filter', `label=${label}`])).split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]);
  };
  const cleanup = async () => {
    if (inSwarm) await docker(['swarm', 'leave', '--force']).catch(() => undefined);
    await removeLabelled(`${RUN_LABEL}=${runId}`).catch(() => undefined);
    await up?.stop().catch(() => undefined);
    await removeLabelled(`${LABELS.node}=${nodeName}`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  // Say why the run ended: the per-repetition lines already on stderr are then a partial result.
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\napply-running: stopped by ${signal}, cleaning up\n`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  /** Runs `go` with the clock started at its call; stops it at the engine's nth start with `label`. */
  const timed = async (label: string, n: number, go: () => Promise<unknown>): Promise<Omit<Sample, 'load1'>> => {
    const events = await startEvents(dockerHost, label);
    try {
      const t0 = Date.now();
      await go();
      const command = (Date.now() - t0) / 1000;
      const last = await events.nth(n, TIMEOUT_MS);
      return { started: (last - t0) / 1000, first: (events.starts[0] - t0) / 1000, command };
    } finally {
      events.stop();
    }
  };

  const okubeSide = async (n: number, rep: string): Promise<Omit<Sample, 'load1'>> => {
    const ns = `bench-${rep}`;
    const file = join(dir, `${ns}.yaml`);
    const task = (i: number) => ({ apiVersion: API_VERSION, kind: 'Task', metadata: { name: `t${i}`, namespace: ns }, spec: { image: env.image, command: ['sleep', '3600'], terminationGracePeriodSeconds: 0 } });
    writeFileSync(file, Array.from({ length: n }, (_, i) => yaml.dump(task(i))).join('---\n'));
    await kubectl(['create', 'namespace', ns]);
    try {
      const cpu0 = procSample(up!.pid).cpuSeconds;
      const s = await timed(`${LABELS.namespace}=${ns}`, n, () => kubectl(['apply', '-f', file]));
      return { ...s, okubeCpu: procSample(up!.pid).cpuSeconds - cpu0 };
    } finally {
      await kubectl(['delete', 'namespace', ns, '--wait=false']);
      await engineEmpty(`${LABELS.namespace}=${ns}`);
      // The namespace gone too: okube is idle again before the next side.
      for (let i = 0; i < 3000 && (await kubectl(['get', 'namespace', ns, '--ignore-not-found', '-o', 'name'])); i++) await sleep(200);
    }
  };

  const rawSide = async (n: number, rep: string): Promise<Omit<Sample, 'load1'>> => {
    const label = `${BENCH_LABEL}=${rep}`;
    try {
      return await timed(label, n, () => inParallel(n, OKUBE_UP_TASK_WORKERS, (i) => docker(['run', '-d', '--label', label, '--label', `${RUN_LABEL}=${runId}`, '--name', `okube-bench-raw-${rep}-${i}`, env.image, 'sleep', '3600'])));
    } finally {
      await removeLabelled(label);
      await engineEmpty(label);
    }
  };

  const swarmSide = async (n: number, rep: string): Promise<Omit<Sample, 'load1'>> => {
    const state = await docker(['info', '--format', '{{.Swarm.LocalNodeState}}']);
    if (state !== 'inactive') throw new Error(`the engine at ${dockerHost} is already in swarm state ${state}: not touching it`);
    await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', `127.0.0.1:${20000 + (process.pid % 20000)}`]);
    inSwarm = true;
    const label = `${BENCH_LABEL}=${rep}`;
    const name = `okube-bench-swarm-${rep}`;
    try {
      return await timed(label, n, () => docker(['service', 'create', '--detach', '--quiet', '--name', name, '--replicas', String(n), '--no-resolve-image', '--restart-condition', 'none', '--container-label', label, '--container-label', `${RUN_LABEL}=${runId}`, env.image, 'sleep', '3600']));
    } finally {
      await docker(['service', 'rm', name]).catch(() => undefined);
      await engineEmpty(label);
      await docker(['swarm', 'leave', '--force']);
      inSwarm = false;
    }
  };

  try {
    up = await startOkubeUp(dir, dockerHost, nodeName);
    // A user's kubectl has its discovery cached: warm it (and okube's first-request paths) once.
    for (let i = 0; i < 600 && !(await kubectl(['get', 'node', nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).includes('True'); i++) await sleep(200);
    await kubectl(['get', 'tasks', '-A']);
    const sides: Side[] = ['okube', 'raw', ...(o.swarm ? (['swarm'] as Side[]) : [])];
    const runSide: Record<Side, (n: number, rep: string) => Promise<Omit<Sample, 'load1'>>> = { okube: okubeSide, raw: rawSide, swarm: swarmSide };
    // One unrecorded round of the cheap sides: the first docker run / first Task after start-up
    // pays for cold caches that no later repetition does.
    await okubeSide(Math.min(...o.counts), `${runId}-warm-o`);
    await rawSide(Math.min(...o.counts), `${runId}-warm-r`);

    const rows: Array<[string, string]> = [];
    const notes: string[] = [];
    const figures: Record<string, number> = {};
    const perRep: string[] = [];
    let turn = 0;
    for (const n of o.counts) {
      const results: Record<Side, Sample[]> = { okube: [], raw: [], swarm: [] };
      for (let r = 0; r < o.reps; r++, turn++) {
        const order = sides.map((_, i) => sides[(i + turn) % sides.length]);
        for (const side of order) {
          const load1 = loadavg()[0];
          const w0 = performance.now();
          process.stderr.write(`apply-running: ${new Date().toISOString()} N=${n} rep ${r + 1}/${o.reps} ${side} (load ${fmt(load1, 2)}) … `);
          const s = { ...(await runSide[side](n, `${runId}-${n}-${r}-${side[0]}`)), load1 };
          process.stderr.write(`${fmt(s.started, 2)} s to ${n} started (command ${fmt(s.command, 2)} s${s.okubeCpu !== undefined ? `, okube up CPU ${fmt(s.okubeCpu, 2)} s` : ''}; side with clean-up ${fmt((performance.now() - w0) / 1000, 0)} s)\n`);
          results[side].push(s);
          await sleep(o.settleSeconds * 1000);
        }
      }
      const started = (side: Side) => results[side].map((s) => s.started);
      const ratios = results.okube.map((s, i) => s.started / results.raw[i].started);
      rows.push([`${n}: okube — kubectl apply -f (${n} Tasks) → ${n} started`, spread(started('okube'), 2, ' s')]);
      rows.push([`${n}: okube — kubectl apply returned after`, spread(results.okube.map((s) => s.command), 2, ' s')]);
      rows.push([`${n}: okube — first container started after`, spread(results.okube.map((s) => s.first), 2, ' s')]);
      rows.push([`${n}: okube — CPU of the okube up process during the side`, spread(results.okube.map((s) => s.okubeCpu!), 2, ' s')]);
      rows.push([`${n}: raw — ${n} × docker run -d, ${OKUBE_UP_TASK_WORKERS} at a time → ${n} started`, spread(started('raw'), 2, ' s')]);
      rows.push([`${n}: raw — last docker run -d returned after`, spread(results.raw.map((s) => s.command), 2, ' s')]);
      if (results.swarm.length) {
        rows.push([`${n}: Swarm — docker service create --replicas ${n} → ${n} started`, spread(started('swarm'), 2, ' s')]);
        rows.push([`${n}: Swarm — docker service create returned after`, spread(results.swarm.map((s) => s.command), 2, ' s')]);
      }
      rows.push([`${n}: okube ÷ raw, per repetition`, spread(ratios, 2, '×')]);
      if (results.swarm.length) rows.push([`${n}: okube ÷ Swarm, per repetition`, spread(results.okube.map((s, i) => s.started / results.swarm[i].started), 2, '×')]);
      rows.push([`${n}: load average (1 min) at the sides' starts`, spread(sides.flatMap((s) => results[s].map((x) => x.load1)), 1)]);
      Object.assign(figures, {
        [`okube${n}`]: median(started('okube')),
        [`raw${n}`]: median(started('raw')),
        [`ratio${n}`]: median(ratios),
        ...(results.swarm.length ? { [`swarm${n}`]: median(started('swarm')), [`swarmRatio${n}`]: median(results.okube.map((s, i) => s.started / results.swarm[i].started)) } : {}),
      });
      perRep.push(`N=${n}, per repetition (started, s; load 1 min): ${sides.map((side) => `${side} ${results[side].map((s) => `${fmt(s.started, 2)} (${fmt(s.load1, 1)})`).join(', ')}`).join('; ')}`);
    }
    notes.push(...perRep);
    if (!o.swarm) notes.push('Swarm side not run (--no-swarm).');
    return {
      title: 'apply → all Running, as a user would: kubectl apply to a running `okube up` vs `docker run -d` vs Docker Swarm',
      setup: `One Docker engine (${dockerHost}), image ${env.image} running \`sleep 3600\`. okube: a shipped \`okube up --no-proxy\` (${OKUBE_UP_TASK_WORKERS} Task workers) started once and left running; each repetition \`kubectl apply -f\` of one file of N Tasks (warm discovery cache) into a fresh namespace. raw: N × \`docker run -d\`, ${OKUBE_UP_TASK_WORKERS} at a time (okube up's Task workers). Swarm: \`docker swarm init\` for that side only, \`docker service create --replicas N --no-resolve-image\`, then left. Every side timed from its command's spawn to the engine's own \`start\` event of its Nth container (\`GET /events\` filtered to the repetition's label; engine timestamps). ${o.reps} repetitions per N, the sides' order rotated each time; everything deleted and gone from the engine, then ${o.settleSeconds} s of settle, between sides. One unrecorded warm-up of okube and raw first. Figures: median (min–max, n).`,
      rows,
      notes,
      figures,
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

if (isMain(import.meta.url)) {
  const a = process.argv.slice(2);
  const l0 = loadavg();
  runAsScript(async () => {
    const r = await applyRunningBench({ counts: listOpt(a, 'counts', [10, 100]), reps: numberOpt(a, 'reps', 5), settleSeconds: numberOpt(a, 'settle', 3), swarm: !a.includes('--no-swarm') });
    r.notes = [...(r.notes ?? []), `load average (1/5/15 min) at start ${l0.map((x) => fmt(x, 2)).join(' / ')}, at end ${loadavg().map((x) => fmt(x, 2)).join(' / ')}`];
    return r;
  });
}
