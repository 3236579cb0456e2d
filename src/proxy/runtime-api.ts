import { connect } from 'node:net';
import { OkubeError } from '../util/errors.js';
import { answerOk } from './runtime-state.js';

// A client of HAProxy's Runtime API on its admin unix socket (plain `net`): one connection per
// command in non-interactive mode, where HAProxy answers and closes. Failures are typed:
// Unavailable when the socket does not answer (HAProxy down or restarting), Invalid when HAProxy
// answered with an error.

export class RuntimeApiError extends OkubeError {
  constructor(
    readonly command: string,
    readonly answer: string,
  ) {
    super('Invalid', `haproxy refused '${command}': ${answer.trim() || '(no answer)'}`);
  }
}

/** Sends one command and resolves with HAProxy's whole answer. */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(socketPath);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new OkubeError('Timeout', `haproxy admin socket ${socketPath} did not answer '${command}' within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('connect', () => sock.end(`${command}\n`));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new OkubeError('Unavailable', `haproxy admin socket ${socketPath}: ${err.code ?? err.message}`));
    });
    sock.once('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Sends a state-changing command and throws RuntimeApiError unless HAProxy reports success. */
export async function runtimeApply(socketPath: string, command: string): Promise<void> {
  const answer = await runtimeCommand(socketPath, command);
  if (!answerOk(command, answer)) throw new RuntimeApiError(command, answer);
}

/** The worker's pid from `show info` (changes on a reload). */
export async function workerPid(socketPath: string): Promise<number | undefined> {
  const info = await runtimeCommand(socketPath, 'show info', 1000);
  const m = /^Pid: (\d+)$/m.exec(info);
  return m ? Number(m[1]) : undefined;
}
