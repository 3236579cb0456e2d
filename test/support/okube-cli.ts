import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS } from '../../src/api/types.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { endLeftHaproxy } from '../../src/proxy/supervisor.js';
import { testEnv } from './env.js';
import { waitFor } from './wait.js';
import { okubeBin } from './okube-bin.js';

// The okube command line as a user runs it: `node bin/okube.js …` subprocesses, and a real
// `okube up` (own data dir, own port, own Node name on the main test engine).

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let cacheDir: string | undefined;
/**
 * Where the okube commands of this test process keep discovery (unless a test sets KUBECACHEDIR):
 * a temp dir of their own, removed at exit, rather than the user's ~/.kube/cache.
 */
function testCacheDir(): string {
  if (!cacheDir) {
    const dir = mkdtempSync(join(tmpdir(), 'okube-test-kubecache-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    cacheDir = dir;
  }
  return cacheDir;
}

/** Runs `okube ARGS` to completion (stdin from `input`). */
export function okube(args: string[], opts: { kubeconfig?: string; input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { KUBECACHEDIR: testCacheDir(), ...process.env, ...opts.env };
    if (opts.kubeconfig) env.KUBECONFIG = opts.kubeconfig;
    const child = spawn(process.execPath, [okubeBin(), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}


export interface UpProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  kubeconfig: string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface UpOptions {
  dataDir: string;
  port: number;
  nodeName: string;
  dockerHost?: string;
  extraArgs?: string[];
  env?: Record<string, string>;
  /** Its own process group, as a shell runs a foreground job: signal it all with kill(-pid) (Ctrl-C). */
  processGroup?: boolean;
  /** An installed `okube` executable to run instead of this checkout's bin/okube.js. */
  command?: string;
  cwd?: string;
}

/** Spawns `okube up`; resolves once it printed the export line (or rejects with its output when it exited). */
export async function startUp(opts: UpOptions): Promise<UpProcess> {
  const args = ['up', '--data-dir', opts.dataDir, '--listen', `127.0.0.1:${opts.port}`, '--docker-host', opts.dockerHost ?? testEnv().dockerHost, '--node-name', opts.nodeName, ...(opts.extraArgs ?? [])];
  const [cmd, argv] = opts.command ? [opts.command, args] : [process.execPath, [okubeBin(), ...args]];
  const child = spawn(cmd, argv, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.processGroup });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const up: UpProcess = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kubeconfig: `${opts.dataDir}/kubeconfig`,
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      // A killed okube up leaves its HAProxy serving (for the next okube up to adopt): end it. A
      // clean stop must end it itself (up-lifecycle.test.ts checks).
      if (signal === 'SIGKILL' || child.signalCode === 'SIGKILL') await endLeftHaproxy(join(opts.dataDir, 'haproxy'));
      return code;
    },
  };
  const ready = waitFor('okube up to print its export line', async () => /export KUBECONFIG=/.test(out), 90_000, 100);
  const early = exited.then((code) => {
    throw new Error(`okube up exited early (code ${code})`);
  });
  early.catch(() => undefined);
  try {
    await Promise.race([ready, early]);
  } catch (e) {
    await up.stop('SIGKILL');
    throw new Error(`${(e as Error).message}\nstdout:\n${out}\nstderr:\n${err.slice(-3000)}`);
  }
  return up;
}

/** Removes the containers of Tasks in these namespaces from the main test engine. */
export async function removeContainersOf(namespaces: string[]): Promise<void> {
  const docker = new DockerRuntime({ dockerHost: testEnv().dockerHost });
  for (const ns of namespaces) {
    for (const c of await docker.list({ [LABELS.managed]: 'true', [LABELS.namespace]: ns })) await docker.remove(c.id);
  }
}

/**
 * Removes every container and volume okube left for a Node of its own name: also what carries no
 * namespace label, as the holder of a Task's secret and configMap volumes. Only after okube stopped.
 */
export async function removeNodeLeftovers(nodeName: string): Promise<void> {
  const docker = new DockerRuntime({ dockerHost: testEnv().dockerHost });
  for (const c of await docker.list({ [LABELS.managed]: 'true', [LABELS.node]: nodeName })) await docker.remove(c.id);
  await docker.removeVolumes({ [LABELS.node]: nodeName });
}
