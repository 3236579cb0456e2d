import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE, ERROR, RESIZE, STDERR, STDIN, STDOUT, V5, chooseProtocol, exitStatus, failureStatus, frame, parseResize, unframe, type ExecStatus } from '../api/remote-command.js';
import { isFinished } from '../api/task-phase.js';
import type { Task } from '../api/types.js';
import type { AttachedExec } from '../runtime/docker-streams.js';
import { noExecContainerMessage } from '../runtime/task-containers.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { queryBool } from './query-params.js';
import { ApiError, badRequest } from './status.js';
import type { TaskEngines } from './task-engines.js';

// GET .../tasks/{name}/exec with a WebSocket upgrade: a command in a Task's running container, run
// by the API server on the Task's Node's engine with the Node's own credentials (task-engines.ts),
// as kube-apiserver runs pods/exec through the kubelet. So a user needs RBAC `create tasks/exec`
// in the namespace, not the Node's TLS Secret (root on the host). The query is PodExecOptions'
// (command, stdin, stdout, stderr, tty; container is ignored: a Task has one); the streams are
// Kubernetes' channel protocol (api/remote-command.ts), so client-go's and client-node's
// WebSocket executors work with the Task's path. Everything that can be refused is refused before
// the upgrade, as an HTTP Status; after it, the outcome comes on the error stream.

export interface ExecQuery {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** PodExecOptions from the query string, or a 400 saying what is missing. */
export function execQuery(q: URLSearchParams): ExecQuery {
  const command = q.getAll('command');
  if (command.length === 0) throw badRequest('you must specify at least 1 command');
  const opts = { command, stdin: queryBool(q, 'stdin') === true, stdout: queryBool(q, 'stdout') === true, stderr: queryBool(q, 'stderr') === true, tty: queryBool(q, 'tty') === true };
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw badRequest('you must specify at least one of stdin, stdout, stderr');
  return opts;
}

/** The connection a request left HTTP with (the server's 'upgrade' event). */
export interface Upgrade {
  socket: Duplex;
  head: Buffer;
}

const KEY = /^[+/0-9A-Za-z]{22}==$/;
/** Output waits while more than this is queued for the client. */
const HIGH_WATER = 1 << 20;

/** Why the request cannot become a WebSocket of the channel protocol, checked before anything runs. */
export function upgradeProblem(headers: IncomingMessage['headers'], upgrade: Upgrade | undefined): string | undefined {
  const kind = String(headers.upgrade ?? '').toLowerCase();
  if (!upgrade || !kind) return 'Upgrade request required';
  if (kind !== 'websocket') return `unable to upgrade connection: okube serves exec over WebSocket only, not ${headers.upgrade}`;
  if (headers['sec-websocket-version'] !== '13' || !KEY.test(String(headers['sec-websocket-key'] ?? ''))) return 'unable to upgrade connection: not a valid WebSocket handshake (Sec-WebSocket-Version 13 and a Sec-WebSocket-Key)';
  const offered = String(headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!chooseProtocol(offered)) return 'unable to upgrade connection: the client offered no subprotocol okube speaks (Sec-WebSocket-Protocol: v5.channel.k8s.io or v4.channel.k8s.io)';
  return undefined;
}

export class TaskExec {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4 << 20, handleProtocols: (offered) => chooseProtocol(offered) ?? false });
  /** Open sessions: the HTTP server's close does not end upgraded connections, close() does. */
  private readonly sessions = new Set<WebSocket>();

  constructor(
    private readonly engines: TaskEngines,
    private readonly log: Logger,
  ) {}

  /** Ends every open session (the server is stopping): the commands lose their streams, as on a dropped connection. */
  close(): void {
    for (const ws of this.sessions) ws.terminate();
  }

  /** Runs the exec of `task` (already read and authorized); resolves when the session is over. */
  async serve(task: Task, q: ExecQuery, req: IncomingMessage, res: ServerResponse, upgrade: Upgrade | undefined): Promise<void> {
    const problem = upgradeProblem(req.headers, upgrade);
    if (problem) throw badRequest(problem);
    const name = task.metadata.name!;
    const key = `${task.metadata.namespace}/${name}`;
    const notRunning = () => badRequest(noExecContainerMessage(task));
    if (isFinished(task) || !(task.status?.nodeName ?? task.spec.nodeName)) throw notRunning();
    const { docker, nodeName, containers } = await this.engines.open(task);
    let session: { attached: AttachedExec; stdout: PassThrough; stderr: PassThrough };
    try {
      const container = containers.find((c) => c.running);
      if (!container) throw notRunning();
      // Started before the upgrade, so a failure is still an HTTP Status; output made before the
      // client is connected waits in these streams.
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const attached = await docker.attachExec(container.id, q.command, { stdin: q.stdin, tty: q.tty, stdout, stderr }).catch((err: unknown) => {
        throw new ApiError('InternalError', `cannot exec in task "${name}" on node ${nodeName}: ${errorMessage(err)}`);
      });
      session = { attached, stdout, stderr };
    } catch (err) {
      await docker.close();
      throw err;
    }
    const { attached, stdout, stderr } = session;
    const socket = upgrade!.socket;
    res.detachSocket(socket as Parameters<ServerResponse['detachSocket']>[0]);
    const ws = await new Promise<WebSocket | undefined>((resolve) => {
      // ws answers a handshake it refuses itself and never calls back: the socket's close ends the wait.
      socket.once('close', () => resolve(undefined));
      this.wss.handleUpgrade(req, socket, upgrade!.head, resolve);
    });
    res.statusCode = 101;
    try {
      if (!ws) {
        attached.stdin.destroy();
        return;
      }
      this.sessions.add(ws);
      await this.run(ws, q, attached, stdout, stderr, key);
    } finally {
      if (ws) this.sessions.delete(ws);
      await docker.close();
      // The response never wrote: marked done so the request is logged and counted now.
      res.destroy();
    }
  }

  private async run(ws: WebSocket, q: ExecQuery, attached: AttachedExec, stdout: PassThrough, stderr: PassThrough, key: string): Promise<void> {
    const v5 = ws.protocol === V5;
    const forward = (from: PassThrough, stream: number, wanted: boolean) =>
      new Promise<void>((resolve) => {
        from.on('data', (chunk: Buffer) => {
          if (!wanted || ws.readyState !== ws.OPEN) return;
          ws.send(frame(stream, chunk), { binary: true }, () => {
            if (from.isPaused() && ws.bufferedAmount < HIGH_WATER) from.resume();
          });
          if (ws.bufferedAmount >= HIGH_WATER) from.pause();
        });
        from.once('end', resolve);
        from.once('close', resolve);
      });
    const forwarded = Promise.all([forward(stdout, STDOUT, q.stdout || q.tty), forward(stderr, STDERR, q.stderr)]);
    ws.on('message', (data: Buffer) => {
      const m = unframe(data);
      if (!m) return;
      if (m.stream === STDIN && q.stdin) {
        // The engine takes input slower than it comes: the client waits (TCP) until it drains.
        if (!attached.stdin.write(m.data)) {
          ws.pause();
          attached.stdin.once('drain', () => ws.resume());
        }
      }
      else if (m.stream === RESIZE && q.tty) {
        const size = parseResize(m.data);
        if (size) void attached.resize(size.rows, size.columns).catch(() => undefined);
      } else if (m.stream === CLOSE && v5 && m.data[0] === STDIN) attached.stdin.end();
    });
    // The client went away: the engine's attach ends, the command runs on without its input (as the kubelet leaves it).
    ws.once('close', () => attached.stdin.destroy());
    let status: ExecStatus;
    try {
      const code = await attached.exitCode;
      stdout.end();
      stderr.end();
      await forwarded;
      status = exitStatus(q.command, code);
    } catch (err) {
      stdout.destroy();
      stderr.destroy();
      status = failureStatus(`error executing command [${q.command.join(' ')}]: ${errorMessage(err)}`);
      this.log.warn({ task: key, err: errorMessage(err) }, 'exec stream failed');
    }
    if (ws.readyState === ws.OPEN) {
      ws.send(frame(ERROR, JSON.stringify(status)), { binary: true });
      ws.close(1000);
    }
    await new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve())));
  }
}
