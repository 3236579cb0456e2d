import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import Docker from 'dockerode';
import { expect } from 'chai';
import type { Task } from '../../../src/api/types.js';
import { freePort } from '../../../src/util/free-port.js';
import { socketPath, testEnv, uniqueName } from '../../support/env.js';
import { removeContainersOf, removeNodeLeftovers, startUp, type UpProcess } from '../../support/okube-cli.js';
import { waitFor } from '../../support/wait.js';
import { okubeBin } from '../../support/okube-bin.js';

// One real `okube up` for the scenario suite, and a "user" per test: a namespace of its own, a
// scratch folder for the manifests they write, and the clients they run (kubectl, okube, a
// Python program, a Node.js program), each a real child process against that okube up.

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const CLIENTS = resolve(HERE, '../clients');
/** The Debian interpreter that has python3-kubernetes (python3 on PATH may be a pyenv shim). */
const PYTHON = '/usr/bin/python3';

export interface Run { code: number; stdout: string; stderr: string }

/** Runs a command to completion; never rejects (a spawn failure is code 127 with the reason on stderr). */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((res) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd ?? REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${opts.timeoutMs ?? 90_000} ms]`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 90_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      res({ code: 127, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A long-running client (kubectl get -w, a Python watch) whose output is read line by line while it runs. */
export class Stream {
  readonly lines: string[] = [];
  private stderrText = '';
  private buf = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess, private readonly what: string) {
    child.stdout!.on('data', (d: Buffer) => {
      this.buf += d.toString();
      const parts = this.buf.split('\n');
      this.buf = parts.pop()!;
      this.lines.push(...parts.filter((l) => l.trim() !== ''));
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderrText += d.toString()));
    this.exited = new Promise((r) => child.on('close', (code) => r(code)));
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Waits until some line satisfies `pred`; returns it. */
  async line(pred: (l: string) => boolean, what: string, ms = 30_000): Promise<string> {
    return waitFor(`${this.what}: ${what}`, async () => this.lines.find(pred) ?? (this.child.exitCode !== null ? Promise.reject(new Error(`exited ${this.child.exitCode}; lines: ${JSON.stringify(this.lines)}; stderr: ${this.stderrText}`)) : undefined), ms, 50)
      .catch((err: Error) => {
        throw new Error(`${err.message}\nlines so far:\n${this.lines.join('\n')}\nstderr: ${this.stderrText}`);
      });
  }

  stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

export interface Session {
  up: UpProcess;
  dir: string;
  kubeconfig: string;
  nodeName: string;
  image: string;
  /** A second tag of the test image, so an image change is a real change. */
  image2: string;
  docker: Docker;
  /** An in-process client-node, for the frequent polls while waiting (cheaper than a kubectl each time). */
  api: k8s.CustomObjectsApi;
  namespaces: string[];
}

/** Starts `okube up` on a fresh data dir and a free port, on the test environment's Docker engine. */
export async function startSession(): Promise<Session> {
  const env = testEnv();
  const dir = mkdtempSync(join(tmpdir(), 'okube-scenarios-'));
  const nodeName = uniqueName('scenarios');
  const docker = new Docker({ socketPath: socketPath(env.dockerHost) });
  const image2 = `${env.image.replace(/:[^:/]+$/, '')}:scenario-v2`;
  const [repo, tag] = [image2.slice(0, image2.lastIndexOf(':')), image2.slice(image2.lastIndexOf(':') + 1)];
  await docker.getImage(env.image).tag({ repo, tag });
  const up = await startUp({ dataDir: join(dir, 'data'), port: await freePort(), nodeName, env: { OKUBE_LOG_LEVEL: 'info' } });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(up.kubeconfig);
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  return { up, dir, kubeconfig: up.kubeconfig, nodeName, image: env.image, image2, docker, api, namespaces: [] };
}

/** Stops okube up, then removes what it left on the engine (containers outlive okube on purpose). */
export async function stopSession(s: Session | undefined): Promise<void> {
  if (!s) return;
  // Ctrl-C first, as a user would; SIGKILL if it has not ended within a minute (a stuck shutdown
  // must not leave the process behind).
  const killer = setTimeout(() => void s.up.stop('SIGKILL'), 60_000);
  await s.up.stop('SIGINT');
  clearTimeout(killer);
  await removeContainersOf(s.namespaces);
  await removeNodeLeftovers(s.nodeName);
  rmSync(s.dir, { recursive: true, force: true });
}

/** What okube up printed, for a failing test's message. */
export function sessionLogs(s: Session): string {
  return s.up.stderr().split('\n').slice(-40).join('\n');
}

/** A container command that stops at once on SIGTERM (`wait` is interrupted), so replacements and deletes are quick. */
export const SERVE = ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"];
/** SERVE as it is written in a YAML flow sequence. */
export const SERVE_FLOW = `["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]`;

/** One user at a terminal: their namespace, their folder, their clients. */
export class User {
  readonly dir: string;
  private readonly cacheDir: string;
  private n = 0;

  constructor(readonly s: Session, readonly ns: string) {
    this.dir = join(s.dir, ns);
    this.cacheDir = join(s.dir, 'kubecache');
    mkdirSync(this.dir, { recursive: true });
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { ...process.env, KUBECONFIG: this.s.kubeconfig, KUBECACHEDIR: this.cacheDir, ...extra };
  }

  /** Writes a file in the user's folder (sub/paths allowed); returns its absolute path. */
  write(name: string, text: string): string {
    const file = join(this.dir, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  }

  /** A fresh file name for a one-off manifest. */
  file(text: string, ext = 'yaml'): string {
    return this.write(`m${this.n++}.${ext}`, text);
  }

  kubectl(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
    return run('/usr/bin/kubectl', args, { env: this.env(opts.env), input: opts.input });
  }

  okube(args: string[], opts: { input?: string } = {}): Promise<Run> {
    return run(process.execPath, [okubeBin(), ...args], { env: this.env(), input: opts.input });
  }

  python(args: string[]): Promise<Run> {
    return run(PYTHON, [join(CLIENTS, 'okube_client.py'), ...args], { env: this.env() });
  }

  pythonStream(args: string[]): Stream {
    const child = spawn(PYTHON, ['-u', join(CLIENTS, 'okube_client.py'), ...args], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    return new Stream(child, `python ${args.join(' ')}`);
  }

  kubectlStream(args: string[]): Stream {
    const child = spawn('/usr/bin/kubectl', args, { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    return new Stream(child, `kubectl ${args.join(' ')}`);
  }

  /** The client-node program, as its own Node.js process. */
  clientNode(args: string[]): Promise<Run> {
    return run(process.execPath, ['--import', 'tsx', join(CLIENTS, 'client-node.ts'), ...args], { env: this.env(), timeoutMs: 120_000 });
  }

  /** Reads a Task back with kubectl (asserting kubectl succeeded). */
  async task(name: string): Promise<Task> {
    const r = await this.kubectl(['get', 'task', name, '-n', this.ns, '-o', 'json']);
    expect(r.code, `kubectl get task ${name}: ${r.stderr}`).to.equal(0);
    return JSON.parse(r.stdout) as Task;
  }

  /** Whether the Task exists (kubectl get answers NotFound otherwise). */
  async exists(name: string): Promise<boolean> {
    const r = await this.kubectl(['get', 'task', name, '-n', this.ns, '-o', 'name', '--ignore-not-found']);
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout.trim() !== '';
  }

  /**
   * Waits until the controllers have caught up with the Task's current spec: it runs, is ready,
   * and its status was written for this generation (so the next step interleaves with real
   * status writes, as a user's would).
   */
  settled(name: string, ms = 60_000): Promise<Task> {
    return this.until(name, 'Running and ready for its generation', (t) => {
      const st = t.status;
      return st?.phase === 'Running' && st.ready === true && !!st.containerID && st.observedGeneration === t.metadata.generation;
    }, ms);
  }

  /**
   * Polls the Task until `pred` holds, then reads it back with kubectl (what the test asserts on).
   * The polls go through the in-process client-node: a kubectl process every 250 ms would cost
   * more CPU than the system under test.
   */
  async until(name: string, what: string, pred: (t: Task) => boolean, ms = 60_000): Promise<Task> {
    let last: unknown;
    return waitFor(`${this.ns}/${name}: ${what}`, async () => {
      const polled = (await this.s.api.getNamespacedCustomObject({ group: 'okube.dev', version: 'v1alpha1', namespace: this.ns, plural: 'tasks', name })) as Task;
      last = polled;
      if (!pred(polled)) return undefined;
      const t = await this.task(name);
      last = t;
      return pred(t) ? t : undefined;
    }, ms, 200).catch((err: Error) => {
      throw new Error(`${err.message}\nlast seen: ${JSON.stringify(last)}`);
    });
  }

  /** The container behind a container id, as Docker reports it (undefined once removed). */
  async container(id: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.s.docker.getContainer(id).inspect();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }
}

/** Creates the test's namespace with kubectl and hands back its user. */
export async function newUser(s: Session, prefix: string): Promise<User> {
  const ns = uniqueName(prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 40).replace(/-+$/, ''));
  s.namespaces.push(ns);
  const u = new User(s, ns);
  const r = await u.kubectl(['create', 'namespace', ns]);
  expect(r.code, r.stderr).to.equal(0);
  return u;
}

/** Asserts a client run succeeded, showing its output otherwise. */
export function ok(r: Run, what: string): string {
  expect(r.code, `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).to.equal(0);
  return r.stdout;
}
