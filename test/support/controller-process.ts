import { spawn, type ChildProcess } from 'node:child_process';
import { okubeBin, REPO_ROOT } from './okube-bin.js';

// `okube controllers` as a real child process, so a test can kill it with SIGKILL. Its stderr is
// drained into a short tail (an unread pipe would block the child once the buffer fills) that a
// failing test can print.

export interface ControllerProcess {
  child: ChildProcess;
  /** The last lines the process wrote to stderr. */
  tail(): string;
  /** Resolves once the controllers report that they run (informers synced). */
  running: Promise<void>;
}

const TAIL_CHARS = 8192;

export function spawnControllers(kubeconfig: string, opts: { logLevel?: string; args?: string[] } = {}): ControllerProcess {
  const level = opts.logLevel ?? 'warn';
  const child = spawn(process.execPath, [okubeBin(), 'controllers', '--kubeconfig', kubeconfig, '--log-level', level, ...(opts.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, OKUBE_LOG_LEVEL: level },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  let announce: () => void = () => undefined;
  let fail: (err: Error) => void = () => undefined;
  const running = new Promise<void>((resolve, reject) => {
    announce = resolve;
    fail = reject;
  });
  running.catch(() => undefined); // callers that never wait for it must not see an unhandled rejection
  child.stderr!.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-TAIL_CHARS);
    if (tail.includes('okube controllers running')) announce();
  });
  child.once('exit', (code, signal) => fail(new Error(`okube controllers exited (${signal ?? code}) before running:\n${tail}`)));
  return { child, tail: () => tail, running };
}

/** kill -9, and wait until the process is gone. */
export async function kill9(proc: ControllerProcess | ChildProcess | undefined): Promise<void> {
  const child = proc && 'child' in proc ? proc.child : proc;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}
