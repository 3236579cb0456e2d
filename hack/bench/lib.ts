// Shared pieces of the benchmarks: option parsing, bounded parallelism, percentiles, process
// CPU/RSS from /proc, and the result shape every benchmark returns (a titled table of figures).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export interface BenchResult {
  title: string;
  /** What was run: counts, concurrency, which engine. */
  setup: string;
  rows: Array<[string, string]>;
  notes?: string[];
}

/** `--name value` from argv, else the default. */
export function numberOpt(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
}

export function listOpt(args: string[], name: string, dflt: number[]): number[] {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1].split(',').map(Number) : dflt;
}

/** Runs fn(0..n-1) with at most `concurrency` in flight; resolves with the elapsed seconds. */
export async function inParallel(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) await fn(next++);
  }));
  return (performance.now() - t0) / 1000;
}

export function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Median of the samples (the mean of the middle two for an even count); NaN for none. */
export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** "median (min–max, n=k)" of repeated samples, each with `digits` decimals and the unit after the median. */
export function spread(xs: number[], digits = 2, unit = ''): string {
  if (!xs.length) return 'n/a (n=0)';
  return `${fmt(median(xs), digits)}${unit} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}, n=${xs.length})`;
}

const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64 and arm64

export interface ProcSample {
  /** user + system CPU seconds so far. */
  cpuSeconds: number;
  rssBytes: number;
  /** Peak resident set (VmHWM). */
  peakRssBytes: number;
}

/** CPU and memory of any process by pid, from /proc (Linux). */
export function procSample(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { cpuSeconds, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
}

export const mib = (bytes: number) => `${fmt(bytes / 1024 ** 2, 0)} MiB`;

export function markdownTable(r: BenchResult): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [`### ${r.title}`, '', r.setup, '', '| measure | value |', '|---|---|', ...r.rows.map(([k, v]) => `| ${esc(k)} | ${esc(v)} |`)];
  if (r.notes?.length) lines.push('', ...r.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

/** True when this module is the script node was started with (not imported by all.ts). */
export function isMain(importMetaUrl: string): boolean {
  return process.argv[1] !== undefined && importMetaUrl === pathToFileURL(process.argv[1]).href;
}

/** Runs a benchmark as a script: prints its table, exits non-zero on failure. */
export function runAsScript(run: () => Promise<BenchResult | BenchResult[]>): void {
  run()
    .then((r) => {
      for (const x of Array.isArray(r) ? r : [r]) process.stdout.write(`${markdownTable(x)}\n`);
      process.exit(0);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
