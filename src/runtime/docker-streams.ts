import type Docker from 'dockerode';
import { once } from 'node:events';
import { PassThrough, type Duplex, type Readable, type Writable } from 'node:stream';
import type { ExecResult, LogOptions } from './runtime.js';

// The streams of one container on a Docker engine: its logs, a command's captured output (probes)
// and a command attached to the caller's streams (`okube exec`). Errors leave as dockerode threw
// them; DockerRuntime turns them into OkubeErrors.

/** What an exec probe keeps of a command's output: its end, where the error usually is. */
const EXEC_OUTPUT_LIMIT = 4096;

/** A command run in a container with its streams attached (`okube exec`). */
export interface AttachedExec {
  /** The command's stdin when asked for; end() closes it. */
  stdin: Writable;
  /** Resolves with the command's exit code once its output has ended. */
  exitCode: Promise<number>;
  /** The terminal's size, with a TTY. */
  resize(rows: number, columns: number): Promise<void>;
}

export interface ExecStreams {
  stdin: boolean;
  tty: boolean;
  stdout: Writable;
  stderr: Writable;
}

/** The container's stdout and stderr as one stream (a followed one ends when the container does). */
export async function containerLogs(docker: Docker, id: string, opts: LogOptions): Promise<Readable> {
  const container = docker.getContainer(id);
  const out = new PassThrough();
  const base = {
    stdout: true,
    stderr: true,
    timestamps: opts.timestamps ?? false,
    ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
    // dockerd reads "seconds.fraction" (the docker CLI's --since form).
    ...(opts.since !== undefined ? { since: opts.since.toFixed(6) } : {}),
  };
  if (opts.follow) {
    const stream = (await container.logs({ ...base, follow: true })) as unknown as NodeJS.ReadableStream;
    docker.modem.demuxStream(stream, out, out);
    stream.on('end', () => out.end());
    stream.on('error', (err: Error) => out.destroy(err));
    out.on('close', () => (stream as unknown as { destroy?: () => void }).destroy?.());
  } else {
    const buf = (await container.logs({ ...base, follow: false })) as unknown as Buffer;
    out.end(demuxBuffer(buf));
  }
  return out;
}

/** Runs `command` and keeps the end of its output; past `timeoutMs` it is left running (Docker cannot kill an exec). */
export async function execCaptured(docker: Docker, id: string, command: string[], timeoutMs: number): Promise<ExecResult> {
  const exec = await docker.getContainer(id).exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  let output = '';
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-EXEC_OUTPUT_LIMIT);
  });
  docker.modem.demuxStream(stream, sink, sink);
  const finished = new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    finished.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    // Docker cannot kill an exec'd process; it lingers until it ends by itself.
    (stream as unknown as { destroy?: () => void }).destroy?.();
    return { exitCode: -1, output, timedOut: true };
  }
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, output, timedOut: false };
}

/**
 * Runs `command` with its output copied to `stdout`/`stderr` (one stream with a TTY, as Docker
 * sends it then) and, with `stdin`, its input from the returned stream.
 */
export async function execAttached(docker: Docker, id: string, command: string[], opts: ExecStreams): Promise<AttachedExec> {
  const exec = await docker.getContainer(id).exec({ Cmd: command, AttachStdin: opts.stdin, AttachStdout: true, AttachStderr: true, Tty: opts.tty });
  const stream = (await exec.start({ hijack: true, stdin: opts.stdin, Tty: opts.tty })) as unknown as Duplex;
  if (opts.tty) stream.on('data', (chunk: Buffer) => opts.stdout.write(chunk));
  else docker.modem.demuxStream(stream, opts.stdout, opts.stderr);
  // Neither writes above waits for a full destination: the engine's stream waits instead, so a
  // slow reader holds the command's output back in the engine (TCP), not in this process's memory.
  stream.on('data', () => {
    const full = [opts.stdout, opts.stderr].filter((w) => w.writableNeedDrain);
    if (!full.length || stream.isPaused()) return;
    stream.pause();
    void Promise.all(full.map((w) => once(w, 'drain'))).then(() => stream.resume());
  });
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  return {
    stdin: stream,
    exitCode: ended.then(async () => (await exec.inspect()).ExitCode ?? -1),
    resize: async (rows, columns) => {
      await exec.resize({ h: rows, w: columns });
    },
  };
}

/** Docker multiplexes stdout/stderr in 8-byte-header frames for non-TTY containers. */
export function demuxBuffer(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString();
    i += 8 + size;
  }
  return i === 0 && buf.length ? buf.toString() : out;
}
