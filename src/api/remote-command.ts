// Kubernetes' remote command protocol over WebSocket (k8s.io/apimachinery/pkg/util/httpstream/wsstream,
// k8s.io/client-go/tools/remotecommand), as kube-apiserver speaks it for pods/exec and okube's
// API server for tasks/exec: every binary message is one byte naming the stream, then its data.
// The exec's end comes on the error stream as a Status (exit code 0: Success; else Failure with
// reason NonZeroExitCode and the code as an ExitCode cause). v5 adds a message that closes stdin.

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
/** v5.channel.k8s.io: `[255, STDIN]` says the client has no more input. */
export const CLOSE = 255;

export const V5 = 'v5.channel.k8s.io';
export const V4 = 'v4.channel.k8s.io';
/** What the server speaks, best first; the client offers the same. */
export const PROTOCOLS = [V5, V4] as const;

/** The subprotocol to answer with: the best one the client offered, or none in common. */
export function chooseProtocol(offered: Iterable<string>): string | undefined {
  const set = new Set(offered);
  return PROTOCOLS.find((p) => set.has(p));
}

export function frame(stream: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([stream]), body]);
}

export type Message = { stream: number; data: Buffer } | undefined;

/** A received binary message split into its stream and data; an empty one is undefined. */
export function unframe(message: Buffer): Message {
  if (message.length === 0) return undefined;
  return { stream: message[0], data: message.subarray(1) };
}

export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: Array<{ reason: string; message: string }> };
}

/** The Status the server sends on the error stream when the command ended with `code`. */
export function exitStatus(command: string[], code: number): ExecStatus {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** The Status for an exec that could not run or broke off. */
export function failureStatus(message: string, reason = 'InternalError'): ExecStatus {
  return { metadata: {}, status: 'Failure', message, reason };
}

/**
 * What the error stream's Status says: the exit code (0 for Success; the ExitCode cause of a
 * NonZeroExitCode), or the failure's message when the command did not end with a code.
 */
export function statusOutcome(status: unknown): { exitCode: number } | { error: string } {
  const s = (typeof status === 'object' && status !== null ? status : {}) as Partial<ExecStatus>;
  if (s.status === 'Success') return { exitCode: 0 };
  if (s.reason === 'NonZeroExitCode') {
    const code = Number(s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
    if (Number.isInteger(code)) return { exitCode: code };
  }
  return { error: typeof s.message === 'string' && s.message ? s.message : 'the exec ended without an exit status' };
}

/** A resize message's terminal size (client-go's TerminalSize: Width, Height). */
export function parseResize(data: Buffer): { rows: number; columns: number } | undefined {
  try {
    const v = JSON.parse(data.toString()) as { Width?: unknown; Height?: unknown };
    const columns = Number(v.Width);
    const rows = Number(v.Height);
    if (Number.isInteger(columns) && Number.isInteger(rows) && columns > 0 && rows > 0 && columns < 65536 && rows < 65536) return { rows, columns };
  } catch {
    // Not JSON: ignored, as a bad resize is in kubelet.
  }
  return undefined;
}

export function resizeMessage(rows: number, columns: number): Buffer {
  return frame(RESIZE, JSON.stringify({ Width: columns, Height: rows }));
}
