import { CliError } from '../cli-error.js';
import { parseDuration } from '../commands/flags.js';

// What `okube logs` was asked for, checked the way kubectl's logs command checks its flags
// (kubectl/pkg/cmd/logs: Validate), before anything is read from the API or an engine.

export interface LogsFlags {
  tail?: string;
  since?: string;
  sinceTime?: string;
  selector?: string;
  follow?: boolean;
  maxLogRequests?: string;
}

export interface LogRequest {
  /** Last N lines; undefined for all. */
  tail?: number;
  /** Unix time in seconds (fractional) from which to read. */
  since?: number;
  maxLogRequests: number;
}

/** kubectl's default: all lines for one Task, the last 10 of each when a selector picks them. */
const SELECTOR_TAIL = 10;
const DEFAULT_MAX_LOG_REQUESTS = 5;

function wholeNumber(flag: string, v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new CliError(`invalid argument ${JSON.stringify(v)} for "${flag}" flag: must be a whole number`);
  return Number(v);
}

export function logRequest(flags: LogsFlags, now: Date): LogRequest {
  const tailGiven = flags.tail !== undefined;
  const tail = tailGiven ? wholeNumber('--tail', flags.tail!) : flags.selector !== undefined ? SELECTOR_TAIL : -1;
  if (flags.since !== undefined && flags.sinceTime !== undefined) throw new CliError('at most one of `sinceTime` or `sinceSeconds` may be specified');
  let since: number | undefined;
  if (flags.since !== undefined) {
    let ms: number;
    try {
      ms = parseDuration(flags.since);
    } catch {
      throw new CliError(`invalid argument ${JSON.stringify(flags.since)} for "--since" flag: use a duration such as 30s, 5m or 1h`);
    }
    if (ms <= 0) throw new CliError('--since must be greater than 0');
    since = (now.getTime() - ms) / 1000;
  } else if (flags.sinceTime !== undefined) {
    // RFC 3339 with a zone, as kubectl's --since-time takes it (time.RFC3339).
    const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(flags.sinceTime) ? Date.parse(flags.sinceTime) : NaN;
    if (Number.isNaN(t)) throw new CliError(`--since-time ${JSON.stringify(flags.sinceTime)} must be an RFC3339 time such as 2006-01-02T15:04:05Z`);
    since = t / 1000;
  }
  const max = flags.maxLogRequests === undefined ? DEFAULT_MAX_LOG_REQUESTS : wholeNumber('--max-log-requests', flags.maxLogRequests);
  if (max < 1) throw new CliError('--max-log-requests should be greater than 0');
  return { tail: tail >= 0 ? tail : undefined, since, maxLogRequests: max };
}

/** kubectl refuses to follow more streams than --max-log-requests at once. */
export function checkConcurrency(streams: number, follow: boolean, max: number): void {
  if (follow && streams > max) {
    throw new CliError(`you are attempting to follow ${streams} log streams, but maximum allowed concurrency is ${max}, use --max-log-requests to increase the limit`);
  }
}
