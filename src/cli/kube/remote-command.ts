import type { IncomingMessage } from 'node:http';
import { CLOSE, ERROR, PROTOCOLS, STDERR, STDIN, STDOUT, V5, frame, resizeMessage, statusOutcome, unframe } from '../../api/remote-command.js';
import { CliError } from '../cli-error.js';
import { serverError } from './api-error.js';
import type { Connection } from './connection.js';

// The client side of Kubernetes' remote command protocol over WebSocket (api/remote-command.ts),
// as kubectl exec speaks it since 1.30: okube exec through the API server's tasks/exec.

export interface RemoteCommand {
  command: string[];
  stdin?: NodeJS.ReadableStream;
  tty: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The terminal's size now, and a way to hear of changes (with a TTY). */
  terminal?: { size(): { rows: number; columns: number } | undefined; onResize(listener: () => void): () => void };
}

/** Runs the command; resolves with its exit code, or throws the server's refusal (a Status) or why the stream broke. */
export async function runRemoteCommand(conn: Connection, path: string, cmd: RemoteCommand): Promise<number> {
  const query = new URLSearchParams();
  for (const c of cmd.command) query.append('command', c);
  query.set('stdout', 'true');
  if (cmd.stdin) query.set('stdin', 'true');
  if (cmd.tty) query.set('tty', 'true');
  else query.set('stderr', 'true');
  const { url, options } = await conn.upgradeTarget(path, query);
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(url, [...PROTOCOLS], { ...options, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      void conn.read(res).then(({ code, body }) => reject(serverError(code, body)), reject);
    });
    ws.once('error', (err: NodeJS.ErrnoException) => reject(conn.connectionError(err)));
  });
  let status: unknown;
  const stopResize = cmd.tty && cmd.terminal ? watchSize(ws, cmd.terminal) : () => undefined;
  // Input waits while more than 1 MiB of it is on its way.
  const onInput = (chunk: Buffer | string) => {
    ws.send(frame(STDIN, chunk), () => {
      if (ws.bufferedAmount < 1 << 20) cmd.stdin?.resume();
    });
    if (ws.bufferedAmount >= 1 << 20) cmd.stdin?.pause();
  };
  const onInputEnd = () => {
    // v4 cannot say the input ended; the command then reads until the connection closes.
    if (ws.protocol === V5 && ws.readyState === ws.OPEN) ws.send(Buffer.from([CLOSE, STDIN]));
  };
  if (cmd.stdin) {
    cmd.stdin.on('data', onInput);
    cmd.stdin.once('end', onInputEnd);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        const m = unframe(data);
        if (!m) return;
        const out = m.stream === STDOUT ? cmd.stdout : m.stream === STDERR ? cmd.stderr : undefined;
        if (out && !out.write(m.data)) {
          ws.pause();
          out.once('drain', () => ws.resume());
        }
        if (m.stream === ERROR) {
          try {
            status = JSON.parse(m.data.toString()) as unknown;
          } catch {
            status = { status: 'Failure', message: `the server's exit status is not JSON: ${m.data.toString().slice(0, 200)}` };
          }
        }
      });
      ws.once('close', () => resolve());
      ws.once('error', (err: NodeJS.ErrnoException) => reject(conn.connectionError(err)));
    });
  } finally {
    stopResize();
    if (cmd.stdin) {
      cmd.stdin.off('data', onInput);
      cmd.stdin.off('end', onInputEnd);
    }
  }
  if (status === undefined) throw new CliError('the connection to the server ended before the command did (no exit status)');
  const outcome = statusOutcome(status);
  if ('error' in outcome) throw new CliError(outcome.error);
  return outcome.exitCode;
}

function watchSize(ws: import('ws').WebSocket, terminal: NonNullable<RemoteCommand['terminal']>): () => void {
  const send = () => {
    const size = terminal.size();
    if (size && ws.readyState === ws.OPEN) ws.send(resizeMessage(size.rows, size.columns));
  };
  send();
  return terminal.onResize(send);
}
