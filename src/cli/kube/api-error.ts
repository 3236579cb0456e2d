import { CliError } from '../cli-error.js';
import { isStatusReason, reasonForCode } from '../../util/status-reasons.js';

// API failures printed the way kubectl prints them (cmdutil.CheckErr / StandardErrorMessage), so
// a user sees the same line from `okube get` as from `kubectl get`.

interface StatusBody {
  kind?: string;
  reason?: string;
  message?: string;
  details?: { kind?: string; name?: string; causes?: Array<{ field?: string; message?: string }> };
}

/**
 * An API error with its HTTP code (`httpCode`) and Status reason (callers branch on `reason`); its
 * `code` is the reason when the Status table knows it, else 'ServerError'.
 */
export class ServerError extends CliError {
  constructor(
    message: string,
    readonly httpCode: number,
    readonly reason: string,
    prefix: string,
  ) {
    super(message, 1, prefix, isStatusReason(reason) ? reason : 'ServerError');
  }
}

export function isServerError(err: unknown, reason?: string): err is ServerError {
  return err instanceof ServerError && (reason === undefined || err.reason === reason);
}

export function serverError(code: number, body: unknown): ServerError {
  const status: StatusBody = typeof body === 'object' && body !== null ? (body as StatusBody) : {};
  const reason = status.reason || reasonForCode(code) || 'Unknown';
  const message = status.message ?? (typeof body === 'string' && body ? body.trim() : `the server responded with HTTP ${code}`);
  if (reason === 'Invalid' && status.details) {
    const { kind, name, causes = [] } = status.details;
    const head = kind || name ? `The ${kind ?? ''} "${name ?? ''}" is invalid` : 'The request is invalid';
    const lines = causes.map((c) => (c.field ? `${c.field}: ${c.message ?? ''}` : (c.message ?? '')));
    const text = lines.length === 0 ? message : lines.length === 1 ? `${head}: ${lines[0]}` : `${head}: \n${lines.map((l) => `* ${l}`).join('\n')}`;
    return new ServerError(text, code, reason, '');
  }
  if (reason === 'Unauthorized') return new ServerError(`You must be logged in to the server (${message})`, code, reason, 'error: ');
  return new ServerError(message, code, reason, status.reason || reasonForCode(code) ? `Error from server (${reason}): ` : 'Error from server: ');
}
