import { errorMessage } from '../util/errors.js';

// Kubernetes-style health endpoints (/healthz, /livez, /readyz): a list of named checks, run
// with a deadline each, rendered exactly as kube-apiserver renders them — `[+]name ok` /
// `[-]name failed: reason withheld` lines and `<endpoint> check passed|failed`, 200 or 500.

export interface HealthCheck {
  name: string;
  /** Resolves when healthy; rejects (or returns a reason string) when not. */
  check(): Promise<void | string>;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** Why it failed (logged, and shown only on the single-check endpoint). */
  reason?: string;
  excluded?: boolean;
}

export interface HealthResponse {
  status: number;
  body: string;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

async function runOne(c: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const verdict = await Promise.race([
      c.check(),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`timed out after ${timeoutMs}ms`), timeoutMs);
        timer.unref();
      }),
    ]);
    return typeof verdict === 'string' ? { name: c.name, ok: false, reason: verdict } : { name: c.name, ok: true };
  } catch (err) {
    return { name: c.name, ok: false, reason: errorMessage(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check not excluded, concurrently, each bounded by timeoutMs. */
export async function runChecks(checks: HealthCheck[], exclude: Iterable<string> = [], timeoutMs = DEFAULT_CHECK_TIMEOUT_MS): Promise<CheckResult[]> {
  const skip = new Set(exclude);
  return Promise.all(checks.map((c) => (skip.has(c.name) ? Promise.resolve({ name: c.name, ok: true, excluded: true }) : runOne(c, timeoutMs))));
}

/**
 * The body of /<endpoint>[?verbose][&exclude=…] as kube-apiserver writes it: "ok" when all pass
 * and verbose is not asked for; the per-check lines otherwise; always the lines on failure.
 */
export function renderHealth(endpoint: string, results: CheckResult[], opts: { verbose: boolean; unknownExcludes?: string[] }): HealthResponse {
  const lines = results.map((r) => (r.excluded ? `[+]${r.name} excluded: ok` : r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`));
  if (opts.unknownExcludes?.length) lines.push(`warn: some health checks cannot be excluded: no matches for ${opts.unknownExcludes.map((e) => JSON.stringify(e)).join(',')}`);
  const failed = results.some((r) => !r.ok);
  if (failed) return { status: 500, body: `${lines.join('\n')}\n${endpoint} check failed\n` };
  if (!opts.verbose) return { status: 200, body: 'ok' };
  return { status: 200, body: `${lines.join('\n')}\n${endpoint} check passed\n` };
}

/** /<endpoint>/<check>: "ok", or 500 with the reason (as kube-apiserver's single-check endpoints). */
export function renderSingleCheck(result: CheckResult): HealthResponse {
  return result.ok ? { status: 200, body: 'ok' } : { status: 500, body: `internal server error: ${result.reason ?? 'failed'}\n` };
}

export type HealthEndpoints = Record<string, HealthCheck[]>;

/**
 * Answers a health path against the endpoints' checks (/healthz, /healthz/etcd, …); undefined
 * when the path is not a health endpoint or names no known check.
 */
export async function serveHealthPath(endpoints: HealthEndpoints, path: string, query: URLSearchParams, timeoutMs = DEFAULT_CHECK_TIMEOUT_MS): Promise<(HealthResponse & { failed: CheckResult[] }) | undefined> {
  const [, endpoint, single, ...rest] = path.split('/');
  const checks = endpoints[endpoint];
  if (!checks || rest.length) return undefined;
  if (single !== undefined) {
    const c = checks.find((x) => x.name === single);
    if (!c) return undefined;
    const [r] = await runChecks([c], [], timeoutMs);
    return { ...renderSingleCheck(r), failed: r.ok ? [] : [r] };
  }
  const exclude = query.getAll('exclude');
  const results = await runChecks(checks, exclude, timeoutMs);
  const known = new Set(checks.map((c) => c.name));
  const out = renderHealth(endpoint, results, { verbose: query.has('verbose'), unknownExcludes: exclude.filter((e) => !known.has(e)) });
  return { ...out, failed: results.filter((r) => !r.ok) };
}
